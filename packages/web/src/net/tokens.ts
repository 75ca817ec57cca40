/**
 * The bearer token, fetched from the app's `getToken` when first needed, again after the
 * server refused it (HTTP 401, a refused WebSocket upgrade), and ahead of its expiry when it
 * is a JWT with an `exp` claim (a quarter of its remaining life early, at most 30 s, so a
 * request rarely leaves with a token about to lapse). A token that looks expired when it
 * arrives is still used by the request that asked for it (the server decides). Concurrent
 * callers share one `getToken` call.
 */
export class TokenSource {
  private token: string | undefined;
  /** When to stop using the token and ask for a new one. */
  private renewAt = Infinity;
  private inflight: Promise<string> | undefined;
  /** How many times getToken was called (tests check refreshes). */
  calls = 0;

  constructor(private readonly getToken: () => Promise<string> | string) {}

  async get(): Promise<string> {
    if (this.token !== undefined && Date.now() < this.renewAt) return this.token;
    return this.refresh();
  }

  /** Forgets `stale` (if it is still the current token) so the next `get` asks for a new one. */
  invalidate(stale?: string): void {
    if (stale === undefined || stale === this.token) this.token = undefined;
  }

  private refresh(): Promise<string> {
    return (this.inflight ??= (async () => {
      try {
        this.calls++;
        const token = await this.getToken();
        if (typeof token !== "string" || token.length === 0) throw new Error("getToken returned no token");
        const now = Date.now();
        const exp = expiryOf(token);
        this.token = token;
        this.renewAt = exp - Math.min(30_000, Math.max(0, (exp - now) / 4));
        return token;
      } finally {
        this.inflight = undefined;
      }
    })());
  }
}

/** The `exp` claim of a JWT in ms, or Infinity when the token is not a JWT with one. */
export function expiryOf(token: string): number {
  const part = token.split(".")[1];
  if (!part) return Infinity;
  try {
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "="));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === "number" ? exp * 1000 : Infinity;
  } catch {
    return Infinity;
  }
}
