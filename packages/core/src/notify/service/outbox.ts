import type { DeliveryTarget } from "../delivery/channel-adapter.js";
import type { Delivery } from "../engine/run.js";
import { stableId } from "../engine/ids.js";
import { emptyNotifyState, notifyStateOf, SEEN_CHUNK, type NotifyUserState } from "../engine/state.js";
import type { NotifyUser } from "../stores/common.js";

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
  /**
   * The time of the last wake-up timer put for the user, recorded by the commit it was put
   * before (so a timer at `wake` exists while `wake` is in the future): a decision that needs
   * the same wake-up writes no timer. Absent: none known.
   */
  wake?: number;
}

/** A claim outlives any one send (provider timeouts are seconds); after it, a crashed claimer's entries are re-claimed. */
export const OUTBOX_CLAIM_MS = 60_000;
/** Most entries kept; more means sends are failing for long: the oldest are dead-lettered by the service. */
export const MAX_OUTBOX_ENTRIES = 200;

/**
 * The ids of full `seen` chunks, by the chunk arrays loaded or stored with them. The engine
 * never changes a full chunk (it appends to the last one, copying it, and drops the oldest),
 * so a chunk that is still the same array is still the same part.
 */
const partIds = new WeakMap<readonly number[], string>();

/**
 * The stored state as loaded with its parts (the full `seen` chunks) and the user it belongs to
 * (outbox entries are stored without what that and their delivery say: see `toStorage`).
 */
export function storedStateOf(stored: unknown, parts: Record<string, unknown> = {}, user?: NotifyUser): StoredNotifyState {
  if (stored === undefined || stored === null) return { engine: emptyNotifyState(), outbox: [] };
  const s = stored as Partial<StoredNotifyState> & { engine?: { seen?: Array<number[] | string> } };
  let engine: unknown = s.engine;
  const seen = s.engine?.seen;
  if (Array.isArray(seen) && seen.some((c) => typeof c === "string")) {
    const chunks = seen.map((c) => {
      if (typeof c !== "string") return c;
      const chunk = parts[c];
      if (!Array.isArray(chunk)) throw new Error(`notify state: its seen chunk ${c} is missing`);
      partIds.set(chunk as number[], c);
      return chunk as number[];
    });
    engine = { ...s.engine, seen: chunks };
  }
  const outbox = (s.outbox ?? []).map((e) => entryOf(e as StoredEntry, user));
  const out: StoredNotifyState = { engine: notifyStateOf(engine), outbox };
  if (typeof s.wake === "number") out.wake = s.wake;
  return out;
}

/** An outbox entry as stored: without its id and its delivery's tenant and user (older states have them). */
type StoredEntry = Omit<OutboxEntry, "id" | "delivery"> & { id?: string; delivery: Omit<Delivery, "tenant" | "userId"> & Partial<Pick<Delivery, "tenant" | "userId">> };

function entryOf(e: StoredEntry, user: NotifyUser | undefined): OutboxEntry {
  const delivery = (e.delivery.tenant !== undefined || !user ? e.delivery : { tenant: user.tenant, userId: user.userId, ...e.delivery }) as Delivery;
  return { ...e, id: e.id ?? entryId(delivery, e.target), delivery };
}

/**
 * What the user-state store is given. Each full `seen` chunk (64 event hashes, ~0.5 KB
 * compressed, never changed again) becomes a part, written once by the store, so a commit
 * rewrites only the last, growing chunk instead of up to 512 hashes (~4 KB: most of a
 * long-standing user's state). A new part's id is the version of the commit that first stores
 * it plus a hash of the chunk, so an id names one value and, once dropped with the oldest
 * chunk, never comes back (the store may delete it then). Outbox entries leave out what is
 * derived (their id) or known (the delivery's tenant and user).
 */
export function toStorage(state: StoredNotifyState, version: number): { state: unknown; parts: Record<string, number[]> } {
  const parts: Record<string, number[]> = {};
  const seen = state.engine.seen.map((chunk) => {
    if (chunk.length < SEEN_CHUNK) return chunk;
    let id = partIds.get(chunk);
    if (id === undefined) partIds.set(chunk, (id = `${version}-${stableId("seen", chunk.join(",")).slice(4, 12)}`));
    parts[id] = chunk;
    return id;
  });
  const outbox = state.outbox.map(({ id: _id, delivery: { tenant: _t, userId: _u, ...delivery }, ...e }) => ({ ...e, delivery }));
  return { state: { ...state, engine: { ...state.engine, seen }, outbox }, parts };
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

/**
 * What became of a claimed entry after its send. `sent`: the provider took it on this attempt
 * (not a dead letter or a hard failure, which are done too).
 */
export type EntryOutcome = { id: string; done: true; sent?: true } | { id: string; done: false; attempt: number; dueAt: number };

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
