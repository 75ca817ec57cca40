import type { ExternalChannel } from "../vocabulary.js";
import { TRANSACTIONAL_WITHOUT_PUSH_DETAIL, transactionalEmailLeftOutBy } from "./channels.js";
import { type Budget, budgetDetail, consume, hasRoom } from "./caps.js";
import type { DigestFacts } from "./digest-resolver.js";
import { liveItems, type Pending, withFacts } from "./facts.js";
import { notificationId, releaseId, sendChannelId } from "./ids.js";
import { forStorage, withNoted } from "./intent.js";
import { ENGINE_LIMITS } from "./limits.js";
import { type Rendered, renderItems } from "./render.js";
import { iso, renderedDelivery, type Run } from "./run.js";
import { appended, DEFERRED_CAP, DEFERRED_QUIET, type PendingItem, storedItemCount } from "./state.js";

/** An item with the external channels it may use now. */
export interface Planned {
  item: PendingItem;
  external: ExternalChannel[];
}

/** What set a dispatch off: names the messages it sends. */
export type Trigger =
  | { kind: "event"; eventId: string; inApp: boolean }
  | { kind: "digest"; baseId: string }
  | { kind: "release" };

const EXTERNAL_ORDER: readonly ExternalChannel[] = ["web_push", "mobile_push", "email", "sms"];

/**
 * Plans items for external delivery now. An item left with no external channel ends here with
 * its reasons recorded; blocked channels of items that do go out are recorded when
 * `recordBlocked` (a digest's items: nothing was recorded about them per channel yet).
 */
export function planItems(run: Run, items: readonly PendingItem[], recordBlocked: boolean): Planned[] {
  const out: Planned[] = [];
  for (const item of items) {
    const plan = run.plan(item);
    if (plan.topicOff) {
      run.record(item.eventId, "suppressed:preference", undefined, undefined, `topic '${item.topic}' is switched off`);
      continue;
    }
    if (plan.external.length === 0) {
      let recorded = false;
      for (const b of plan.blocked) {
        if (b.channel === "in_app") continue;
        run.record(item.eventId, b.reason, undefined, b.channel, b.detail);
        recorded = true;
      }
      if (!recorded) run.record(item.eventId, "suppressed:preference", undefined, undefined, "no external channel can reach the user");
      continue;
    }
    if (recordBlocked) run.recordBlocked(item.eventId, plan);
    out.push({ item, external: plan.external });
  }
  return out;
}

/**
 * Sends `planned` now if their budget allows (carrying every deferred item that budget may
 * release: they ride along in the same message), else defers them (quiet hours for
 * non-critical items, then the cap). Critical items use their own budget and ignore quiet
 * hours; transactional ones may use the extra budget when the regular one is full.
 */
export function dispatch(run: Run, planned: Planned[], trigger: Trigger, facts?: DigestFacts): Pending {
  let critical = 0;
  for (const p of planned) if (p.item.class === "critical") critical++;
  if (critical === 0) return dispatchRegular(run, planned, trigger, facts);
  const crit = planned.filter(isCritical);
  const regular = critical === planned.length ? [] : planned.filter(notCritical);
  if (hasRoom(run.s, run.caps, "critical")) {
    const p = send(run, crit, "critical", trigger, facts);
    if (p) return p.then(() => dispatchRegular(run, regular, trigger, facts));
  } else hold(run, crit.map(itemOf), DEFERRED_CAP);
  return dispatchRegular(run, regular, trigger, facts);
}

function dispatchRegular(run: Run, regular: Planned[], trigger: Trigger, facts: DigestFacts | undefined): Pending {
  if (regular.length === 0) return;
  if (run.quietEnd() !== undefined) {
    for (const p of regular) holdOne(run, p.item, DEFERRED_QUIET | (capFull(run, p.item) ? DEFERRED_CAP : 0));
    return;
  }
  if (hasRoom(run.s, run.caps, "regular")) return send(run, regular, "regular", trigger, facts);
  const tx = regular.filter(isTransactional);
  if (tx.length > 0 && hasRoom(run.s, run.caps, "extra")) {
    const holdOthers = () => hold(run, regular.filter(notTransactional).map(itemOf), DEFERRED_CAP);
    const p = send(run, tx, "extra", trigger, facts);
    if (p) return p.then(holdOthers);
    holdOthers();
  } else hold(run, regular.map(itemOf), DEFERRED_CAP);
}

const itemOf = (p: Planned) => p.item;
const isCritical = (p: Planned) => p.item.class === "critical";
const notCritical = (p: Planned) => p.item.class !== "critical";
const isTransactional = (p: Planned) => p.item.class === "transactional";
const notTransactional = (p: Planned) => p.item.class !== "transactional";

