import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allow, CLOSED, record, type BreakerConfig, type BreakerState } from "../../../src/notify/delivery/circuit-breaker.js";

const CFG: BreakerConfig = { threshold: 3, coolDownMs: 10_000, probeTimeoutMs: 5_000 };

describe("circuit breaker", () => {
  it("opens after threshold consecutive failures; a success in between resets the count", () => {
    let s: BreakerState = CLOSED;
    s = record(s, false, 1, CFG);
    s = record(s, false, 2, CFG);
    s = record(s, true, 3, CFG);
    expect(s).toEqual(CLOSED);
    for (const t of [4, 5]) s = record(s, false, t, CFG);
    expect(allow(s, 6, CFG).allowed).toBe(true);
    s = record(s, false, 6, CFG);
    expect(s).toEqual({ status: "open", openedAt: 6, until: 10_006 });
    expect(allow(s, 10_005, CFG)).toEqual({ allowed: false, state: s, retryAt: 10_006 });
  });

  it("half-open lets exactly one probe through; its success closes, its failure reopens", () => {
    const open: BreakerState = { status: "open", openedAt: 0, until: 10_000 };
    const probe = allow(open, 10_000, CFG);
    expect(probe).toEqual({ allowed: true, state: { status: "half_open", probeAt: 10_000 } });
    expect(allow(probe.state, 10_001, CFG)).toEqual({ allowed: false, state: probe.state, retryAt: 15_000 });
    expect(record(probe.state, true, 10_002, CFG)).toEqual(CLOSED);
    expect(record(probe.state, false, 10_002, CFG)).toEqual({ status: "open", openedAt: 10_002, until: 20_002 });
  });

  it("gives up a probe whose outcome never came after probeTimeoutMs and allows another", () => {
    const half: BreakerState = { status: "half_open", probeAt: 100 };
    expect(allow(half, 5_099, CFG).allowed).toBe(false);
    expect(allow(half, 5_100, CFG)).toEqual({ allowed: true, state: { status: "half_open", probeAt: 5_100 } });
  });

  it("ignores late outcomes while open, and returns the very same state when nothing changes", () => {
    const open: BreakerState = { status: "open", openedAt: 0, until: 10_000 };
    expect(record(open, true, 5, CFG)).toBe(open);
    expect(record(open, false, 5, CFG)).toBe(open);
    expect(record(CLOSED, true, 5, CFG)).toBe(CLOSED);
    expect(allow(CLOSED, 5, CFG).state).toBe(CLOSED);
  });

  it("property: states stay JSON round-trippable, open only after threshold failures, and one probe at a time", () => {
    const step = fc.record({ late: fc.boolean(), ok: fc.boolean(), dt: fc.integer({ min: 0, max: 8_000 }) });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        let s: BreakerState = CLOSED;
        let now = 0;
        for (const st of steps) {
          now += st.dt;
          expect(JSON.parse(JSON.stringify(s))).toEqual(s);
          if (!st.late) {
            const d = allow(s, now, CFG);
            if (s.status === "open" && now < s.until) expect(d.allowed).toBe(false);
            if (s.status === "half_open" && now < s.probeAt + CFG.probeTimeoutMs) expect(d.allowed).toBe(false);
            if (d.allowed && s.status !== "closed") expect(d.state).toEqual({ status: "half_open", probeAt: now });
            s = d.state;
            if (!d.allowed) continue;
          }
          // A "late" outcome is a straggler's, with no allow() before it.
          const before: BreakerState = s;
          s = record(s, st.ok, now, CFG);
          if (before.status === "open") expect(s).toBe(before);
          if (before.status === "closed" && s.status === "open") expect(!st.ok && before.failures + 1 >= CFG.threshold).toBe(true);
          if (before.status === "closed" && s.status === "closed") expect(s.failures).toBe(st.ok ? 0 : before.failures + 1);
        }
      }),
    );
  });
});
