import { describe, expect, it } from "vitest";
import type { LogEntry } from "../../src/ops/types.js";
import { applyEntries, emptyState, encodeState } from "../../src/index.js";
import { traceFile, traceTitle, type Trace } from "../traces.js";

/**
 * Replays the automerge-paper editing trace as log entries through applyEntries and reports
 * throughput (skipped when the traces are absent).
 */
const trace = traceFile("automerge-paper");

function toEntries(data: Trace): LogEntry[] {
  const out: LogEntry[] = [];
  const env = () => ({ seq: out.length + 1, id: `o${out.length + 1}`, clientId: "c", clientSeq: out.length + 1, userId: "u", serverTs: out.length + 1 });
  for (const txn of data.txns) {
    for (const [pos, del, ins] of txn.patches) {
      if (del > 0) out.push({ ...env(), type: "delete", pos, len: del });
      if (ins.length > 0) out.push({ ...env(), type: "insert", pos, text: ins });
    }
  }
  return out;
}

describe("automerge-paper trace through applyEntries", () => {
  it.skipIf(!trace.present)(
    traceTitle(trace, "all 259,778 txns yield endContent, in one batch and in batches of 100"),
    () => {
      const data = trace.load();
      expect(data.txns.length).toBe(259_778);
      const entries = toEntries(data);
      let peakRss = 0;
      const sample = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));
      sample();

      // One batch: the materializer's raw speed.
      let t0 = performance.now();
      const state = applyEntries(emptyState(), entries);
      const oneBatchMs = performance.now() - t0;
      sample();
      expect(state.text).toBe(data.endContent);

      // Batches of 100 (how a consumer tailing the log applies it): checks the per-call cost.
      t0 = performance.now();
      let s = emptyState();
      for (let i = 0; i < entries.length; i += 100) {
        s = applyEntries(s, entries.slice(i, i + 100));
        if (i % 50_000 === 0) sample();
      }
      const batchedMs = performance.now() - t0;
      sample();
      expect(encodeState(s)).toBe(encodeState(state));

      const rate = (ms: number) => Math.round(entries.length / (ms / 1000)).toLocaleString("en-US");
      console.log(
        `automerge-paper: ${entries.length} entries (${data.txns.length} txns); one batch ${oneBatchMs.toFixed(0)} ms = ${rate(oneBatchMs)} ops/s; ` +
          `batches of 100 ${batchedMs.toFixed(0)} ms = ${rate(batchedMs)} ops/s; peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`,
      );
    },
  );
});
