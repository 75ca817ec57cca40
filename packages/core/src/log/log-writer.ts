import type { LogBatch } from "../ports/records.js";
import { LEASE_MARGIN_MS } from "../rooms/stream-commit.js";

/** The clocks' allowed disagreement the writer grants a record's deadline: half the holder's margin (docs/durable-order.md). */
export const LOG_WRITER_SKEW_MS = LEASE_MARGIN_MS / 2;

/**
 * The decisions of the log writer in docs/durable-order.md (step 2, not wired yet): the
 * committed stream is the durable order, and a consumer of it writes each document's log items
 * a few seconds of the document at a time. This module is that consumer's logic, without I/O:
 * which records it keeps (DocLogWriter), how a document's kept batches become one log item
 * (packItems, mergeBatches). When a new holder may read a settled head is the fence record's to
 * say (docs/durable-order.md, step 3: not built).
 */

/** One committed batch as the committed stream carries it. */
export interface StreamedBatch {
  batch: LogBatch;
  /** The lease epoch the holder sequenced it under. */
  epoch: number;
  /**
   * The holder's deadline (epoch ms): its lease's expiry as it last stored it, less the margin.
   * The holder answers the batch's submitters only if its put returned before this time by its
   * own clock, and stops sequencing the document once the time has passed.
   */
  deadline: number;
  /** When the stream took the record (Kinesis's ApproximateArrivalTimestamp, epoch ms). */
  arrivedAt: number;
}

/**
 * What the writer did with a record:
 * - `kept`: the document's next batch, in time;
 * - `repeat`: a batch it kept already (a put retried after a timeout that had landed);
 * - `late`: arrived after its deadline (plus the skew): never acknowledged; every later batch of
 *   its epoch goes too (`after_late`), and the document's next holder starts from before it;
 * - `conflict`: a record no correct holder sends (a gap, two epochs' batches at one seq, an
 *   older epoch after a newer one): the writer stops on the document and alarms rather than
 *   choose. Every later record of the document is `conflict` too. `gap` marks a record that
 *   starts past the head + 1: what a writer whose head is stale meets (another process wrote
 *   the document since it last loaded its items), to be told apart before alarming.
 */
export type LogWriterVerdict = { kind: "kept" | "repeat" | "late" | "after_late" } | { kind: "conflict"; reason: string; gap?: true };

/** Kept batches remembered per document to recognise repeats (a retried put lands within seconds). */
const REMEMBERED = 256;

/**
 * One document's share of the log writer, fed the document's records in stream order (one
 * partition key, so one shard and one order). `head` is the document's log head when the
 * writer starts (read from the log items it wrote) and `headEpoch` the epoch of the batch
 * there (0 for a log from before epochs, or when the items do not say). With `loaded`, the head
 * was read from items an earlier run of the writer wrote (a cold start, a retried stream batch):
 * the stream comes again from an earlier point, so a record that ends at or below that head is
 * a `repeat` (the store's key fence wrote each seq once), not a conflict. `skewMs` is the clocks' allowed disagreement: a record
 * counts as in time while it arrived no later than `deadline + skewMs`.
 *
 * Why an acknowledged batch is always kept: its put returned before the deadline by the
 * holder's clock, so it arrived before `deadline + skewMs` by the stream's; a repeat of it is
 * recognised before lateness is judged; and its holder sent nothing of its epoch before it that
 * was late (puts go out one after another, and a late put is never followed by another of that
 * epoch: the deadline had passed). Why nothing is kept twice: a batch is kept only at
 * head + 1, and a new holder starts from a head read after every record of the old epoch that
 * can still be in time has been applied (the settled head: docs/durable-order.md).
 */
export class DocLogWriter {
  private head: number;
  private headEpoch: number;
  private readonly lostEpochs = new Set<number>();
  private readonly recent: Array<{ seqStart: number; seqEnd: number; epoch: number }> = [];
  private pending: LogBatch[] = [];
  private stopped?: string;
  private readonly loadedHead: number;

  constructor(
    start: { head: number; headEpoch: number; loaded?: boolean },
    private readonly skewMs: number,
  ) {
    this.head = start.head;
    this.headEpoch = start.headEpoch;
    this.loadedHead = start.loaded ? start.head : 0;
  }

