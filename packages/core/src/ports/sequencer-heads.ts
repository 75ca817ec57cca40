import type { DocAcl } from "../access/doc-acl.js";
import type { DocRef } from "../doc-ref.js";
import type { LogStore } from "./log-store.js";
import type { ClientState, LogBatch } from "./records.js";
import type { SequencerStateStore } from "./sequencer-state-store.js";

/** What a sequencer run reads first: the document's stored checkpoint and the log's last batch. */
export interface SequencerHead {
  checkpoint: number;
  holding: string[];
  acl?: DocAcl;
  /** How many `SequencerStateStore.save` calls of the document had completed (0: never saved). */
  saves: number;
  tail: LogBatch | undefined;
}

/**
 * The reads that open a sequencer run, shaped so that an adapter can make them cheap: the
 * checkpoint and the log's tail together (on DynamoDB the checkpoint item sorts right after the
 * log's batch items, so one Query returns both), and the client states apart, so that a process
 * that keeps them can skip their read while the document's `saves` has not moved.
 *
 * Contract (against the SequencerStateStore and LogStore of the same backing store):
 * - `head(doc)` is strongly consistent: `checkpoint`, `holding`, `acl` and `saves` as
 *   `state.load(doc, [])` returns them, and `tail` as `log.tail(doc)` does.
 * - `clients(doc, ids, saves)` returns the stored states of those of `ids` ever saved (strongly
 *   consistent; the others absent). `saves` is the value a `head` of this run returned: a store
 *   ignores it, a cache (rooms/client-cache.ts) answers from memory while it has not moved. A
 *   read that starts after `head` returned `saves` = n sees every client state that save n and
 *   the saves before it wrote (a save counts only once its client states are stored).
 * - Documents are isolated, including across tenants with the same docId.
 */
export interface SequencerHeads {
  head(doc: DocRef): Promise<SequencerHead>;
  clients(doc: DocRef, ids: readonly string[], saves: number): Promise<Map<string, ClientState>>;
}

/** SequencerHeads over a state store and a log kept apart (the in-memory adapters): two reads in parallel. */
export function composedHeads(state: SequencerStateStore, log: LogStore): SequencerHeads {
  return {
    async head(doc) {
      const [stored, tail] = await Promise.all([state.load(doc, []), log.tail(doc)]);
      return { checkpoint: stored.checkpoint, holding: stored.holding, saves: stored.saves, tail, ...(stored.acl ? { acl: stored.acl } : {}) };
    },
    async clients(doc, ids) {
      const wanted = new Set(ids);
      const { clients } = await state.load(doc, [...wanted]);
      for (const id of clients.keys()) if (!wanted.has(id)) clients.delete(id);
      return clients;
    },
  };
}
