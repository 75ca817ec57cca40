import type { DocRef } from "../doc-ref.js";

/**
 * Due times at which a document must be looked at again (hold windows that expire).
 *
 * Contract:
 * - `add` is idempotent per (doc, dueAt).
 * - `due(now, limit)` returns up to `limit` timers with dueAt <= now, earliest first, across
 *   all tenants; it does not remove them.
 * - `remove` deletes one timer; removing a missing timer is not an error.
 */
export interface TimerStore {
  add(doc: DocRef, dueAt: number): Promise<void>;
  due(now: number, limit: number): Promise<Array<{ doc: DocRef; dueAt: number }>>;
  remove(doc: DocRef, dueAt: number): Promise<void>;
}
