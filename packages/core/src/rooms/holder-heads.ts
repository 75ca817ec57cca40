import { docKey, parseDocKey as parseKey, type DocRef } from "../doc-ref.js";
import type { ClientState } from "../ports/records.js";
import type { SequencerHead, SequencerHeads } from "../ports/sequencer-heads.js";

/**
 * How long after a task starts holding a document's lease its runs still read the head from the
 * store: longer than any write of a writer that saw no live lease can take to land (a sequencer
 * function's write window, FUNCTION_WRITE_WINDOW_MS, and a lapsed holder's last write in flight),
 * plus the clocks' skew. A document being edited is held for minutes, so this costs a few reads
 * per holding.
 */
export const HOLDER_QUIET_MS = 15_000;

/**
 * How long a sequencer function that found no live lease on a document may go on writing its
 * run (functions/handlers/sequence-or-hand-off.ts): a run that passes it fails before its next
 * write and is retried, reading the lease again. Shorter than HOLDER_QUIET_MS by more than the
 * clocks' skew and a write's flight.
 */
export const FUNCTION_WRITE_WINDOW_MS = 8_000;

/** Documents whose head a task keeps (the least recently run are forgotten first). */
const MAX_KEPT_HEADS = 100_000;

interface Kept {
  head: SequencerHead;
  /** When (the ownership's clock) the store read this head descends from was issued. */
  readAt: number;
}

/**
 * SequencerHeads for a room task that holds documents' leases (docs/rooms.md, "Ownership"): a
 * run of a document held without a lapse starts from the head the task's previous run left
 * (SequencerDeps.onPersisted) instead of reading the checkpoint and the log's tail (one Query
 * on DynamoDB, ~1 read unit a run).
 *
 * Why that is exact: the head changes only by writes of the document's sequencer runs (log
 * appends and state saves). While a task holds the lease, no other writer writes: other tasks
 * forward to the holder or wait for the lease to lapse, a sequencer function hands its records
 * to the holder, and each of them writes only while no live lease is held by another
 * (DocOwnership.writable; a function within FUNCTION_WRITE_WINDOW_MS of finding none). A kept
 * head is trusted only when the store read it descends from was issued at least `quietMs` after
 * the holding began (`since`), when every write of a writer from before the holding has landed;
 * since then each run's persisted head is exactly what a read would return. Anything else (a
 * conflict at the log's key fence, a failed run, a lapse) drops it, and the next run reads.
 * Should a write still slip past these rules (a clock off by more than the skew), the log's key
 * fence still catches every other writer's append at the next run's own; what it cannot catch
 * is a state save alone (a hold, a gap, a rejection), which this design rules out by time.
 */
export class HolderHeads implements SequencerHeads {
  private readonly kept = new Map<string, Kept>();
  /** Per document, the read time of the head its run in progress started from (runs of a document are serial on a task). */
  private readonly serving = new Map<string, number>();
  /** Heads answered from memory and read from the store (a task's metrics, tests, the cost bench). */
  readonly counts = { kept: 0, read: 0 };

  /**
   * `waitForQuiet` (a holder committing through the stream: stream-commit.ts): a holding's first
   * read waits until `quietMs` into the holding, so that every run of it runs from a kept head.
   * Its commits are not in the store until the log writer has written them, so a read after its
   * first commit would miss them; the read before it must therefore already include every earlier
   * writer's write (a sequencer function's, within its window). What it does not wait for is a
   * previous holder's stream commits still on their way to the log: docs/durable-order.md, step 3.
   * `afterWait` runs once such a wait is over (the holder renews its lease there: the wait took
   * most of it).
   */
  constructor(
    private readonly store: SequencerHeads,
    private readonly ownership: { heldSince(doc: DocRef): number | undefined; now(): number },
    private readonly quietMs = HOLDER_QUIET_MS,
    private readonly o: { waitForQuiet?: boolean; sleep?: (ms: number) => Promise<void>; afterWait?: (doc: DocRef) => Promise<unknown> } = {},
  ) {}

  async head(doc: DocRef): Promise<SequencerHead> {
    const key = docKey(doc);
    const kept = this.kept.get(key);
    const since = this.ownership.heldSince(doc);
    if (kept && since !== undefined && kept.readAt >= since + this.quietMs) {
      this.serving.set(key, kept.readAt);
      this.counts.kept++;
      return copyHead(kept.head);
    }
    this.kept.delete(key);
    const early = since === undefined ? 0 : since + this.quietMs - this.ownership.now();
    if (this.o.waitForQuiet && early > 0) {
      await (this.o.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms))))(early);
      await this.o.afterWait?.(doc);
    }
    const readAt = this.ownership.now();
    const head = await this.store.head(doc);
    this.serving.set(key, readAt);
    this.counts.read++;
    return head;
  }

  clients(doc: DocRef, ids: readonly string[], saves: number): Promise<Map<string, ClientState>> {
    return this.store.clients(doc, ids, saves);
  }

  /** The head `doc`'s run just persisted (SequencerDeps.onPersisted): its next run's, while the holding lasts. */
  keep(doc: DocRef, head: SequencerHead): void {
    const key = docKey(doc);
    const readAt = this.serving.get(key);
    if (readAt === undefined || this.ownership.heldSince(doc) === undefined) return this.drop(doc);
    this.kept.delete(key);
    this.kept.set(key, { head: copyHead(head), readAt });
    if (this.kept.size > MAX_KEPT_HEADS) this.drop(parseKey(this.kept.keys().next().value!));
  }

  /** Forgets `doc`'s head (a conflict, a failed run): its next run reads the store. */
  drop(doc: DocRef): void {
    const key = docKey(doc);
    this.kept.delete(key);
    this.serving.delete(key);
  }

  /** Documents whose head is kept. */
  get size(): number {
    return this.kept.size;
  }
}

/** A head's own copy: the holding set copied; the tail batch and the ACL shared (log batches and ACL values never change). */
function copyHead(h: SequencerHead): SequencerHead {
  return { ...h, holding: [...h.holding] };
}