function capFull(run: Run, item: PendingItem): boolean {
  if (item.class === "critical") return !hasRoom(run.s, run.caps, "critical");
  if (hasRoom(run.s, run.caps, "regular")) return false;
  return item.class !== "transactional" || !hasRoom(run.s, run.caps, "extra");
}

/** Which deferred items a send on `budget` releases. */
function ridesOn(budget: Budget, item: PendingItem): boolean {
  if (budget === "critical") return item.class === "critical";
  if (budget === "extra") return item.class === "transactional";
  return item.class !== "critical";
}

/** Sends `planned` with the deferred items riding on `budget` (their facts asked first, when there are any). */
function send(run: Run, planned: Planned[], budget: Budget, trigger: Trigger, facts: DigestFacts | undefined): Pending {
  const held = run.s.held;
  let carried: PendingItem[] | undefined;
  for (const it of held) if (ridesOn(budget, it)) (carried ??= []).push(it);
  if (carried === undefined) return sendNow(run, planned, budget, trigger, facts);
  const rides = carried;
  run.s.held = held.filter((it) => !ridesOn(budget, it));
  return withFacts(run, [...planned.map(itemOf), ...rides], (f) => {
    const more = planItems(run, liveItems(run, rides, f), false);
    return sendNow(run, [...planned, ...more].sort((a, b) => a.item.at - b.item.at), budget, trigger, f);
  });
}

function sendNow(run: Run, all: Planned[], budget: Budget, trigger: Trigger, facts: DigestFacts | undefined): void {
  const fresh = trigger.kind === "event" && all.length === 1 ? all[0] : undefined;
  // Transactional default: push now, email later if still unread (when there is something to read first).
  let fallbackFor: Planned | undefined;
  const delay = run.ctx.policy.fallback.transactionalDelayMs;
  if (fresh && fresh.item.class === "transactional" && delay > 0 && fresh.external.includes("email")) {
    const hasPush = fresh.external.includes("web_push") || fresh.external.includes("mobile_push");
    if (hasPush || (trigger.kind === "event" && trigger.inApp)) fallbackFor = fresh;
  }
  // Every item goes out once, so a release named after its first item never repeats.
  const baseId = trigger.kind === "release" ? releaseId(run.ctx.tenant, run.ctx.userId, all[0].item.eventId) : trigger.kind === "digest" ? trigger.baseId : "";
  const sendId = trigger.kind === "event" ? `e:${trigger.eventId}` : baseId;
  const used = run.s.sends[budget].length + 1;
  const cap = run.caps[budget];
  const mins = Math.round(run.caps.windowMs / 60_000);
  const budgetNote =
    budget === "regular"
      ? `${used} of ${cap} social sends in the last ${mins} min`
      : budget === "extra"
        ? `transactional bypass: ${used} of ${cap} extra sends in the last ${mins} min (${budgetDetail(run.s, run.caps, "regular", run.now)})`
        : `${used} of ${cap} critical sends in the last ${mins} min`;
  let sent = false;
  let last: { subset: PendingItem[]; r: Rendered } | undefined;
  for (const c of EXTERNAL_ORDER) {
    if (c === "email" && fallbackFor) continue;
    let subset: PendingItem[] | undefined;
    for (const p of all) {
      if (!p.external.includes(c)) continue;
      // Transactional items going out now (released, or with no fallback delay): push or email.
      const push = c === "email" && p.item.class === "transactional" ? transactionalEmailLeftOutBy(run.ctx.policy, p.external) : undefined;
      if (push !== undefined) {
        run.record(p.item.eventId, "suppressed:preference", undefined, "email", `${push} reaches the user; ${TRANSACTIONAL_WITHOUT_PUSH_DETAIL}`);
        continue;
      }
      if (subset === undefined) subset = [p.item];
      else subset.push(p.item);
    }
    if (subset === undefined) continue;
    // Channels usually carry the same items: render them once (a summary asks for sentences).
    const again = last !== undefined && sameItems(last.subset, subset);
    const r = again ? last!.r : renderItems(subset, facts);
    if (!again) last = { subset, r };
    const id = trigger.kind === "event" ? notificationId(run.ctx.tenant, run.ctx.userId, trigger.eventId, c) : sendChannelId(baseId, c);
    const feedId = subset[0].feedId;
    const d = renderedDelivery(run, id, c, r, 1);
    d.budget = budget;
    d.sendId = sendId;
    if (again) {
      // As a second rendering would be: its own event id list and summary data.
      d.eventIds = r.eventIds.slice();
      if (subset.length > 1) d.data = { summary: true, count: subset.length };
    }
    if (feedId !== undefined && allInFeed(subset, feedId)) d.feedId = feedId;
    run.deliveries.push(d);
    sent = true;
    const note = subset.length > 1 ? `${budgetNote}; one message for ${subset.length} notifications` : budgetNote;
    for (const it of subset) {
      let detail = note;
      if (it.noted) detail += `; deferred since ${iso(it.at)}`;
      if (fallbackFor && it === fallbackFor.item) detail += `; email follows at ${iso(run.now + delay)} if still unread${run.ctx.policy.fallback.transactionalEmail === "without_push" ? " and no push reaches the user then" : ""}`;
      run.record(it.eventId, "sent", id, c, detail);
    }
  }
  if (fallbackFor) addFallback(run, fallbackFor.item, run.now + delay, sendId);
  if (!sent) return;
  if (budget === "critical") {
    const quiet = run.quietEnd() !== undefined ? "; bypassed quiet hours" : "";
    const full = hasRoom(run.s, run.caps, "regular") ? "" : `; bypassed the full social cap (${budgetDetail(run.s, run.caps, "regular", run.now)})`;
    for (const p of all) run.record(p.item.eventId, "bypass:critical", undefined, undefined, `${budgetNote}${quiet}${full}`);
  }
  consume(run.s, run.caps, budget, run.now);
}

