import { describe, expect, test } from "vitest";
import { benchWorkload } from "../../../src/notify/engine/bench-workload.js";
import { decide, wake } from "../../../src/notify/engine/engine.js";
import { OFFLINE } from "../../../src/notify/engine/presence.js";
import type { EngineContext } from "../../../src/notify/engine/run.js";
import { emptyNotifyState, type NotifyUserState } from "../../../src/notify/engine/state.js";
import { defaultUserPreferences } from "../../../src/notify/preferences/user-preferences.js";

function deepFreeze<T>(v: T): T {
  if (v && typeof v === "object" && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as object)) deepFreeze(x);
  }
  return v;
}

describe("engine calls never change their input state", () => {
  test("a mixed workload (digests, caps, deferrals, fallbacks) runs on deep-frozen states", async () => {
    // The working copy shares send lists and digest item lists with the input; any in-place
    // change of them would throw here (ES modules are strict).
    const w = benchWorkload({ users: 20, events: 3_000, seed: 7, spanMs: 6 * 3_600_000 });
    const prefs = defaultUserPreferences();
    const contacts = { emailVerified: true, hasPhone: true, devices: { web_push: 1, mobile_push: 1 } };
    const ctx = (userId: string, now: number): EngineContext => ({ now, tenant: "bench", userId, policy: w.policy, prefs, contacts, presence: OFFLINE, resolver: w.resolver });
    const users = new Map<string, { state: NotifyUserState; next?: number }>();
    let calls = 0;
    for (const i of w.intents) {
      const u = users.get(i.userId) ?? { state: emptyNotifyState() };
      users.set(i.userId, u);
      if (u.next !== undefined && u.next < i.at) {
        const before = JSON.stringify(u.state);
        const r = await wake(deepFreeze(u.state), ctx(i.userId, u.next));
        expect(JSON.stringify(u.state)).toBe(before);
        u.state = r.state;
        u.next = r.nextWakeAt;
        calls++;
      }
      const r = await decide(deepFreeze(u.state), i, ctx(i.userId, i.at));
      u.state = r.state;
      u.next = r.nextWakeAt;
      calls++;
    }
    expect(calls).toBeGreaterThan(3_000);
  });
});
