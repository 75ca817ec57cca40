import { TRANSACTIONAL_WITHOUT_PUSH_DETAIL, transactionalEmailLeftOutBy } from "./channels.js";
import { hasRoom, capWakeAt } from "./caps.js";
import { isDigestible, flushDigest, joinDigest, joinEmailDigest, joinsEmailDigest } from "./digests.js";
import { dispatch, planItems } from "./dispatch.js";
import { factsFor, liveItems, type Pending, withFacts } from "./facts.js";
import { notificationId, seenHash } from "./ids.js";
import { dropDocItems, intentReadable } from "./access.js";
import { ACL_SUBJECT_KIND, type NotifyIntent, pendingItemOf, withNoted, withReadAt } from "./intent.js";
import { type EngineContext, type EngineResult, iso, itemDelivery, Run } from "./run.js";
import { appended, DEFERRED_QUIET, digestWith, hasSeen, type NotifyUserState, type PendingItem, rememberEvent } from "./state.js";

/**
 * The per-user notification decision engine: a pure, deterministic state machine (no I/O
 * besides the DigestResolver port, no clock, no randomness). Each call takes the user's state
 * and returns the next one with the decisions, the deliveries and when `wake` must run next.
 * Calls for one user must be serialized (the caller commits the returned state by
 * compare-and-set and retries the call on conflict); the input state is never changed.
 *
 * Order at one instant: the event first, then the work due at `now` (digest flushes,
 * fallbacks, releases of deferred items), except that an event at or after an open digest's
 * end starts a new digest. Deferred items ride along with the next send their budget allows,
 * and the cap wake runs just after a slot frees, so an event arriving when a slot frees is
 * sent (carrying the deferred ones).
 *
 * Duplicates: an event id among the last ENGINE_LIMITS.seenEvents decided for the user is
 * reported `duplicate` and changes nothing else. Older duplicates must be caught before the
 * engine by the state store's 7-day dedupe keys (commit the event id with the state).
 *
 * Access: an intent whose `readAccess` says the recipient cannot read its document (judged
 * with `ctx.groups`) is `suppressed:permission`, and every pending item of that document is
 * dropped (access.ts), except the notice that their access changed (subject kind "acl"), which
 * goes out as usual. Items pending when access is lost otherwise (a group or everyone entry)
 * drop out when they would go out: the DigestResolver's `noAccess`.
 *
 * A call runs synchronously unless it has to ask the DigestResolver (facts.ts: `Pending`).
 */
