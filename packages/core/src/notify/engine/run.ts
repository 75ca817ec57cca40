import type { UserContacts } from "../preferences/contacts.js";
import type { TenantPolicy } from "../preferences/tenant-policy.js";
import { policyVersionOf, type UserPreferences } from "../preferences/user-preferences.js";
import type { Channel, DecisionRecord, ReasonCode } from "../vocabulary.js";
import { type Budget, type Caps, capsOf, pruneSends } from "./caps.js";
import { type ChannelPlan, planChannels } from "./channels.js";
import type { DigestResolver } from "./digest-resolver.js";
import type { Presence } from "./presence.js";
import { quietUntil } from "./quiet-hours.js";
import type { Rendered } from "./render.js";
import { appended, digestWith, type NotifyUserState, type OpenDigest, type PendingItem, workingCopy } from "./state.js";

export { iso } from "./iso.js";

/** Everything an engine call may consult besides the state. All of it is read, never changed. */
export interface EngineContext {
  /** Server ms of this call (a fake clock in tests and locally). */
  now: number;
  tenant: string;
  userId: string;
  policy: TenantPolicy;
  prefs: UserPreferences;
  contacts: UserContacts;
  presence: Presence;
  resolver: DigestResolver;
  /**
   * The recipient's groups as last seen (their live connection's token, else the `groups`
   * claim recorded on their last /v1/me/* call): what a document's group entries are judged
   * against (intent `readAccess`, digest facts). Absent: unknown, so group entries grant them
   * nothing.
   */
  groups?: readonly string[];
}

/**
 * One message to deliver. `in_app` deliveries are feed upserts (a digest's item keeps its id
 * and comes with a higher version, back to unread; `retract` removes it); the others go to
 * the channel's adapter. Ids are stable: a retried call emits the same ones.
 */
export interface Delivery extends Rendered {
  tenant: string;
  userId: string;
  notificationId: string;
  channel: Channel;
  /** in_app: the feed item's version (1 for a new item); external: 1. */
  version: number;
  /** External: the feed item it is about, when there is exactly one (what opening it marks read). */
  feedId?: string;
  /** in_app only: remove the feed item (everything it summarised is gone). */
  retract?: true;
  /** External: the budget its send used ("none": a fallback email, part of an earlier send). */
  budget?: Budget | "none";
  /** External: the same for every channel of one send. */
  sendId?: string;
}

export interface EngineResult {
  state: NotifyUserState;
  decisions: DecisionRecord[];
  deliveries: Delivery[];
  /** The earliest time `wake` must run for this user; undefined when nothing is pending. */
  nextWakeAt?: number;
}

/** The working set of one engine call. */
export class Run {
  readonly s: NotifyUserState;
  readonly decisions: DecisionRecord[] = [];
  readonly deliveries: Delivery[] = [];
  readonly policyVersion: string;
  readonly caps: Caps;
  readonly now: number;
  private quiet: number | undefined | null = null;
  /** Digests this run created or copied (its own to change); the others are shared with the input state. */
  private owned: OpenDigest[] | undefined;

  constructor(
    state: NotifyUserState,
    readonly ctx: EngineContext,
  ) {
    this.s = workingCopy(state);
    this.now = ctx.now;
    this.policyVersion = policyVersionOf(ctx.policy, ctx.prefs);
    this.caps = capsOf(ctx.policy, ctx.prefs);
    pruneSends(this.s, this.now, this.caps.windowMs);
  }

  /** `d` (one of s.digests) as this run's own copy, which it may change: copied (and replaced in s.digests) on first use. */
  ownDigest(d: OpenDigest): OpenDigest {
    if (this.owned?.includes(d)) return d;
    const copy = digestWith(d, d.items);
    this.s.digests = this.s.digests.map((x) => (x === d ? copy : x));
    (this.owned ??= []).push(copy);
    return copy;
  }

  /** Opens a digest (this run's own). */
  addDigest(d: OpenDigest): void {
    this.s.digests = appended(this.s.digests, d);
    (this.owned ??= []).push(d);
  }

