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

  it("with a head interval, reads are always the whole committed log, and every seq reaches the publisher (applied or filled)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbIntent, { minLength: 2, maxLength: 60 }),
        fc.array(fc.record({ deliver: fc.boolean(), fresh: fc.boolean(), ms: fc.integer({ min: 0, max: 4_000 }), read: fc.boolean() }), { minLength: 1, maxLength: 20 }),
        async (intents, steps) => {
          const entries = buildLog(intents);
          const r = rig({ snapshotEveryOps: 9, headEveryMs: 5_000 });
          const doc = newDoc();
          const batches = toBatches(doc, entries, [3, 1, 5]);
          let states = r.states;
          const published = new Set<number>();
          let lastHead = 0;
          for (let i = 0; i < batches.length; i++) {
            const step = steps[i % steps.length];
            await commit(r.log, [batches[i]]);
            r.clock.advance(step.ms);
            if (step.fresh) states = r.fresh();
            // The stream loses batches now and then; the last one always arrives.
            if (step.deliver || i === batches.length - 1) {
              const { filled } = await states.apply(doc, [batches[i]]);
              for (const b of [batches[i], ...filled]) for (const e of b.entries) published.add(e.seq);
            }
            if (step.read) {
              const upTo = batches[i].seqEnd;
              expect(encodeState((await r.fresh().read(doc))!)).toBe(encodeState(materialize(entries.slice(0, upTo))));
            }
            const head = (await r.store.head(doc))?.version ?? 0;
            expect(head).toBeGreaterThanOrEqual(lastHead);
            expect(head).toBeLessThanOrEqual(batches[i].seqEnd);
            lastHead = head;
          }
          expect([...published].sort((a, b) => a - b)).toEqual(entries.map((e) => e.seq));
          expect(encodeState((await states.read(doc))!)).toBe(encodeState(materialize(entries)));
        },
      ),
      { seed: 20_261_206, numRuns: 120 },
    );
  });
});