export function decide(state: NotifyUserState, intent: NotifyIntent, ctx: EngineContext): Promise<EngineResult> {
  // Not an async function: one that finishes synchronously then costs one settled promise,
  // not a suspended frame. Every failure still comes out as a rejection.
  try {
    if (intent.tenant !== ctx.tenant || intent.userId !== ctx.userId) {
      throw new Error(`intent for ${intent.tenant}/${intent.userId} decided in the context of ${ctx.tenant}/${ctx.userId}`);
    }
    const run = new Run(state, ctx);
    housekeeping(run);
    const h = seenHash(intent.eventId);
    if (hasSeen(run.s, h)) {
      run.record(intent.eventId, "duplicate", undefined, undefined, "this event was already decided for this user");
    } else {
      rememberEvent(run.s, h);
      const p = decideEvent(run, intent);
      if (p) return p.then(() => dueThenFinish(run));
    }
    return dueThenFinish(run);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Runs the work due at `ctx.now`: digest flushes, fallbacks, releases of deferred items, expiries. */
export function wake(state: NotifyUserState, ctx: EngineContext): Promise<EngineResult> {
  try {
    const run = new Run(state, ctx);
    housekeeping(run);
    return dueThenFinish(run);
  } catch (err) {
    return Promise.reject(err);
  }
}

function dueThenFinish(run: Run): Promise<EngineResult> {
  const p = dueWork(run);
  return p ? p.then(() => finish(run)) : Promise.resolve(finish(run));
}

/**
 * The user read feed items (`ids`, or everything): their pending fallbacks are cancelled,
 * their deferred items dropped, and a digest's items read so far are left out of its
 * external summary (items arriving later still go out). Ids are feed item ids: an in-app
 * notification id, or a digest's id; external deliveries carry theirs as `feedId`.
 */
export function markRead(state: NotifyUserState, ids: readonly string[] | "all", ctx: EngineContext): EngineResult {
  const run = new Run(state, ctx);
  const all = ids === "all";
  const set = new Set(all ? [] : ids);
  const hit = (feedId: string | undefined) => all || (feedId !== undefined && set.has(feedId));
  // A digest's own id reads all its items; an item's own in-app id (an email digest's items
  // have one each) reads that item.
  run.s.digests = run.s.digests.map((d) =>
    hit(d.id) || d.items.some((i) => i.readAt === undefined && i.feedId !== d.id && hit(i.feedId))
      ? digestWith(d, d.items.map((i) => (i.readAt === undefined && (hit(d.id) || hit(i.feedId)) ? withReadAt(i, run.now) : i)))
      : d,
  );
  run.s.held = run.s.held.filter((i) => !hit(i.feedId));
  run.s.fallbacks = run.s.fallbacks.filter((f) => !hit(f.item.feedId));
  return finish(run);
}

function decideEvent(run: Run, intent: NotifyIntent): Pending {
  const { ctx } = run;
  if (intent.actorId !== undefined && intent.actorId === ctx.userId) {
    run.record(intent.eventId, "suppressed:preference", undefined, undefined, "the recipient caused this event");
    return;
  }
  if (intent.readAccess !== undefined && intent.docId !== undefined && !intentReadable(intent, ctx.groups)) {
    // The user cannot read the document (now): nothing pending about it goes out either. The
    // notice that their access changed is the one thing they are still told about it.
    const p = dropDocItems(run, intent.docId);
    return p ? p.then(() => decideUnreadable(run, intent)) : decideUnreadable(run, intent);
  }
  return decideReadable(run, intent);
}

/** An intent about a document the recipient cannot read, once what was pending of it was dropped. */
function decideUnreadable(run: Run, intent: NotifyIntent): Pending {
  if (intent.subject?.kind === ACL_SUBJECT_KIND) return decideReadable(run, intent);
  run.record(intent.eventId, "suppressed:permission", undefined, undefined, `the user cannot read document ${intent.docId}`);
}

function decideReadable(run: Run, intent: NotifyIntent): Pending {
  const { ctx } = run;
  const item = pendingItemOf(intent);
  const plan = run.plan(item);
  if (plan.topicOff) {
    run.record(item.eventId, "suppressed:preference", undefined, undefined, `topic '${item.topic}' is switched off`);
    return;
  }
  if (!plan.inApp && plan.external.length === 0 && plan.presenceOnly.length === 0) {
    run.recordBlocked(item.eventId, plan);
    if (plan.blocked.length === 0) run.record(item.eventId, "suppressed:preference", undefined, undefined, "no channel can reach the user");
    return;
  }
  if (isDigestible(ctx.policy, item)) return joinDigest(run, item, plan);
  const emailLater = joinsEmailDigest(run, item, plan);
  if (plan.inApp) {
    const id = notificationId(ctx.tenant, ctx.userId, item.eventId, "in_app");
    item.feedId = id;
    run.deliveries.push(itemDelivery(run, id, "in_app", intent, intent.eventId));
    run.record(item.eventId, "sent", id, "in_app");
  }
  run.recordBlocked(item.eventId, plan);
  if (emailLater) joinEmailDigest(run, item);
  const external = emailLater ? plan.external.filter((c) => c !== "email") : plan.external;
  if (external.length === 0) return;
  return dispatch(run, [{ item, external }], { kind: "event", eventId: item.eventId, inApp: plan.inApp });
}

/** Expires deferred items and fallbacks whose class TTL has passed. */
function housekeeping(run: Run): void {
  const s = run.s;
  let expired = false;
  for (const i of s.held) if (run.now >= run.ttlEnd(i)) expired = true;
  if (expired) {
    s.held = s.held.filter((i) => {
      if (run.now < run.ttlEnd(i)) return true;
      run.record(i.eventId, "expired", undefined, undefined, `deferred since ${iso(i.at)}; its class TTL passed`);
      return false;
    });
  }
  expired = false;
  for (const f of s.fallbacks) if (run.now >= run.ttlEnd(f.item)) expired = true;
  if (expired) {
    s.fallbacks = s.fallbacks.filter((f) => {
      if (run.now < run.ttlEnd(f.item)) return true;
      run.record(f.item.eventId, "expired", undefined, "email", `fallback pending since ${iso(f.item.at)}; its class TTL passed`);
      return false;
    });
  }
}

/** The work due at `now`, in order: digest flushes, fallbacks, then releases. */
function dueWork(run: Run): Pending {
  const s = run.s;
  let digests = false, fallbacks = false;
  for (const d of s.digests) if (d.dueAt <= run.now) digests = true;
  for (const f of s.fallbacks) if (f.dueAt <= run.now) fallbacks = true;
  return digests || fallbacks ? flushesThenRelease(run, digests) : release(run);
}

async function flushesThenRelease(run: Run, digests: boolean): Promise<void> {
  const s = run.s;
  if (digests) {
    const due = s.digests.filter((d) => d.dueAt <= run.now).sort((a, b) => a.dueAt - b.dueAt);
    s.digests = s.digests.filter((d) => d.dueAt > run.now);
    for (const d of due) await flushDigest(run, d);
  }
  if (s.fallbacks.some((f) => f.dueAt <= run.now)) await runFallbacks(run);
  const p = release(run);
  if (p) await p;
}

/**
 * The transactional email fallbacks due now: each item still unread (reading cancels its
 * fallback) and still visible to the user is emailed, unless quiet hours defer it, the plan
 * has no usable email any more, or (policy `without_push`) a push channel reaches the user.
 */
async function runFallbacks(run: Run): Promise<void> {
  const s = run.s;
  const due = s.fallbacks.filter((f) => f.dueAt <= run.now);
  s.fallbacks = s.fallbacks.filter((f) => f.dueAt > run.now);
  const quietEnd = run.quietEnd();
  for (const f of due) {
    const { item } = f;
    if (quietEnd !== undefined && item.class !== "critical") {
      if (!((item.noted ?? 0) & DEFERRED_QUIET)) {
        run.record(item.eventId, "deferred:quiet_hours", undefined, "email", `email fallback waits for the end of quiet hours at ${iso(quietEnd)}`);
      }
      s.fallbacks = appended(s.fallbacks, { item: withNoted(item, (item.noted ?? 0) | DEFERRED_QUIET), dueAt: quietEnd, sendId: f.sendId });
      continue;
    }
    const facts = await factsFor(run, [item]);
    if (liveItems(run, [item], facts).length === 0) continue;
    const plan = run.plan(item);
    const id = notificationId(run.ctx.tenant, run.ctx.userId, item.eventId, "email");
    // A push channel held back only by presence reaches the user too (they are in the app).
    const push = transactionalEmailLeftOutBy(run.ctx.policy, [...plan.external, ...plan.presenceOnly]);
    if (push !== undefined && plan.external.includes("email")) {
      run.record(item.eventId, "suppressed:preference", undefined, "email", `fallback: ${push} reaches the user; ${TRANSACTIONAL_WITHOUT_PUSH_DETAIL}`);
    } else if (plan.external.includes("email")) {
      const d = itemDelivery(run, id, "email", item, item.eventId);
      if (item.feedId !== undefined) d.feedId = item.feedId;
      d.budget = "none";
      d.sendId = f.sendId;
      run.deliveries.push(d);
      run.record(item.eventId, "sent", id, "email", "fallback: still unread");
    } else {
      const why = plan.topicOff
        ? { reason: "suppressed:preference" as const, detail: `topic '${item.topic}' is switched off` }
        : (plan.blocked.find((b) => b.channel === "email") ?? { reason: "suppressed:preference" as const, detail: "email is no longer available" });
      run.record(item.eventId, why.reason, undefined, "email", `fallback: ${why.detail}`);
    }
  }
}

/** Sends deferred items whose budget has room again (and, for non-critical ones, outside quiet hours). */
function release(run: Run): Pending {
  const s = run.s;
  if (s.held.length === 0) return;
  let anyCritical = false, anyRegular = false, anyTransactional = false;
  for (const i of s.held) {
    if (i.class === "critical") anyCritical = true;
    else anyRegular = true;
    if (i.class === "transactional") anyTransactional = true;
  }
  const critical = anyCritical && hasRoom(s, run.caps, "critical");
  const regular =
    anyRegular && run.quietEnd() === undefined && (hasRoom(s, run.caps, "regular") || (anyTransactional && hasRoom(s, run.caps, "extra")));
  if (!critical && !regular) return;
  const take = (i: PendingItem) => (i.class === "critical" ? critical : regular);
  const items = s.held.filter(take);
  s.held = s.held.filter((i) => !take(i));
  return withFacts(run, items, (facts) => {
    const planned = planItems(run, liveItems(run, items, facts), false);
    if (planned.length === 0) return;
    return dispatch(run, planned, { kind: "release" }, facts);
  });
}

function finish(run: Run): EngineResult {
  const s = run.s;
  let next = Infinity;
  for (const d of s.digests) next = Math.min(next, d.dueAt);
  for (const f of s.fallbacks) next = Math.min(next, f.dueAt, run.ttlEnd(f.item));
  if (s.held.length > 0) {
    let regular = false, transactional = false, critical = false;
    for (const i of s.held) {
      next = Math.min(next, run.ttlEnd(i));
      if (i.class === "critical") critical = true;
      else regular = true;
      if (i.class === "transactional") transactional = true;
    }
    const quietEnd = run.quietEnd();
    if (regular) {
      if (quietEnd !== undefined) next = Math.min(next, quietEnd);
      else {
        next = Math.min(next, capWakeAt(s, run.caps, "regular", run.now) ?? Infinity);
        if (transactional) next = Math.min(next, capWakeAt(s, run.caps, "extra", run.now) ?? Infinity);
      }
    }
    if (critical) next = Math.min(next, capWakeAt(s, run.caps, "critical", run.now) ?? Infinity);
  }
  return next === Infinity
    ? { state: s, decisions: run.decisions, deliveries: run.deliveries }
    : { state: s, decisions: run.decisions, deliveries: run.deliveries, nextWakeAt: Math.max(next, run.now + 1) };
}
