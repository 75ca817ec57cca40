import type { DeliveryTarget } from "../delivery/channel-adapter.js";
import type { Delivery } from "../engine/run.js";
import { emptyNotifyState, notifyStateOf, type NotifyUserState } from "../engine/state.js";

/**
 * One delivery the engine decided and that is not done yet, kept in the user's stored state
 * (the transactional outbox): it is committed together with the decision that made it, so a
 * crash between the commit and the send cannot lose it, and it is applied only by the
 * process whose commit claimed it, so it is never sent twice by two processes.
 */
export interface OutboxEntry {
  /** Unique in the outbox: notification id, channel, version and target. */
  id: string;
  delivery: Delivery;
  /** External channels: one entry per target (an address, a device). */
  target?: DeliveryTarget;
  /** The attempt the next send is (1 = first). */
  attempt: number;
  /** Not before this server ms. */
  dueAt: number;
  /** Claimed by the process that committed this claim, until then (then anyone may claim it). */
  claimUntil?: number;
}

/** What the notify table stores per user: the engine's state and the outbox. */
export interface StoredNotifyState {
  engine: NotifyUserState;
  outbox: OutboxEntry[];
}

/** A claim outlives any one send (provider timeouts are seconds); after it, a crashed claimer's entries are re-claimed. */
export const OUTBOX_CLAIM_MS = 60_000;
/** Most entries kept; more means sends are failing for long: the oldest are dead-lettered by the service. */
export const MAX_OUTBOX_ENTRIES = 200;

export function storedStateOf(stored: unknown): StoredNotifyState {
  if (stored === undefined || stored === null) return { engine: emptyNotifyState(), outbox: [] };
  const s = stored as Partial<StoredNotifyState>;
  return { engine: notifyStateOf(s.engine), outbox: s.outbox ?? [] };
}

export function entryId(d: Delivery, target?: DeliveryTarget): string {
  const to = !target ? "" : target.kind === "email" ? target.address : target.kind === "phone" ? target.number : target.deviceId;
  return `${d.notificationId}|${d.channel}|${d.version}|${to}`;
}

/** Claims every entry due at `now` that nobody holds; returns the new outbox and the claimed ids. */
export function claimDue(outbox: OutboxEntry[], now: number): { outbox: OutboxEntry[]; claimed: string[] } {
  const claimed: string[] = [];
  const next = outbox.map((e) => {
    if (e.dueAt > now || (e.claimUntil !== undefined && e.claimUntil > now)) return e;
    claimed.push(e.id);
    return { ...e, claimUntil: now + OUTBOX_CLAIM_MS };
  });
  return { outbox: next, claimed };
}

/** When the outbox next needs attention: its earliest due time, or the end of a live claim. */
export function outboxWakeAt(outbox: OutboxEntry[]): number | undefined {
  let at: number | undefined;
  for (const e of outbox) {
    const t = e.claimUntil !== undefined ? Math.max(e.claimUntil, e.dueAt) : e.dueAt;
    at = at === undefined ? t : Math.min(at, t);
  }
  return at;
}

/** What became of a claimed entry after its send. */
export type EntryOutcome = { id: string; done: true } | { id: string; done: false; attempt: number; dueAt: number };

/** The outbox with applied entries removed and retried ones rescheduled (and unclaimed). */
export function settle(outbox: OutboxEntry[], outcomes: EntryOutcome[]): OutboxEntry[] {
  const byId = new Map(outcomes.map((o) => [o.id, o]));
  const out: OutboxEntry[] = [];
  for (const e of outbox) {
    const o = byId.get(e.id);
    if (!o) out.push(e);
    else if (!o.done) out.push({ id: e.id, delivery: e.delivery, ...(e.target ? { target: e.target } : {}), attempt: o.attempt, dueAt: o.dueAt });
  }
  return out;
}
