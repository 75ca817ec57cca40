import type { Trace } from "../../core/test/traces.js";
import type { TraceHistory } from "./trace-history.js";

/**
 * A reference merge of a concurrent trace: a small RGA (replicated growable array) built in
 * trace order. Every inserted character becomes an item placed right after its left origin
 * (the visible character before the insert position in the typing agent's view), skipping
 * items with a higher Lamport timestamp; deleted items stay as tombstones. The result is one
 * total order of all characters that every view is a subsequence of, which is what a CRDT
 * (like the one the traces were recorded with) converges to.
 *
 * The replay uses it to orient insert ties: OT places the earlier-committed of two inserts at
 * the same position first, so two concurrent inserts must be committed in the order they
 * have here (`rank`). `text()` must equal the trace's endContent (a test checks it).
 */
export class TraceOracle {
  // One entry per character, in the total order (parallel arrays keep the scans tight).
  private readonly txnOf: number[] = [];
  private readonly offOf: number[] = [];
  private readonly tsOf: number[] = [];
  private readonly chOf: string[] = [];
  /** Deleting txns of each character (empty: visible to everyone who has its insert). */
  private readonly delOf: number[][] = [];
  private readonly ranks = new Map<string, number>();

  constructor(
    trace: Trace,
    private readonly h: TraceHistory,
  ) {
    const lamport: number[] = [];
    trace.txns.forEach((t, i) => {
      lamport[i] = 1 + Math.max(0, ...(t.parents ?? []).map((p) => lamport[p]));
      let off = 0;
      for (const [pos, del, ins] of t.patches) {
        if (del > 0) for (const at of this.visible(i, pos, del)) this.delOf[at].push(i);
        if (ins.length === 0) continue;
        let at = pos === 0 ? 0 : this.visible(i, pos - 1, 1)[0] + 1;
        const ts = lamport[i] * 1_000_000 + off;
        while (at < this.tsOf.length && this.tsOf[at] > ts) at++;
        const chars = Array.from(ins);
        this.txnOf.splice(at, 0, ...chars.map(() => i));
        this.offOf.splice(at, 0, ...chars.map((_, k) => off + k));
        this.tsOf.splice(at, 0, ...chars.map((_, k) => ts + k));
        this.chOf.splice(at, 0, ...chars);
        this.delOf.splice(at, 0, ...chars.map(() => []));
        off += chars.length;
      }
    });
    this.txnOf.forEach((txn, r) => this.ranks.set(`${txn}:${this.offOf[r]}`, r));
  }

  /** The merged text of the whole trace. */
  text(): string {
    return this.chOf.filter((_, i) => this.delOf[i].length === 0).join("");
  }

  /** Position of a character (txn, offset within that txn's inserted text) in the total order. */
  rank(txn: number, off: number): number {
    const r = this.ranks.get(`${txn}:${off}`);
    if (r === undefined) throw new Error(`no character ${off} in txn ${txn}`);
    return r;
  }

  /** Indexes of the `len` characters visible to txn `t` from its visible position `pos`. */
  private visible(t: number, pos: number, len: number): number[] {
    const { indexOf, agentOf } = this.h;
    const seen = this.h.seen[t];
    const sees = (u: number) => u === t || indexOf[u] < seen[agentOf[u]];
    const out: number[] = [];
    for (let i = 0, n = 0; i < this.txnOf.length && out.length < len; i++) {
      if (!sees(this.txnOf[i])) continue;
      const dels = this.delOf[i];
      if (dels.length > 0 && dels.some(sees)) continue;
      if (n++ >= pos) out.push(i);
    }
    if (out.length < len) throw new Error(`txn ${t}: positions ${pos}..${pos + len} are beyond its view`);
    return out;
  }
}
