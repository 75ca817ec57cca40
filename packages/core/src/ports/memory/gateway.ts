import type { Gateway } from "../gateway.js";

/**
 * In-memory Gateway. Every connection id is live until a test marks it gone (`markGone`)
 * or it is closed; `messages(id)` returns what was delivered to it, in order.
 */
export class MemoryGateway implements Gateway {
  private readonly delivered = new Map<string, string[]>();
  private readonly gone = new Set<string>();
  /** Connections ended through `close`, in call order. */
  readonly closed: string[] = [];

  async post(connectionId: string, data: string): Promise<"ok" | "gone"> {
    if (this.gone.has(connectionId)) return "gone";
    const list = this.delivered.get(connectionId) ?? [];
    list.push(data);
    this.delivered.set(connectionId, list);
    return "ok";
  }

  async close(connectionId: string): Promise<"ok" | "gone"> {
    if (this.gone.has(connectionId)) return "gone";
    this.gone.add(connectionId);
    this.closed.push(connectionId);
    return "ok";
  }

  /** Simulates a client that went away: later posts and closes return "gone". */
  markGone(connectionId: string): void {
    this.gone.add(connectionId);
  }

  isGone(connectionId: string): boolean {
    return this.gone.has(connectionId);
  }

  messages(connectionId: string): string[] {
    return [...(this.delivered.get(connectionId) ?? [])];
  }
}
