/**
 * Pushes data to live client connections (API Gateway WebSocket management API on AWS).
 * Contract: `post` resolves when delivered and returns "gone" for a connection that no
 * longer exists (never throws for that case); `close` ends a connection, "gone" if absent.
 */
export interface Gateway {
  post(connectionId: string, data: string): Promise<"ok" | "gone">;
  close(connectionId: string): Promise<"ok" | "gone">;
}
