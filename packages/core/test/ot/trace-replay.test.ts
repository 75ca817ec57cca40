import { describe, expect, it } from "vitest";
import type { CanonicalOp } from "../../src/ops/types.js";
import { applyText, checkApplicable, textLengthAfter } from "../../src/ot/index.js";
import { traceFile, traceTitle } from "../traces.js";

/** Replays a recorded editing trace through applyText (skipped when the traces are absent). */
const trace = traceFile("seph-blog1");

describe("editing trace replay", () => {
  it.skipIf(!trace.present)(
    traceTitle(trace, "seph-blog1: applying every txn in order yields endContent"),
    () => {
      const data = trace.load();
      let text = data.startContent ?? "";
      let len = Array.from(text).length;
      let ops = 0;
      for (const txn of data.txns) {
        for (const [pos, deleteCount, insertText] of txn.patches) {
          const patch: CanonicalOp[] = [];
          if (deleteCount > 0) patch.push({ type: "delete", pos, len: deleteCount });
          if (insertText.length > 0) patch.push({ type: "insert", pos, text: insertText });
          for (const op of patch) {
            // Spot-check applicability (every op would dominate the run time).
            if (ops % 1000 === 0) expect(checkApplicable(op, len)).toBeNull();
            text = applyText(text, op);
            len = textLengthAfter(len, op);
            ops++;
          }
        }
      }
      expect(ops).toBeGreaterThan(137_000);
      expect(len).toBe(Array.from(data.endContent).length);
      expect(text).toBe(data.endContent);
    },
  );
});
