import type { LogEntry } from "../packages/core/src/index.js";
import type { Trace } from "../packages/core/test/traces.js";

/** A trace's edits as committed log entries, one author, a patch's delete before its insert. */
export function toEntries(trace: Trace): LogEntry[] {
  const out: LogEntry[] = [];
  const env = () => ({ seq: out.length + 1, id: `o${out.length + 1}`, clientId: "trace", clientSeq: out.length + 1, userId: "author", serverTs: 1_760_000_000_000 + out.length });
  for (const txn of trace.txns) {
    for (const [pos, del, ins] of txn.patches) {
      if (del > 0) out.push({ ...env(), type: "delete", pos, len: del });
      if (ins.length > 0) out.push({ ...env(), type: "insert", pos, text: ins });
    }
  }
  return out;
}
