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
  UserPresence,
} from "../connection-store.js";

interface Record extends ConnectionInfo {
  docs: Set<string>;
  tat?: number;
}

/**
 * In-memory ConnectionStore, the reference implementation of the contract. Every method
 * checks and writes with no await in between, so concurrent calls are atomic; states go in
 * and out as copies. Nothing expires (tests run it on clocks far from the real one).
 */
export class MemoryConnectionStore implements ConnectionStore {
  private readonly connections = new Map<string, Record>();
  /** docKey -> connectionId -> subscriber. */
  private readonly index = new Map<string, Map<string, Subscriber>>();
  /** userKey -> the user's connection ids and last disconnect. */
  private readonly users = new Map<string, { connectionIds: Set<string>; lastDisconnectAt?: number }>();

  async connect(info: ConnectionInfo): Promise<void> {
    const previous = this.connections.get(info.connectionId);
    if (previous) this.users.get(userKey(previous.tenant, previous.userId))?.connectionIds.delete(info.connectionId);
    this.connections.set(info.connectionId, { ...info, docs: new Set() });
    this.userOf(info.tenant, info.userId).connectionIds.add(info.connectionId);
  }

  async userPresence(tenant: string, userId: string): Promise<UserPresence> {
    const user = this.users.get(userKey(tenant, userId));
    const connections = [...(user?.connectionIds ?? [])].map((id) => metaOf(this.connections.get(id)!));
    return user?.lastDisconnectAt === undefined ? { connections } : { connections, lastDisconnectAt: user.lastDisconnectAt };
  }

  async get(connectionId: string): Promise<ConnectionMeta | undefined> {
    const c = this.connections.get(connectionId);
    return c && metaOf(c);
  }

  async subscribe(connectionId: string, doc: DocRef, maxDocs: number, since = 0): Promise<SubscribeResult> {
    const c = this.connections.get(connectionId);
    if (!c) return "gone";
    if (!c.docs.has(doc.docId) && c.docs.size >= maxDocs) return "too_many";
    c.docs.add(doc.docId);
    const subs = this.subsOf(doc, true);
    const existing = subs.get(connectionId);
    subs.set(connectionId, {
      connectionId,
      userId: c.userId,
      presence: existing?.presence ?? null,
      ...(existing?.presenceAt !== undefined ? { presenceAt: existing.presenceAt } : {}),
      ...(c.groups?.length ? { groups: [...c.groups] } : {}),
      ...(c.admin ? { admin: true } : {}),
      ...(since > 0 ? { since } : {}),
    });
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
    if (state === null) delete sub.presenceAt;
    else sub.presenceAt = now;
    return "ok";
  }

  async disconnect(connectionId: string, also: DocRef[] = [], now = Date.now()): Promise<RemovedSubscription[]> {
    const c = this.connections.get(connectionId);
    this.connections.delete(connectionId);
    if (c) {
      const user = this.userOf(c.tenant, c.userId);
      user.connectionIds.delete(connectionId);
      user.lastDisconnectAt = Math.max(user.lastDisconnectAt ?? now, now);
    }
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

  private userOf(tenant: string, userId: string): { connectionIds: Set<string>; lastDisconnectAt?: number } {
    const key = userKey(tenant, userId);
    let user = this.users.get(key);
    if (!user) this.users.set(key, (user = { connectionIds: new Set() }));
    return user;
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

/** Tenant ids never contain `#`, so this is unambiguous whatever the user id holds. */
function userKey(tenant: string, userId: string): string {
  return `${tenant}#${userId}`;
}

function metaOf(c: Record): ConnectionMeta {
  return { connectionId: c.connectionId, tenant: c.tenant, userId: c.userId, connectedAt: c.connectedAt, docs: [...c.docs] };
}
