import type { LogEntry } from "../ops/types.js";

/**
 * When DocStates writes a snapshot, and how much state it keeps in memory.
 *
 * The bill (DynamoDB: a write unit per 1 KB of item, a strongly consistent read unit per
 * 4 KB): materializing writes only the small head item (1 write unit), and that at most every
 * `headEveryMs` per document (doc-states.ts: reads go through the log); a snapshot
 * costs its compressed size in write units, so it is written only once the log since the
 * last one is big enough:
 *
 *   due when  opsSinceSnapshot >= snapshotEveryOps * k  or  logBytesSinceSnapshot >= snapshotEveryLogBytes * k,
 *   with k = max(1, snapshotBytes / snapshotEveryLogBytes)   (snapshotBytes: the last snapshot's encoded size)
 *
 * - Defaults 10,000 ops / 1 MiB: a cold read replays at most that much log after the snapshot
 *   (about 1 MiB of entry JSON is ~350 KB compressed, ~90 read units; 10,000 typing-sized
 *   entries take a few ms to apply: `npm run bench -- replay` measures over 1M entries/s).
 *   entryBytes counts at least ~110 bytes an entry, so with these defaults M comes first;
 *   N still bounds the entries a cold read replays when M is configured larger.
 * - For a state up to 1 MiB encoded (k = 1) the snapshot costs at most as many bytes per
 *   interval as 1 MiB of log: a 100 KB document's snapshot (~200 KB encoded, text and spans,
 *   ~40 KB compressed) every 10,000 ops is well under 0.01 write units per op. Snapshots also
 *   cost CPU (the canonical encoding is O(state)): the interval keeps that a small share.
 * - Past 1 MiB (a 2 MiB document encodes to ~4 MiB) the interval grows with the state (k), so
 *   snapshot writes never exceed the log's own bytes on average and a cold read's log tail is
 *   never larger than the snapshot it starts from. Writing a 2 MiB document's snapshot every
 *   1 MiB of log instead would cost about as much as committing that log again, four times over.
 */
export interface DocStatesConfig {
  /** N: entries since the last snapshot that make one due (scaled by k). */
  snapshotEveryOps: number;
  /** M: approximate bytes of log entries since the last snapshot that make one due (scaled by k). */
  snapshotEveryLogBytes: number;
  /** Budget of the in-process LRUs of recent states (applied and read: half each), in approximate bytes of memory. */
  cacheBytes: number;
  /**
   * Least ms between two head writes of a document by one process (a snapshot, the first
   * apply and a republished batch write one regardless). Reads go through the log, so this
   * bounds only what a cold read replays and what a new process fills again from the log.
   */
  headEveryMs: number;
}

export const DEFAULT_DOC_STATES_CONFIG: DocStatesConfig = {
  snapshotEveryOps: 10_000,
  snapshotEveryLogBytes: 1 << 20,
  cacheBytes: 128 << 20,
  headEveryMs: 5_000,
};

export interface SnapshotDebt {
  /** Entries applied since the last snapshot. */
  ops: number;
  /** entryBytes of those entries, summed. */
  logBytes: number;
  /** Encoded size of the last snapshot (0 when there is none). */
  snapshotBytes: number;
}

export function snapshotDue(debt: SnapshotDebt, config: DocStatesConfig): boolean {
  const k = Math.max(1, debt.snapshotBytes / config.snapshotEveryLogBytes);
  return debt.ops >= config.snapshotEveryOps * k || debt.logBytes >= config.snapshotEveryLogBytes * k;
}

/**
 * About how many bytes an entry takes in the log (its JSON): a fixed 110 for the envelope
 * (seq, ids, timestamps, type, punctuation) plus the lengths of its variable strings. Cheap
 * on purpose (no serialisation per entry on the hot path); exact enough for a size trigger.
 */
export function entryBytes(e: LogEntry): number {
  let n = 110 + e.id.length + e.clientId.length + e.userId.length;
  switch (e.type) {
    case "insert":
      return n + e.text.length;
    case "delete":
      return n + 20 * (e.ranges?.length ?? 0);
    case "format":
      for (const [k, v] of Object.entries(e.attrs)) n += k.length + (typeof v === "string" ? v.length : 5) + 4;
      return n + 20 * (e.ranges?.length ?? 0);
    case "comment":
      return n + e.threadId.length + e.body.length + (e.mentions?.join(",").length ?? 0) + (e.anchor ? 20 : 0);
    case "reaction":
      return n + e.threadId.length + e.commentId.length + e.emoji.length;
    case "uncomment":
      return n + e.threadId.length + e.commentId.length;
    case "task":
      return n + e.taskId.length + e.assignee.length + e.title.length + (e.status?.length ?? 0);
    case "acl":
      return n + (e.targetUserId ?? e.targetGroupId ?? "everyone").length + e.role.length;
  }
}

/** Approximate memory a state holds: its encoding twice over (UTF-16 strings plus structure). */
export function stateWeight(snapshotBytes: number, logBytesSinceSnapshot: number): number {
  return 2 * (snapshotBytes + logBytesSinceSnapshot) + 1024;
}
