import { assertId, assertLimit, assertNotifyUser, expirySeconds, isLive, type NotifyUser } from "../../notify/stores/common.js";
import {
  DEFAULT_DECISION_RETENTION_MS,
  MAX_DECISIONS_PER_LOOKUP,
  MAX_DECISION_PAGE,
  checkDecisions,
  checkSince,
  decisionCursor,
  decisionCursorKey,
  decisionKey,
  type DecisionLogStore,
  type DecisionPage,
  type LookupOptions,
} from "../../notify/stores/decision-log-store.js";
import type { DecisionRecord } from "../../notify/vocabulary.js";

/** In-memory DecisionLogStore: the reference implementation of the port contract. */
export class MemoryDecisionLogStore implements DecisionLogStore {
  /** Per user: decision key -> record. Keys are ASCII, so `<` is code-point order. */
  private readonly users = new Map<string, Map<string, DecisionRecord>>();
  private readonly now: () => number;
  private readonly retentionMs: number;

  constructor(opts: { now?: () => number; retentionMs?: number } = {}) {
    this.now = opts.now ?? Date.now;
    this.retentionMs = opts.retentionMs ?? DEFAULT_DECISION_RETENTION_MS;
  }

  async append(records: DecisionRecord[]): Promise<void> {
    checkDecisions(records);
    for (const r of records) {
      const log = this.log(r);
      const k = decisionKey(r);
      if (!log.has(k)) log.set(k, JSON.parse(JSON.stringify(r)));
    }
  }

  async byEvent(tenant: string, userId: string, eventId: string, opts: LookupOptions = {}): Promise<DecisionRecord[]> {
    assertId(eventId, "eventId");
    const since = checkSince(opts);
    return this.live({ tenant, userId }, (r) => r.eventId === eventId && r.at >= since).slice(0, MAX_DECISIONS_PER_LOOKUP);
  }

  async byNotification(tenant: string, userId: string, notificationId: string, opts: LookupOptions = {}): Promise<DecisionRecord[]> {
    assertId(notificationId, "notificationId");
    const since = checkSince(opts);
    return this.live({ tenant, userId }, (r) => r.notificationId === notificationId && r.at >= since).slice(0, MAX_DECISIONS_PER_LOOKUP);
  }

  async byUser(tenant: string, userId: string, opts: { cursor?: string; limit: number }): Promise<DecisionPage> {
    assertLimit(opts.limit, MAX_DECISION_PAGE);
    const before = opts.cursor === undefined ? undefined : decisionCursorKey(opts.cursor);
    const all = this.live({ tenant, userId }, () => true)
      .reverse()
      .filter((r) => before === undefined || decisionKey(r) < before);
    const records = all.slice(0, opts.limit);
    return all.length > records.length ? { records, cursor: decisionCursor(decisionKey(records[records.length - 1])) } : { records };
  }

  /** The user's unexpired records matching `keep`, oldest first (copies). */
  private live(user: NotifyUser, keep: (r: DecisionRecord) => boolean): DecisionRecord[] {
    assertNotifyUser(user);
    const now = this.now();
    return [...this.log(user).entries()]
      .filter(([, r]) => keep(r) && isLive(expirySeconds(r.at, this.retentionMs), now))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, r]) => structuredClone(r));
  }

  private log(user: NotifyUser): Map<string, DecisionRecord> {
    const k = `${user.tenant}#${user.userId}`;
    let log = this.users.get(k);
    if (!log) this.users.set(k, (log = new Map()));
    return log;
  }
}
