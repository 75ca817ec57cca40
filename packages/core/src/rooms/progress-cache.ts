import { docKey, type DocRef } from "../doc-ref.js";
import { LruByWeight } from "../materialize/state-cache.js";
import type { ClientState, LogBatch } from "../ports/records.js";
import type { SequencerStateStore } from "../ports/sequencer-state-store.js";
import { CACHED_DOCS } from "./batch-cache.js";

/**
 * The sequencer state as ingest reads it on a room task: `client(doc, clientId)` answers from
 * the progress the task's own commits carried (each log batch holds its clients' progress)
 * when it has it, and reads the store otherwise; every other method is the store's.
 *
 * Safe because ingest uses a client's progress only to answer `duplicate` early (the port's
 * contract already allows it to be behind the log): progress only grows, so a value this task
 * saw is at worst behind one another writer made since, and then a repeat is taken and the
 * sequencer, which rolls forward from the log, drops it. It saves ingest's read per submit.
 */
export class ProgressCachingState {
  /** Per document (least recently used out first): clients' progress by client id. */
  private readonly docs: LruByWeight<Map<string, ClientState>>;

  constructor(
    private readonly store: SequencerStateStore,
    maxDocs = CACHED_DOCS,
  ) {
    this.docs = new LruByWeight(maxDocs);
  }

  /** The store for ingest, with `client` answered from memory where it can be. */
  forIngest(): SequencerStateStore {
    const store = this.store;
    return {
      load: (doc, ids) => store.load(doc, ids),
      access: (doc) => store.access(doc),
      accessMany: (docs) => store.accessMany(docs),
      save: (doc, clients, checkpoint, holding, acl) => store.save(doc, clients, checkpoint, holding, acl),
      putRejections: (doc, rejections) => store.putRejections(doc, rejections),
      getRejection: (doc, opId) => store.getRejection(doc, opId),
      client: async (doc, clientId) => {
        const known = this.docs.get(docKey(doc))?.get(clientId);
        if (known) return structuredClone(known);
        const read = await store.client(doc, clientId);
        if (read) this.note(doc, read);
        return read;
      },
    };
  }

  /** Records the progress a committed batch carries. */
  committed(batch: LogBatch): void {
    for (const p of batch.clients) this.note(batch.doc, { clientId: p.clientId, next: p.next, held: [], skipped: p.skipped ?? [] });
  }

  private note(doc: DocRef, c: ClientState): void {
    const key = docKey(doc);
    let clients = this.docs.get(key);
    if (!clients) this.docs.set(key, (clients = new Map()), 1);
    const known = clients.get(c.clientId);
    if (!known || c.next > known.next || (c.next === known.next && c.skipped.length > known.skipped.length)) {
      clients.set(c.clientId, { clientId: c.clientId, next: c.next, held: [], skipped: [...c.skipped] });
    }
  }
}
