/**
 * Where a client keeps what must survive a page reload: its client id and, per document, the
 * outbox (unsent and unacknowledged changes, see outbox.ts). Values are strings (JSON).
 *
 * Contract: `set` resolves only once the value is durable as far as the backend can tell
 * (IndexedDB: the transaction completed); a `get` after a resolved `set` returns that value,
 * also from a new client on the same storage. Keys are short ASCII strings. The client writes
 * the key `clientId` once; the browser default keeps that one key per tab (sessionStorage), so
 * two tabs never share a client id while a reloaded tab keeps its own.
 */
export interface OutboxStorage {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Keeps everything in a Map: survives recreating a client on the same instance, not a process restart. */
export class MemoryStorage implements OutboxStorage {
  private readonly data = new Map<string, string>();

  async get(key: string): Promise<string | undefined> {
    return this.data.get(key);
  }

  async set(key: string, value: string): Promise<void> {
    this.data.set(key, value);
  }

  async delete(key: string): Promise<void> {
    this.data.delete(key);
  }

  /** The stored keys (for tests and debugging). */
  keys(): string[] {
    return [...this.data.keys()];
  }
}