  offer(r: StreamedBatch): LogWriterVerdict {
    if (this.stopped) return { kind: "conflict", reason: `stopped: ${this.stopped}` };
    const { seqStart, seqEnd } = r.batch;
    if (this.recent.some((k) => k.seqStart === seqStart && k.seqEnd === seqEnd && k.epoch === r.epoch)) return { kind: "repeat" };
    if (seqEnd <= this.loadedHead) return { kind: "repeat" };
    if (this.lostEpochs.has(r.epoch)) return { kind: "after_late" };
    if (r.arrivedAt > r.deadline + this.skewMs) {
      this.lostEpochs.add(r.epoch);
      return { kind: "late" };
    }
    if (r.epoch < this.headEpoch) return this.stop(`epoch ${r.epoch} in time after epoch ${this.headEpoch} at seq ${seqStart}`);
    if (seqStart <= this.head) return this.stop(`seq ${seqStart} of epoch ${r.epoch} already kept`);
    if (seqStart !== this.head + 1) return this.stop(`gap: seq ${seqStart} after head ${this.head}`, true);
    this.head = seqEnd;
    this.headEpoch = r.epoch;
    this.pending.push(r.batch);
    this.recent.push({ seqStart, seqEnd, epoch: r.epoch });
    if (this.recent.length > REMEMBERED) this.recent.shift();
    return { kind: "kept" };
  }

  /** The head of what was kept, and the epoch it was kept under. */
  get kept(): { head: number; headEpoch: number } {
    return { head: this.head, headEpoch: this.headEpoch };
  }

  /** Why the writer stopped on this document, if it did. */
  get stoppedBecause(): string | undefined {
    return this.stopped;
  }

  /** The kept batches not yet taken, oldest first, one by one (to be packed into items: packItems). */
  takeBatches(): LogBatch[] {
    const batches = this.pending;
    this.pending = [];
    return batches;
  }

  private stop(reason: string, gap?: true): LogWriterVerdict {
    this.stopped = reason;
    return { kind: "conflict", reason, ...(gap ? { gap } : {}) };
  }
}

/**
 * Consecutive batches of one document as one batch, exactly as readers would have seen them
 * one by one: the entries in order; each client's progress as of the last batch that names it
 * (progress only grows); the length and commit time of the last; and, when any holds acl
 * entries, the ACL before the first that does (no acl entry comes before it, so it is the ACL
 * before the whole).
 */
export function mergeBatches(batches: readonly LogBatch[]): LogBatch {
  if (batches.length === 0) throw new Error("mergeBatches: no batches");
  for (let i = 1; i < batches.length; i++) {
    const [a, b] = [batches[i - 1], batches[i]];
    if (b.seqStart !== a.seqEnd + 1 || b.doc.tenant !== a.doc.tenant || b.doc.docId !== a.doc.docId) {
      throw new Error(`mergeBatches: batch ${b.seqStart} does not follow ${a.seqEnd} of the same document`);
    }
  }
  if (batches.length === 1) return batches[0];
  const first = batches[0];
  const last = batches[batches.length - 1];
  const clients = new Map<string, LogBatch["clients"][number]>();
  for (const b of batches) for (const c of b.clients) clients.set(c.clientId, c);
  const aclBefore = batches.find((b) => b.entries.some((e) => e.type === "acl"))?.aclBefore;
  return {
    doc: first.doc,
    seqStart: first.seqStart,
    seqEnd: last.seqEnd,
    entries: batches.flatMap((b) => b.entries),
    lenAfter: last.lenAfter,
    clients: [...clients.values()],
    committedAt: last.committedAt,
    ...(aclBefore ? { aclBefore } : {}),
    ...(batches.every((b) => b.deliveredLive) ? { deliveredLive: true as const } : {}),
  };
}

/**
 * Consecutive batches of one document as few log items as fit: each item merges (mergeBatches)
 * as many following batches as keep its entries' JSON within `maxBytes` (a DynamoDB item holds
 * 400 KB, compressed); a single batch over it stays one item (it was one item when committed).
 */
export function packItems(batches: readonly LogBatch[], maxBytes: number): LogBatch[] {
  const items: LogBatch[] = [];
  let run: LogBatch[] = [];
  let bytes = 0;
  for (const b of batches) {
    const size = JSON.stringify(b.entries).length;
    if (run.length > 0 && bytes + size > maxBytes) {
      items.push(mergeBatches(run));
      run = [];
      bytes = 0;
    }
    run.push(b);
    bytes += size;
  }
  if (run.length > 0) items.push(mergeBatches(run));
  return items;
}
