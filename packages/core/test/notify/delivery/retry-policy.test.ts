import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nextAttempt, RETRY_POLICIES } from "../../../src/notify/delivery/retry-policy.js";
import { EXTERNAL_CHANNELS } from "../../../src/notify/delivery/delivery-schema.js";

const NOW = 1_760_000_000_000;

describe("nextAttempt", () => {
  it("gives each channel its retry budget (push 2, email 3, sms 2, web push 1), then dead-letters", () => {
    const budgets = { mobile_push: 2, email: 3, sms: 2, web_push: 1 } as const;
    for (const channel of EXTERNAL_CHANNELS) {
      const outcomes = [1, 2, 3, 4, 5].map((attempt) => nextAttempt(channel, attempt, NOW, () => 0.5));
      const retries = outcomes.filter((o) => typeof o === "number").length;
      expect(retries, channel).toBe(budgets[channel]);
      // Once dead, always dead: the budget is a prefix of attempts.
      expect(outcomes.slice(retries).every((o) => o === "dead_letter"), channel).toBe(true);
    }
  });

  it("draws the delay uniformly from [0, min(cap, base * 2^(n-1))): full jitter", () => {
    const { baseMs, capMs } = RETRY_POLICIES.email;
    expect(nextAttempt("email", 1, NOW, () => 0)).toBe(NOW);
    expect(nextAttempt("email", 1, NOW, () => 0.5)).toBe(NOW + baseMs / 2);
    expect(nextAttempt("email", 2, NOW, () => 0.5)).toBe(NOW + baseMs);
    expect(nextAttempt("email", 3, NOW, () => 0.999999)).toBeLessThan(NOW + Math.min(capMs, baseMs * 4));
    // A rand() that misbehaves (1, negative) still stays inside the window.
    expect(nextAttempt("email", 1, NOW, () => 1)).toBeLessThan(NOW + baseMs);
    expect(nextAttempt("email", 1, NOW, () => -3)).toBe(NOW);
  });

  it("property: every retry time is an integer in [now, now + window) and the window doubles up to the cap", () => {
    fc.assert(
      fc.property(fc.constantFrom(...EXTERNAL_CHANNELS), fc.integer({ min: 1, max: 3 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (channel, attempt, r) => {
        const at = nextAttempt(channel, attempt, NOW, () => r);
        const p = RETRY_POLICIES[channel];
        if (attempt > p.retries) return at === "dead_letter";
        const window = Math.min(p.capMs, p.baseMs * 2 ** (attempt - 1));
        return typeof at === "number" && Number.isInteger(at) && at >= NOW && at < NOW + window;
      }),
    );
  });

  it("honours a provider's Retry-After as a floor without granting extra retries", () => {
    expect(nextAttempt("sms", 1, NOW, () => 0, { notBeforeMs: 45_000 })).toBe(NOW + 45_000);
    expect(nextAttempt("sms", 1, NOW, () => 0.9, { notBeforeMs: 1 })).toBe(NOW + Math.floor(0.9 * RETRY_POLICIES.sms.baseMs));
    expect(nextAttempt("web_push", 2, NOW, () => 0, { notBeforeMs: 10 })).toBe("dead_letter");
  });

  it("takes custom policies and refuses a nonsense attempt number", () => {
    const policies = { ...RETRY_POLICIES, sms: { retries: 5, baseMs: 100, capMs: 150 } };
    expect(nextAttempt("sms", 5, NOW, () => 0.5, { policies })).toBe(NOW + 75);
    expect(nextAttempt("sms", 6, NOW, () => 0.5, { policies })).toBe("dead_letter");
    expect(() => nextAttempt("sms", 0, NOW, () => 0.5)).toThrow(RangeError);
    expect(() => nextAttempt("sms", 1.5, NOW, () => 0.5)).toThrow(RangeError);
  });
});
