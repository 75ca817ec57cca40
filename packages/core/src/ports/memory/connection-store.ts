import { docKey, type DocRef } from "../../doc-ref.js";
import type { PresenceState } from "../../live/client-messages.js";
import { admit, type RateLimit } from "../../live/rate-limit.js";
import type {
  ConnectionInfo,
  ConnectionMeta,
  ConnectionStore,
  PresenceResult,
  RemovedSubscription,
  SubscribeResult,
  Subscriber,
} from "../connection-store.js";

interface Record extends ConnectionInfo {
  docs: Set<string>;
  tat?: number;
}

/**
 * In-memory ConnectionStore, the reference implementation of the contract. Every method
 * checks and writes with no await in between, so concurrent calls are atomic; states go in
 * and out as copies.
 */
export class MemoryConnectionStore implements ConnectionStore {
  private readonly connections = new Map<string, Record>();
  /** docKey -> connectionId -> subscriber. */
  private readonly index = new Map<string, Map<string, Subscriber>>();

  async connect(info: ConnectionInfo): Promise<void> {
    this.connections.set(info.connectionId, { ...info, docs: new Set() });
  }

  async get(connectionId: string): Promise<ConnectionMeta | undefined> {
    const c = this.connections.get(connectionId);
    if (!c) return undefined;
    return { connectionId, tenant: c.tenant, userId: c.userId, connectedAt: c.connectedAt, docs: [...c.docs] };
  }

  async subscribe(connectionId: string, doc: DocRef, maxDocs: number): Promise<SubscribeResult> {
    const c = this.connections.get(connectionId);
    if (!c) return "gone";
    if (!c.docs.has(doc.docId) && c.docs.size >= maxDocs) return "too_many";
    c.docs.add(doc.docId);
    const subs = this.subsOf(doc, true);
    const existing = subs.get(connectionId);
    subs.set(connectionId, { connectionId, userId: c.userId, presence: existing?.presence ?? null });
    return "ok";
  }

  async unsubscribe(connectionId: string, doc: DocRef): Promise<Subscriber | undefined> {
    return this.remove(connectionId, doc);
  }

  async subscribers(doc: DocRef): Promise<Subscriber[]> {
    return [...(this.subsOf(doc, false)?.values() ?? [])].map((s) => structuredClone(s));
  }

  async setPresence(
    connectionId: string,
    doc: DocRef,
    state: PresenceState | null,
    now: number,
    rate: RateLimit,
  ): Promise<PresenceResult> {
    const c = this.connections.get(connectionId);
    if (!c) return "gone";
    const sub = this.subsOf(doc, false)?.get(connectionId);
    if (!c.docs.has(doc.docId) || !sub) return "not_subscribed";
    const decision = admit(c.tat, now, rate);
    if (!decision.allowed) return "rate_limited";
    c.tat = decision.tat;
    sub.presence = state === null ? null : structuredClone(state);
    return "ok";
  }

  async disconnect(connectionId: string, also: DocRef[] = []): Promise<RemovedSubscription[]> {
    const c = this.connections.get(connectionId);
    this.connections.delete(connectionId);
    const docs = new Map<string, DocRef>();
    for (const docId of c?.docs ?? []) docs.set(docKey({ tenant: c!.tenant, docId }), { tenant: c!.tenant, docId });
    for (const d of also) docs.set(docKey(d), { tenant: d.tenant, docId: d.docId });
    const removed: RemovedSubscription[] = [];
    for (const doc of docs.values()) {
      const s = this.remove(connectionId, doc);
      if (s) removed.push({ ...s, doc });
    }
    return removed;
  }

  private remove(connectionId: string, doc: DocRef): Subscriber | undefined {
    this.connections.get(connectionId)?.docs.delete(doc.docId);
    const subs = this.subsOf(doc, false);
    const removed = subs?.get(connectionId);
    subs?.delete(connectionId);
    if (subs?.size === 0) this.index.delete(docKey(doc));
    return removed && structuredClone(removed);
  }

  private subsOf(doc: DocRef, create: true): Map<string, Subscriber>;
  private subsOf(doc: DocRef, create: false): Map<string, Subscriber> | undefined;
  private subsOf(doc: DocRef, create: boolean): Map<string, Subscriber> | undefined {
    const key = docKey(doc);
    let subs = this.index.get(key);
    if (!subs && create) this.index.set(key, (subs = new Map()));
    return subs;
  }
}
