import type { TenantPolicy } from "../preferences/tenant-policy.js";
import type { UserPreferences } from "../preferences/user-preferences.js";
import { iso } from "./iso.js";
import { CAP_WAKE_DELAY_MS } from "./limits.js";
import type { NotifyUserState } from "./state.js";

/**
 * Sliding-window caps. A "send" is one notification going out on at least one external
 * channel (push, email, SMS) at one instant; in-app feed items are not interruptions and are
 * never capped, and a transactional email fallback is part of its send. A send counts in its
 * budget for `windowMs` after it happened (a rolling window, never a clock hour):
 * - regular: social, marketing and transactional sends, `cap` per window (the user's budget);
 * - extra: transactional sends made while the regular budget is full (at most
 *   caps.transactionalExtra per window; they do not use the regular budget);
 * - critical: critical sends, their own budget (they never use the regular one).
 */
export type Budget = "regular" | "extra" | "critical";

export interface Caps {
  regular: number;
  extra: number;
  critical: number;
  windowMs: number;
}

export function capsOf(policy: TenantPolicy, prefs: UserPreferences): Caps {
  return {
    regular: prefs.capOverride ?? policy.caps.social,
    extra: policy.caps.transactionalExtra,
    critical: policy.caps.critical,
    windowMs: policy.caps.windowMs,
  };
}

/** Drops sends that left the window (a send at t counts while now - t < windowMs). */
export function pruneSends(s: NotifyUserState, now: number, windowMs: number): void {
  const cut = now - windowMs;
  // Each budget by name (a loop over the names made every read a megamorphic keyed load).
  const { regular, extra, critical } = s.sends;
  const r = inWindow(regular, cut), e = inWindow(extra, cut), c = inWindow(critical, cut);
  if (r !== regular || e !== extra || c !== critical) s.sends = { regular: r, extra: e, critical: c };
}

/** `list` without the times at or before `cut` (the same list when none is). */
function inWindow(list: number[], cut: number): number[] {
  let i = 0;
  while (i < list.length && list[i] <= cut) i++;
  return i > 0 ? list.slice(i) : list;
}

/** Replaces one budget's send list (the `sends` object may be shared with the input state: it is replaced too). */
function setSends(s: NotifyUserState, budget: Budget, list: number[]): void {
  const { regular, extra, critical } = s.sends;
  s.sends =
    budget === "regular" ? { regular: list, extra, critical } : budget === "extra" ? { regular, extra: list, critical } : { regular, extra, critical: list };
}

export function hasRoom(s: NotifyUserState, caps: Caps, budget: Budget): boolean {
  return s.sends[budget].length < caps[budget];
}

/** When the budget next has room (after pruning at `now`); undefined when its cap is 0. */
export function nextSlotAt(s: NotifyUserState, caps: Caps, budget: Budget, now: number): number | undefined {
  const cap = caps[budget];
  const list = s.sends[budget];
  if (cap <= 0) return undefined;
  if (list.length < cap) return now;
  return list[list.length - cap] + caps.windowMs;
}

/** When a wake should release items waiting for this budget: just after the slot frees, so an event at that instant wins. */
export function capWakeAt(s: NotifyUserState, caps: Caps, budget: Budget, now: number): number | undefined {
  const at = nextSlotAt(s, caps, budget, now);
  return at === undefined ? undefined : Math.max(at, now) + CAP_WAKE_DELAY_MS;
}

/** Records a send at `now` (keeping only as many as the cap can count). */
export function consume(s: NotifyUserState, caps: Caps, budget: Budget, now: number): void {
  const list = s.sends[budget].slice();
  let i = list.length;
  while (i > 0 && list[i - 1] > now) i--;
  list.splice(i, 0, now);
  const keep = Math.max(caps[budget], 1);
  setSends(s, budget, list.length > keep ? list.slice(list.length - keep) : list);
}

/** "2 of 3 sends in the last 60 min; next slot at 2025-01-01T11:00:00.000Z" */
export function budgetDetail(s: NotifyUserState, caps: Caps, budget: Budget, now: number): string {
  const used = s.sends[budget].length;
  const mins = Math.round(caps.windowMs / 60_000);
  const label = budget === "regular" ? "social" : budget === "extra" ? "transactional-extra" : "critical";
  const base = `${used} of ${caps[budget]} ${label} sends in the last ${mins} min`;
  if (used < caps[budget]) return base;
  const at = nextSlotAt(s, caps, budget, now);
  return at === undefined ? `${base}; the cap is 0` : `${base}; next slot at ${iso(at)}`;
}
