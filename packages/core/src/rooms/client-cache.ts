import { docKey, type DocRef } from "../doc-ref.js";
import { LruByWeight } from "../materialize/state-cache.js";
import type { SequencerHead, SequencerHeads } from "../ports/sequencer-heads.js";
import type { ClientState, LogBatch } from "../ports/records.js";

/** Client states kept in all (a document weighs one per client it holds, absent ones included). */
export const CACHED_CLIENT_STATES = 100_000;

interface Mirror {
  /** The document's `saves` these states are stored as of. */
  saves: number;
  /** Per client id: its stored state, or null when the store holds none. */
  known: Map<string, ClientState | null>;
}

/**
 * SequencerHeads that keep, per document, the client states the store returned, and answer
 * `clients` from them while the document's `saves` (read by this run's `head`) is the one they
 * were read at. A run reads the store's clients only for a client it has not met (a new session)
 * or after a save (its own or anyone's: every save moves `saves`), so plain typing on a room task
 * costs the checkpoint-and-tail read alone.
 *
 * Exact, not approximate: client states change in the store only through `save`, and a save is
 * counted in `saves` only once its client states are readable. A mirror read at `saves` = n
 * after a head that returned n therefore holds each client as save n or a later one left it;
 * and while the head still returns n no later save has completed, so the mirror is what the
 * store holds (or newer, which rolling forward from the log allows: progress only grows). What
 * this run then changes in memory is not the store's, so the mirror keeps copies in and out.
 *
 * `onHead` sees every head read (the room's batch cache learns the log's tail from it).
 */
export class ClientCachingHeads implements SequencerHeads {
  private readonly docs: LruByWeight<Mirror>;

  constructor(
    private readonly store: SequencerHeads,
    private readonly onHead?: (doc: DocRef, tail: LogBatch | undefined) => void,
    maxStates = CACHED_CLIENT_STATES,
  ) {
    this.docs = new LruByWeight(maxStates);
  }

  async head(doc: DocRef): Promise<SequencerHead> {
    const head = await this.store.head(doc);
    this.onHead?.(doc, head.tail);
    return head;
  }

  async clients(doc: DocRef, ids: readonly string[], saves: number): Promise<Map<string, ClientState>> {
    const key = docKey(doc);
    let mirror = this.docs.get(key);
    if (!mirror || mirror.saves !== saves) mirror = { saves, known: new Map() };
    const missing = [...new Set(ids)].filter((id) => !mirror.known.has(id));
    if (missing.length > 0) {
      const read = await this.store.clients(doc, missing, saves);
      for (const id of missing) mirror.known.set(id, read.get(id) ?? null);
    }
    this.docs.set(key, mirror, mirror.known.size + 1);
    const out = new Map<string, ClientState>();
    for (const id of ids) {
      const c = mirror.known.get(id);
      if (c) out.set(id, structuredClone(c));
    }
    return out;
  }

  /** Documents held (for tests and a task's metrics). */
  get size(): { docs: number } {
    return { docs: this.docs.size };
  }
}
