import type { DocRef } from "../doc-ref.js";
import type { LogStore } from "../ports/log-store.js";
import type { SequencerStateStore } from "../ports/sequencer-state-store.js";

/**
 * The stores a sequencer run writes through, with `check(doc)` called before each of its writes
 * (log appends, rejections, state saves): a check that throws stops the run before it writes.
 * What a writer that may write a document only for a while uses (a room task while its lease is
 * safely live, a sequencer function within its write window: rooms/holder-heads.ts). Reads pass
 * through unchanged.
 */
export function guardedLog(log: LogStore, check: (doc: DocRef) => void): LogStore {
  return {
    append: async (batch) => {
      check(batch.doc);
      return log.append(batch);
    },
    tail: (doc) => log.tail(doc),
    head: (doc) => log.head(doc),
    entries: (doc, after, limit) => log.entries(doc, after, limit),
    batchesAfter: (doc, after) => log.batchesAfter(doc, after),
    findOp: (doc, opId) => log.findOp(doc, opId),
  };
}

/** `state` with `check(doc)` before `putRejections` and `save` (see guardedLog). */
export function guardedState(state: SequencerStateStore, check: (doc: DocRef) => void): SequencerStateStore {
  return {
    load: (doc, ids) => state.load(doc, ids),
    client: (doc, id) => state.client(doc, id),
    access: (doc) => state.access(doc),
    accessMany: (docs) => state.accessMany(docs),
    save: async (doc, clients, checkpoint, holding, acl) => {
      check(doc);
      return state.save(doc, clients, checkpoint, holding, acl);
    },
    putRejections: async (doc, rejections) => {
      check(doc);
      return state.putRejections(doc, rejections);
    },
    getRejection: (doc, opId) => state.getRejection(doc, opId),
  };
}