function sameItems(a: readonly PendingItem[], b: readonly PendingItem[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function allInFeed(items: readonly PendingItem[], feedId: string): boolean {
  for (const i of items) if (i.feedId !== feedId) return false;
  return true;
}

/**
 * Defers items (each deferral reason is recorded once per item); an item whose class TTL has
 * passed expires instead.
 */
export function hold(run: Run, items: readonly PendingItem[], reasons: number): void {
  for (const item of items) holdOne(run, item, reasons);
}

function holdOne(run: Run, item: PendingItem, reasons: number): void {
  if (run.now >= run.ttlEnd(item)) {
    run.record(item.eventId, "expired", undefined, undefined, `deferred since ${iso(item.at)}; its class TTL passed`);
    return;
  }
  const fresh = reasons & ~(item.noted ?? 0);
  const kept = forStorage(fresh === 0 ? item : withNoted(item, (item.noted ?? 0) | reasons));
  if (fresh & DEFERRED_QUIET) {
    const until = run.quietEnd();
    const tz = run.ctx.prefs.quietHours?.timeZone ?? "";
    run.record(item.eventId, "deferred:quiet_hours", undefined, undefined, `quiet hours (${tz}) until ${until === undefined ? "?" : iso(until)}`);
  }
  if (fresh & DEFERRED_CAP) {
    const budget: Budget = item.class === "critical" ? "critical" : "regular";
    let detail = budgetDetail(run.s, run.caps, budget, run.now);
    if (item.class === "transactional") detail += `; ${budgetDetail(run.s, run.caps, "extra", run.now)}`;
    run.record(item.eventId, "deferred:cap", undefined, undefined, detail);
  }
  makeRoom(run, 1);
  run.s.held = appended(run.s.held, kept);
}

export function addFallback(run: Run, item: PendingItem, dueAt: number, sendId: string): void {
  makeRoom(run, 1);
  run.s.fallbacks = appended(run.s.fallbacks, { item: forStorage(item), dueAt, sendId });
}

/**
 * Keeps the stored items within ENGINE_LIMITS.storedItems before `n` more are added: the
 * oldest deferred item expires first, then the oldest fallback, then the oldest digest item.
 */
export function makeRoom(run: Run, n: number): void {
  const s = run.s;
  while (storedItemCount(s) + n > ENGINE_LIMITS.storedItems) {
    const why = `more than ${ENGINE_LIMITS.storedItems} notifications pending for this user; the oldest is dropped`;
    if (s.held.length > 0) {
      const i = oldest(s.held);
      run.record(s.held[i].eventId, "expired", undefined, undefined, why);
      s.held = s.held.filter((_, k) => k !== i);
    } else if (s.fallbacks.length > 0) {
      const i = oldest(s.fallbacks.map((f) => f.item));
      run.record(s.fallbacks[i].item.eventId, "expired", undefined, "email", why);
      s.fallbacks = s.fallbacks.filter((_, k) => k !== i);
    } else {
      const d = s.digests.filter((x) => x.items.length > 0).sort((a, b) => a.openedAt - b.openedAt)[0];
      if (!d) return;
      run.record(d.items[0].eventId, "expired", undefined, undefined, why);
      run.ownDigest(d).items = d.items.slice(1);
    }
  }
}

function oldest(items: readonly PendingItem[]): number {
  let i = 0;
  for (let k = 1; k < items.length; k++) if (items[k].at < items[i].at) i = k;
  return i;
}
