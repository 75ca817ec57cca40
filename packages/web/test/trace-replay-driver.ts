import type { Trace } from "../../core/test/traces.js";
import type { WeftDoc } from "../src/index.js";
import { traceHistory, txnEdits, type TraceHistory } from "./trace-history.js";
import { until } from "./stack-client.js";

/**
 * Replays a concurrent trace with one SDK document per agent, giving each agent exactly the
 * history its txn's `parents` name before it types it.
 *
 * An OT client applies committed entries in log order, so before agent a types txn t, the
 * entries it has applied must be exactly the other agents' txns in t's history, and those
 * must form a prefix of the log restricted to the other agents. The driver works in rounds:
 * (1) every agent applies the longest allowed prefix of what it received (an entry of agent
 * b's txn k is allowed while k < seen[t][b]) and types its next txns while the precondition
 * holds EXACTLY (checked before every txn); (2) every agent whose previous change is
 * acknowledged flushes everything it typed (one change, whole txns, <= 450 ops); (3) the
 * driver waits until every document has received every committed op. A round in which no
 * agent can type or flush is a deadlock and fails with the agents' states.
 *
 * Flushing eagerly (everything typed) rather than lazily (only what another agent needs)
 * takes the fewest rounds; an offline simulation of both policies over friendsforever and
 * clownschool found neither ever blocked (no agent had to apply an entry its history lacks
 * to get its own change acknowledged), and eager needs 884 and 1,329 rounds where lazy needs
 * 1,484 and 1,416.
 *
 * A pending op that concurrent deletes emptied is dropped unsent (no log entry): a txn all of
 * whose ops were dropped counts as seen by whoever applied the entries around it.
 */
export interface ReplayStats {
  /** The version every document was at when the replay started (entries of no txn, e.g. the document's creation entries). */
  base: number;
  rounds: number;
  changes: number;
  /** Ops the agents committed: the log ends at seq base + ops. */
  ops: number;
  ms: number;
}

interface Agent {
  a: number;
  doc: ReplayDoc;
  typed: number;
  sent: number;
  /** Per agent b: how many of b's txns this agent has applied (for itself: typed). */
  applied: number[];
  /** Op ids of each own txn, in order. */
  opIds: string[][];
}

const MAX_OPS_PER_FLUSH = 450;

/** The part of a WeftDoc the driver uses (the in-process stand-in, memory-doc.ts, has it too). */
export interface ReplayDoc {
  readonly version: number;
  insert(pos: number, text: string): string[];
  delete(pos: number, len: number): string[];
  readonly hooks: Pick<
    WeftDoc["hooks"],
    "holdSending" | "holdApplying" | "received" | "receivedThrough" | "flush" | "inflight" | "pendingIds" | "emptied"
  >;
}

export interface ReplayOptions {
  /** Resolves once every document has received the first `total` committed ops (default: poll their buffers). */
  delivered?: (total: number) => Promise<void>;
  /** Commit-order constraints `[x, y]`: txn y is flushed only in a round after txn x was committed (see trace-plan.ts). */
  before?: Array<[number, number]>;
  /** Called after txn `t` was typed, with the op ids of each of its edits (txnEdits order). */
  onTyped?: (t: number, ids: string[][]) => void;
  /** Checked after every round: true ends the replay early (the planner stops at its first finding). */
  stop?: () => boolean;
}

