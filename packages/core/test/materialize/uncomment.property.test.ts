import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyEntries, decodeState, encodeState, materialize } from "../../src/materialize/index.js";
import type { LogEntry } from "../../src/ops/types.js";
import { arbIntent, buildLog, type Intent } from "./log-gen.js";

/** Logs rich in comments, deletions and role changes (arbIntent alone makes few of each). */
const frac = fc.double({ min: 0, max: 1, noNaN: true });
const arbThreadIntent: fc.Arbitrary<Intent> = fc.oneof(
  { weight: 3, arbitrary: arbIntent },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("comment" as const), thread: fc.nat(2), at: frac, size: frac, anchored: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("uncomment" as const), thread: fc.nat(2), comment: fc.nat(5), user: fc.nat(2), otherThread: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("acl" as const), user: fc.nat(2), role: fc.constantFrom("owner" as const, "editor" as const, "none" as const) }) },
);

/**
 * The live comment ids per thread, computed the naive way: a list of every comment ever made,
 * deletions as flags. A committed uncomment always applies (who may send one is the
 * sequencer's decision: access/access-gate.ts).
 */
function model(entries: readonly LogEntry[]): Record<string, string[]> {
  const all: Array<{ id: string; threadId: string; deleted: boolean }> = [];
  for (const e of entries) {
    if (e.type === "comment") all.push({ id: e.id, threadId: e.threadId, deleted: false });
    if (e.type === "uncomment") {
      const c = all.find((x) => x.id === e.commentId && x.threadId === e.threadId && !x.deleted);
      if (c) c.deleted = true;
    }
  }
  const out: Record<string, string[]> = {};
  for (const c of all) if (!c.deleted) (out[c.threadId] ??= []).push(c.id);
  return out;
}

describe("uncomment in random logs", () => {
  it("threads hold exactly the comments the naive model keeps; a snapshot at any point plus the rest encodes byte-identically", () => {
    let deletions = 0;
    fc.assert(
      fc.property(fc.array(arbThreadIntent, { minLength: 10, maxLength: 80 }), fc.nat(), (intents, cut) => {
        const entries = buildLog(intents);
        const state = materialize(entries);
        const live = Object.fromEntries(Object.entries(state.threads).map(([k, t]) => [k, t.comments.map((c) => c.id)]));
        expect(live).toEqual(model(entries));
        const made = entries.filter((e) => e.type === "comment").length;
        deletions += made - Object.values(live).flat().length;

        const at = cut % (entries.length + 1);
        const snapshot = decodeState(encodeState(materialize(entries.slice(0, at))));
        expect(encodeState(applyEntries(snapshot, entries.slice(at)))).toBe(encodeState(state));
      }),
      { seed: 4_242, numRuns: 300 },
    );
    // The property is not vacuous: the generated logs do delete comments.
    expect(deletions).toBeGreaterThan(100);
  });
});
