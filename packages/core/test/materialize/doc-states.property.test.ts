import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeState, materialize } from "../../src/materialize/index.js";
import { newDoc } from "../conformance/fixtures.js";
import { arbIntent, buildLog } from "./log-gen.js";
import { commit, rig, toBatches } from "./doc-states-harness.js";

/** Fixed seeds: failures reproduce exactly. */
describe("DocStates is a pure function of the log", () => {
  it("read(doc, v) encodes byte-identically to materialize(log[..v]) for random v, warm and cold, across snapshots", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbIntent, { minLength: 1, maxLength: 80 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 15 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        async (intents, sizes, every, picks, redeliver) => {
          const entries = buildLog(intents);
          const r = rig({ snapshotEveryOps: every, snapshotEveryLogBytes: 2000 });
          const doc = newDoc();
          const batches = await commit(r.log, toBatches(doc, entries, sizes));
          for (let i = 0; i < batches.length; i++) {
            // Redelivery of the previous batch alongside the next one changes nothing.
            await r.states.apply(doc, redeliver && i > 0 ? [batches[i - 1], batches[i]] : [batches[i]]);
          }
          const cold = r.fresh();
          for (const p of picks) {
            const v = 1 + (p % entries.length);
            const want = encodeState(materialize(entries.slice(0, v)));
            expect(encodeState((await r.states.read(doc, v))!)).toBe(want);
            expect(encodeState((await cold.read(doc, v))!)).toBe(want);
          }
          expect(encodeState((await cold.read(doc))!)).toBe(encodeState(materialize(entries)));
          expect(await r.fresh().rebuild(doc)).toEqual({ version: entries.length, changed: false });
        },
      ),
      { seed: 20_261_121, numRuns: 150 },
    );
  });

  it("a cold process that skipped random stream batches still converges (gaps come from the log)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbIntent, { minLength: 2, maxLength: 60 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 30 }),
        async (intents, keep) => {
          const entries = buildLog(intents);
          const r = rig({ snapshotEveryOps: 6 });
          const doc = newDoc();
          const batches = await commit(r.log, toBatches(doc, entries, [4, 2, 7]));
          for (let i = 0; i < batches.length; i++) {
            if (keep[i % keep.length] || i === batches.length - 1) await r.fresh().apply(doc, [batches[i]]);
          }
          expect(encodeState((await r.fresh().read(doc))!)).toBe(encodeState(materialize(entries)));
        },
      ),
      { seed: 7_331, numRuns: 100 },
    );
  });
});