export async function replayTrace(trace: Trace, docs: ReplayDoc[], opts: ReplayOptions = {}): Promise<ReplayStats> {
  const { delivered } = opts;
  const after = new Map<number, number[]>();
  for (const [x, y] of opts.before ?? []) after.set(y, [...(after.get(y) ?? []), x]);
  const h = traceHistory(trace);
  if (docs.length !== h.agents) throw new Error(`trace has ${h.agents} agents, got ${docs.length} documents`);
  const owner = new Map<string, [agent: number, k: number]>();
  const emptied: Set<number>[] = docs.map(() => new Set());
  const agents: Agent[] = docs.map((doc, a) => ({ a, doc, typed: 0, sent: 0, applied: new Array(h.agents).fill(0), opIds: [] }));
  for (const ag of agents) {
    ag.doc.hooks.holdSending(true);
    ag.doc.hooks.holdApplying(ag.doc.version);
  }
  const base = docs[0].version;
  if (docs.some((d) => d.version !== base)) throw new Error(`documents start at different versions: ${docs.map((d) => d.version)}`);
  const stats: ReplayStats = { base, rounds: 0, changes: 0, ops: 0, ms: 0 };
  const started = Date.now();

  const ownerOf = (id: string) => {
    const o = owner.get(id.replace(/_\d+$/, ""));
    if (!o) throw new Error(`entry ${id} belongs to no typed txn`);
    return o;
  };

  /** Applies the longest received prefix the agent's next txn's history allows. */
  const applyAllowed = (ag: Agent) => {
    const next = ag.typed < h.byAgent[ag.a].length ? h.seen[h.byAgent[ag.a][ag.typed]] : null;
    let limit = ag.doc.version;
    for (const e of ag.doc.hooks.received) {
      const [b, k] = ownerOf(e.id);
      if (b !== ag.a && next && k >= next[b]) break;
      limit = e.seq;
      if (b !== ag.a) ag.applied[b] = Math.max(ag.applied[b], k + 1);
    }
    if (limit > ag.doc.version) ag.doc.hooks.holdApplying(limit);
    if (ag.doc.version !== limit) throw new Error(`agent ${ag.a}: applied to ${ag.doc.version}, wanted ${limit}`);
  };

  /** Whether the agent's applied remote txns are exactly txn t's history (modulo emptied txns, which changed nothing). */
  const historyMatches = (ag: Agent, t: number) =>
    h.seen[t].every((want, b) => {
      if (b === ag.a) return true;
      let have = ag.applied[b];
      if (have === want) return true;
      while (have < want && have < agents[b].sent && emptied[b].has(have)) have++;
      return have === want;
    });

  const type = (ag: Agent, t: number) => {
    const perEdit = txnEdits(trace, t).map((e) => (e[0] === "delete" ? ag.doc.delete(e[1], e[2]) : ag.doc.insert(e[1], e[2])));
    const ids = perEdit.flat();
    for (const id of ids) owner.set(id, [ag.a, ag.typed]);
    ag.opIds.push(ids);
    ag.typed++;
    opts.onTyped?.(t, perEdit);
  };

  const advance = (ag: Agent): boolean => {
    let progressed = false;
    applyAllowed(ag);
    while (ag.typed < h.byAgent[ag.a].length) {
      const t = h.byAgent[ag.a][ag.typed];
      if (!historyMatches(ag, t)) break;
      type(ag, t);
      progressed = true;
      applyAllowed(ag);
    }
    return progressed;
  };

  /** Whether txn x was committed before this round (sent counts as of the round's start). */
  const committedBefore = (x: number, sentAtStart: number[]) => h.indexOf[x] < sentAtStart[h.agentOf[x]];

  const flush = async (ag: Agent, sentAtStart: number[]): Promise<number> => {
    let end = ag.sent;
    for (let n = 0; end < ag.typed && n + ag.opIds[end].length <= MAX_OPS_PER_FLUSH; end++) {
      if (!(after.get(h.byAgent[ag.a][end]) ?? []).every((x) => committedBefore(x, sentAtStart))) break;
      n += ag.opIds[end].length;
    }
    if (end === ag.sent) return 0;
    const through = [...ag.opIds.slice(ag.sent, end)].reverse().find((ids) => ids.length > 0)?.at(-1);
    const from = ag.sent;
    ag.sent = end;
    if (through === undefined) return 0; // txns with no ops at all (none in these traces)
    const change = await ag.doc.hooks.flush({ through });
    if (ag.doc.hooks.pendingIds.some((id) => owner.get(id)![1] < end)) throw new Error(`agent ${ag.a}: flush left typed ops behind`);
    const gone = new Set(ag.doc.hooks.emptied);
    for (let k = from; k < end; k++) if (ag.opIds[k].every((id) => gone.has(id))) emptied[ag.a].add(k);
    return change?.ops.length ?? 0;
  };

  for (;;) {
    for (let progress = true; progress; ) {
      progress = false;
      for (const ag of agents) if (advance(ag)) progress = true;
    }
    const done = agents.every((ag) => ag.typed === h.byAgent[ag.a].length && ag.sent === ag.typed);
    if (done) break;
    const ready = agents.filter((ag) => ag.typed > ag.sent && ag.doc.hooks.inflight.length === 0);
    const sentAtStart = agents.map((ag) => ag.sent);
    const sent = await Promise.all(ready.map((ag) => flush(ag, sentAtStart)));
    if (sent.every((n) => n === 0) && agents.every((ag, a) => ag.sent === sentAtStart[a])) {
      throw new Error(`replay deadlocked in round ${stats.rounds}: ${describe(agents, h)}`);
    }
    stats.rounds++;
    stats.changes += sent.filter((n) => n > 0).length;
    stats.ops += sent.reduce((x, y) => x + y, 0);
    const total = stats.ops;
    if (delivered) await delivered(total);
    // Polled every 2 ms: this wait is on the critical path of every round.
    else await until(`every agent receiving ${total} committed ops`, () => agents.every((ag) => ag.doc.hooks.receivedThrough >= base + total), 30_000, 2);
    if (opts.stop?.()) break;
  }
  for (const ag of agents) {
    ag.doc.hooks.holdApplying(null);
    ag.doc.hooks.holdSending(false);
  }
  stats.ms = Date.now() - started;
  return stats;
}

function describe(agents: Agent[], h: TraceHistory): string {
  return agents
    .map((ag) => {
      const next = ag.typed < h.byAgent[ag.a].length ? h.byAgent[ag.a][ag.typed] : undefined;
      return `agent ${ag.a}: typed ${ag.typed}/${h.byAgent[ag.a].length}, sent ${ag.sent}, applied ${ag.applied.join(",")}, version ${ag.doc.version}, next txn ${next} needs ${next === undefined ? "-" : h.seen[next].join(",")}, in flight ${ag.doc.hooks.inflight.length}`;
    })
    .join("; ");
}
