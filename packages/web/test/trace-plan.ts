import { codePointLength, transformSeq, type CanonicalOp } from "@weft/core";
import type { Trace } from "../../core/test/traces.js";
import { canonicalOfEntry, canonicalOfOp } from "../src/engine/canonical.js";
import { FastServer } from "./fast-server.js";
import { MemoryDoc } from "./memory-doc.js";
import { txnEdits, type TraceHistory } from "./trace-history.js";
import type { TraceOracle } from "./trace-oracle.js";
import { replayTrace } from "./trace-replay-driver.js";

/**
 * Commit-order constraints that make OT reproduce the trace's merge.
 *
 * When two concurrent inserts land at the same position, OT puts the one committed first in
 * front (the sequencer rebases a change past what is already committed with side "right",
 * and clients rebase their pending ops the same way). The traces were recorded with a CRDT,
 * which orders such inserts by their neighbours instead: an insert typed where the typist had
 * just deleted text goes before a concurrent insert made right after that text (friendsforever
 * has such a pair at txns 22360/22364). So the replay must commit those two in the CRDT's
 * order. The README's guarantee (no concurrent inserts at the same position) holds for the
 * CRDT's positions, not for OT's, where a concurrent delete can make two positions one.
 *
 * Planning: replay in process (the SDK's engine, FastServer with the sequencer's rule); at
 * every rebase (client or server), if transforming with "left" and "right" differs there is an
 * insert tie: find the pair, and if the one committed first is not first in the oracle's
 * order, that is a violation `[x, y]` (txn x must be committed before txn y). Add it, replay
 * again, until a replay has no violation.
 */
export interface TracePlan {
  before: Array<[number, number]>;
  /** Planning replays run (the last one had no violation). */
  runs: number;
  /** Rounds of the last planning replay (the stack replay takes the same). */
  rounds: number;
  ms: number;
}

export async function planReplay(trace: Trace, h: TraceHistory, oracle: TraceOracle, maxRuns = 20): Promise<TracePlan> {
  const started = Date.now();
  const before: Array<[number, number]> = [];
  for (let run = 1; run <= maxRuns; run++) {
    const { violation, texts, rounds } = await findViolation(trace, h, oracle, before);
    if (violation) {
      before.push(violation);
      continue;
    }
    const wrong = texts.findIndex((t) => t !== trace.endContent);
    if (wrong >= 0) throw new Error(`planning replay without violations still ended agent ${wrong} away from endContent`);
    return { before, runs: run, rounds, ms: Date.now() - started };
  }
  throw new Error(`planning found more than ${maxRuns - 1} commit-order violations: ${JSON.stringify(before)}`);
}

interface Tagged {
  id: string;
  op: CanonicalOp;
}

/** Replays once with `before` and returns the first insert tie OT would orient against the oracle. */
async function findViolation(
  trace: Trace,
  h: TraceHistory,
  oracle: TraceOracle,
  before: Array<[number, number]>,
): Promise<{ violation: [number, number] | null; texts: string[]; rounds: number }> {
  const server = new FastServer();
  const docs = Array.from({ length: h.agents }, (_, a) => new MemoryDoc(`agent${a}`, server));
  /** Insert op id -> [txn, offset of its first character in the txn's inserted text]. */
  const firstChar = new Map<string, [number, number]>();
  let violation: [number, number] | null = null;

  const check = (incoming: Tagged[], committed: Tagged[]) => {
    if (violation) return;
    const tie = firstTie(incoming.map((x) => x.op), committed.map((x) => x.op));
    if (!tie) return;
    const mine = firstChar.get(incoming[tie[0]].id);
    const theirs = firstChar.get(committed[tie[1]].id);
    if (!mine || !theirs) throw new Error(`insert tie between untracked ops ${incoming[tie[0]].id} and ${committed[tie[1]].id}`);
    // OT puts `committed` first; wrong when the oracle has the incoming insert first.
    if (oracle.rank(...mine) < oracle.rank(...theirs)) violation = [mine[0], theirs[0]];
  };
  server.onCommit = (change, concurrent) =>
    check(
      change.ops.map((op) => ({ id: op.id, op: canonicalOfOp(op) })),
      concurrent.map((e) => ({ id: e.id, op: canonicalOfEntry(e) })),
    );
  for (const d of docs) {
    d.engine.onRebase = (mine, remote, entries) =>
      check(
        mine.map((l) => ({ id: l.id, op: l.op })),
        remote.map((op, k) => ({ id: entries[k].id, op })),
      );
  }
  const stats = await replayTrace(trace, docs, {
    before,
    delivered: async () => {
      await server.sequence();
      for (const d of docs) await d.deliver();
    },
    onTyped: (t, ids) => {
      let off = 0;
      txnEdits(trace, t).forEach((e, k) => {
        if (e[0] !== "insert") return;
        // Long inserts are split into ops of 2000 code points (edits/build.ts).
        ids[k].forEach((id, c) => firstChar.set(id, [t, off + 2000 * c]));
        off += codePointLength(e[2]);
      });
    },
    stop: () => violation !== null,
  });
  if (!violation) for (const d of docs) await d.deliver();
  return { violation, texts: docs.map((d) => d.text), rounds: stats.rounds };
}

/** The first (incoming, committed) pair of ops whose rebase depends on the tie side, or null. */
export function firstTie(incoming: CanonicalOp[], committed: CanonicalOp[]): [number, number] | null {
  const differs = (inc: CanonicalOp[], com: CanonicalOp[]) =>
    JSON.stringify(transformSeq(inc, com, "right")) !== JSON.stringify(transformSeq(inc, com, "left"));
  if (!differs(incoming, committed)) return null;
  let j = 0;
  while (!differs(incoming, committed.slice(0, j + 1))) j++;
  let i = 0;
  while (!differs(incoming.slice(0, i + 1), committed.slice(0, j + 1))) i++;
  return [i, j];
}
