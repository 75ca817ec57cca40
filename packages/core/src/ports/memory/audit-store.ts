import { accessBefore, assertAccessEvents, type AccessEvent } from "../../audit/access-events.js";
import { docKey, type DocRef } from "../../doc-ref.js";
import type { AccessPage, AccessQuery, AuditStore } from "../audit-store.js";

/** In-memory AuditStore: the reference implementation of the port contract. */
export class MemoryAuditStore implements AuditStore {
  /** Per document: access events by `<at>#<id>`. */
  private readonly access = new Map<string, Map<string, AccessEvent>>();

  async putAccessEvents(doc: DocRef, events: readonly AccessEvent[]): Promise<void> {
    assertAccessEvents(events);
    const stored = this.access.get(docKey(doc)) ?? new Map<string, AccessEvent>();
    this.access.set(docKey(doc), stored);
    for (const e of events) {
      const key = `${e.at}#${e.id}`;
      if (!stored.has(key)) stored.set(key, structuredClone(e));
    }
  }

  async accessEvents(doc: DocRef, q: AccessQuery): Promise<AccessPage> {
    const since = q.since ?? 0;
    const matching = [...(this.access.get(docKey(doc))?.values() ?? [])]
      .filter((e) => e.at >= since && (q.after === undefined || accessBefore(q.after, e)) && (q.userId === undefined || e.userId === q.userId))
      .sort((a, b) => (accessBefore(a, b) ? -1 : 1));
    const events = structuredClone(matching.slice(0, Math.max(0, q.limit)));
    const last = events[events.length - 1];
    return matching.length > events.length && last ? { events, next: { at: last.at, id: last.id } } : { events };
  }
}
