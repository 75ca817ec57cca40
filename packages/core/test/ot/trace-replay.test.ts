import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { CanonicalOp } from "../../src/ops/types.js";
import { applyText, checkApplicable, textLengthAfter } from "../../src/ot/index.js";

/**
 * Replays a recorded editing trace (josephg/editing-traces, CC BY 4.0; see the traces
 * README) through applyText. The traces live next to the repository, in
 * `../shared/traces` from the repo root; the test is skipped when they are absent.
 */
const repoRoot = new URL("../../../../", import.meta.url);
const trace = new URL("../shared/traces/seph-blog1.json.gz", repoRoot);
const present = existsSync(fileURLToPath(trace));

interface Trace {
  startContent?: string;
  endContent: string;
  txns: Array<{ patches: Array<[number, number, string]> }>;
}

describe("editing trace replay", () => {
  it.skipIf(!present)(
    present
      ? "seph-blog1: applying every txn in order yields endContent"
      : "seph-blog1 replay SKIPPED: ../shared/traces/seph-blog1.json.gz not found next to the repo",
    () => {
      const data = JSON.parse(gunzipSync(readFileSync(trace)).toString("utf8")) as Trace;
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
