import type { Trace } from "../../core/test/traces.js";

/**
 * The causal structure of a concurrent editing trace (../shared/traces/README.md), reduced
 * to what a replay needs: each txn's agent, its index among that agent's txns, and its
 * history as a vector clock `seen[i][b]` = how many of agent b's txns the history of txn i
 * holds (the transitive closure of `parents`; txn i itself excluded).
 *
 * A vector clock is exact here because every agent's txns form a chain (each has the agent's
 * previous txn in its history; `check` verifies it), so the history restricted to one agent
 * is always a prefix of that agent's txns.
 */
export interface TraceHistory {
  agents: number;
  agentOf: number[];
  /** Index of txn i among its agent's txns. */
  indexOf: number[];
  /** Txn indexes of each agent, in order. */
  byAgent: number[][];
  seen: number[][];
}

export function traceHistory(trace: Trace): TraceHistory {
  const agents = 1 + Math.max(...trace.txns.map((t) => t.agent ?? 0));
  const h: TraceHistory = { agents, agentOf: [], indexOf: [], byAgent: Array.from({ length: agents }, () => []), seen: [] };
  trace.txns.forEach((t, i) => {
    const a = t.agent ?? 0;
    h.agentOf.push(a);
    h.indexOf.push(h.byAgent[a].length);
    h.byAgent[a].push(i);
    const v = new Array<number>(agents).fill(0);
    for (const p of t.parents ?? []) {
      if (p >= i) throw new Error(`txn ${i} names parent ${p}, which is not earlier`);
      const pv = h.seen[p];
      for (let b = 0; b < agents; b++) v[b] = Math.max(v[b], pv[b]);
      v[h.agentOf[p]] = Math.max(v[h.agentOf[p]], h.indexOf[p] + 1);
    }
    if (v[a] !== h.indexOf[i]) throw new Error(`txn ${i}: agent ${a}'s txns do not form a chain (history holds ${v[a]} of them, expected ${h.indexOf[i]})`);
    h.seen.push(v);
  });
  return h;
}

/**
 * The edits of a txn as document calls: each patch `[pos, del, ins]` is a delete then an
 * insert at the same position (splice semantics, in order).
 */
export function txnEdits(trace: Trace, i: number): Array<["delete", number, number] | ["insert", number, string]> {
  const out: Array<["delete", number, number] | ["insert", number, string]> = [];
  for (const [pos, del, ins] of trace.txns[i].patches) {
    if (del > 0) out.push(["delete", pos, del]);
    if (ins.length > 0) out.push(["insert", pos, ins]);
  }
  return out;
}