  /** End of the quiet period `now` is in, or undefined. */
  quietEnd(): number | undefined {
    if (this.quiet === null) this.quiet = quietUntil(this.ctx.prefs.quietHours, this.now);
    return this.quiet;
  }

  plan(item: PendingItem): ChannelPlan {
    return planChannels(item.class, item.topic, item.docId, this.ctx);
  }

  ttlEnd(item: PendingItem): number {
    // By name (a keyed read with four different names is a megamorphic lookup, and this runs
    // for every pending item several times a call).
    const ttl = this.ctx.policy.ttlMs;
    const c = item.class;
    return item.at + (c === "social" ? ttl.social : c === "transactional" ? ttl.transactional : c === "marketing" ? ttl.marketing : c === "critical" ? ttl.critical : ttl[c]);
  }

  record(eventId: string, reason: ReasonCode, notificationId?: string, channel?: Channel, detail?: string): void {
    // One literal per shape (fields in the order the records have always had): no property
    // added after allocation, so no out-of-object property store per record.
    const { tenant, userId } = this.ctx;
    const policyVersion = this.policyVersion;
    const at = this.now;
    let r: DecisionRecord;
    if (notificationId !== undefined) {
      if (channel !== undefined) {
        r = detail !== undefined
          ? { tenant, userId, eventId, reason, policyVersion, at, notificationId, channel, detail }
          : { tenant, userId, eventId, reason, policyVersion, at, notificationId, channel };
      } else {
        r = detail !== undefined
          ? { tenant, userId, eventId, reason, policyVersion, at, notificationId, detail }
          : { tenant, userId, eventId, reason, policyVersion, at, notificationId };
      }
    } else if (channel !== undefined) {
      r = detail !== undefined ? { tenant, userId, eventId, reason, policyVersion, at, channel, detail } : { tenant, userId, eventId, reason, policyVersion, at, channel };
    } else {
      r = detail !== undefined ? { tenant, userId, eventId, reason, policyVersion, at, detail } : { tenant, userId, eventId, reason, policyVersion, at };
    }
    this.decisions.push(r);
  }

  /** Records why each blocked channel of `plan` is not used. */
  recordBlocked(eventId: string, plan: ChannelPlan): void {
    for (const b of plan.blocked) this.record(eventId, b.reason, undefined, b.channel, b.detail);
  }
}

/**
 * A delivery of rendered content, fields in the order a spread of `r` gave them (renderItems
 * sets a summary's data before its url), then `version`. Built field by field: spreading `r`
 * into the middle of a literal was the most expensive line of a send.
 */
export function renderedDelivery(run: Run, notificationId: string, channel: Channel, r: Rendered, version: number): Delivery {
  const d = { tenant: run.ctx.tenant, userId: run.ctx.userId, notificationId, channel, title: r.title, body: r.body, class: r.class, topic: r.topic, eventIds: r.eventIds } as Delivery;
  if (r.eventIds.length > 1) {
    if (r.data !== undefined) d.data = r.data;
    if (r.url !== undefined) d.url = r.url;
  } else {
    if (r.url !== undefined) d.url = r.url;
    if (r.data !== undefined) d.data = r.data;
  }
  if (r.docId !== undefined) d.docId = r.docId;
  d.version = version;
  return d;
}

/** What an item's own message shows (a pending item or an intent). */
type ItemMessage = Pick<PendingItem, "title" | "body" | "url" | "data" | "class" | "topic" | "docId">;

/**
 * A delivery of one event's own message, fields in the order deliveries have always had
 * (optional ones set only when present, never as undefined).
 */
export function itemDelivery(run: Run, notificationId: string, channel: Channel, item: ItemMessage, eventId: string): Delivery {
  const d = { tenant: run.ctx.tenant, userId: run.ctx.userId, notificationId, channel, title: item.title, body: item.body } as Delivery;
  if (item.url !== undefined) d.url = item.url;
  if (item.data !== undefined) d.data = item.data;
  d.class = item.class;
  d.topic = item.topic;
  if (item.docId !== undefined) d.docId = item.docId;
  d.eventIds = [eventId];
  d.version = 1;
  return d;
}
