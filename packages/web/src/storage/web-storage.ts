import type { OutboxStorage } from "./storage.js";

/**
 * An OutboxStorage over a Web Storage area (`localStorage`, or `sessionStorage`), under a key
 * prefix. Writes are synchronous, so a value is durable when `set` returns: the fallback when
 * IndexedDB is unavailable. A full storage (QuotaExceededError) rejects `set`.
 */
export class WebStorage implements OutboxStorage {
  constructor(
    private readonly area: Storage,
    private readonly prefix = "weft:",
  ) {}

  async get(key: string): Promise<string | undefined> {
    return this.area.getItem(this.prefix + key) ?? undefined;
  }

  async set(key: string, value: string): Promise<void> {
    this.area.setItem(this.prefix + key, value);
  }

  async delete(key: string): Promise<void> {
    this.area.removeItem(this.prefix + key);
  }
}
