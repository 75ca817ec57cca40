import { randomUUID } from "node:crypto";
import type { EventBridgeEvent } from "aws-lambda";
import {
  BUSY_INDEX_MS,
  COMMITTED_DETAIL_TYPE,
  docKey,
  indexOnCommit,
  jsonLineSink,
  type CommittedDetail,
  type CommittedIndexOutcome,
  type DebouncedIndexDeps,
} from "@weft/core";
import { msFromEnv } from "../env-ms.js";
import { forEachDocBatch } from "../events/each-doc-batch.js";
import { wiring, type Wiring } from "../wiring.js";

/**
 * Default debounce of search index writes per document (WEFT_SEARCH_DEBOUNCE_MS overrides):
 * 5 s. Each window writes what changed in the term set, words typed halfway included, so the
 * window is the bill: the document product's search writes were 0.82 / 0.50 / 0.37 write
 * units per keystroke at 2 / 5 / 10 s (docs/cost.md, cut 20).
 */
export const SEARCH_DEBOUNCE_MS = 5000;

/** What indexing needs, from the wiring: the search table (index and its timers) and the materialized states. */
export function searchIndexDeps(w: Wiring, env: NodeJS.ProcessEnv = process.env): DebouncedIndexDeps {
  return {
    store: w.searchIndex,
    timers: w.searchTimers,
    now: () => w.clock.now(),
    newId: randomUUID,
    readState: (doc) => w.docStates.read(doc),
    debounceMs: msFromEnv(env, "WEFT_SEARCH_DEBOUNCE_MS", SEARCH_DEBOUNCE_MS),
    busyMs: msFromEnv(env, "WEFT_SEARCH_BUSY_MS", BUSY_INDEX_MS),
  };
}


/**
 * Bus consumer (rule `search`): one `weft.ops.committed` event -> each of its documents' index
 * brought up to its current text, at once or when its debounce window ends (indexOnCommit).
 *
 * The event says which document changed; the text comes from the materialized state (read
 * through the log, so it holds every committed batch, the event's included), never from the
 * event's ops, so an old or replayed event indexes the current text. Only the term delta is
 * written, and nothing at all when the index already holds that version: a replayed batch, or
 * an older one after a newer one, changes nothing. A state behind seqEnd (an event for a batch
 * the log does not hold: should not happen) or a busy index throws, and the bus retries.
 */
export async function handler(event: EventBridgeEvent<string, unknown>): Promise<CommittedIndexOutcome[]> {
  return indexCommitted(searchIndexDeps(wiring()), event);
}

/**
 * Deferrals this process recorded or saw, by document: until its due time a deferral is
 * certainly still recorded (only the timer, at or after it, clears it), so another event for
 * the document has nothing to do and needs no read. A document being typed into sends an
 * event every few hundred ms; this keeps them from costing a read each.
 */
const knownDeferrals = new Map<string, number>();
const MAX_KNOWN_DEFERRALS = 10_000;

/**
 * Every document batch of the event (packed or single form), one outcome each, in order
 * (forEachDocBatch: documents in parallel, all tried, the first failure thrown at the end so
 * the bus retries the event; what was indexed is then unchanged).
 */
export async function indexCommitted(deps: DebouncedIndexDeps, event: EventBridgeEvent<string, unknown>): Promise<CommittedIndexOutcome[]> {
  if (event["detail-type"] !== COMMITTED_DETAIL_TYPE) throw new Error(`search: not a ${COMMITTED_DETAIL_TYPE} event: ${event["detail-type"]}`);
  return forEachDocBatch(event.detail, (detail) => indexDocBatch(deps, detail, event.id));
}

async function indexDocBatch(deps: DebouncedIndexDeps, detail: CommittedDetail, eventId: string): Promise<CommittedIndexOutcome> {
  const doc = { tenant: detail.tenant, docId: detail.docId };
  const key = docKey(doc);
  const known = knownDeferrals.get(key);
  if (known !== undefined && deps.now() < known) return { status: "deferred", dueAt: known };
  const outcome = await indexOnCommit(deps, doc, detail.seqEnd);
  if (outcome.status === "deferred") {
    if (knownDeferrals.size >= MAX_KNOWN_DEFERRALS) knownDeferrals.delete(knownDeferrals.keys().next().value!);
    knownDeferrals.set(key, outcome.dueAt);
  } else knownDeferrals.delete(key);
  jsonLineSink({ level: "DEBUG", kind: "search_index", tenant: doc.tenant, docId: doc.docId, seqEnd: detail.seqEnd, eventId, ...outcome });
  if (outcome.status === "indexed" && outcome.truncated) {
    console.warn(JSON.stringify({ kind: "search_index_truncated", tenant: doc.tenant, docId: doc.docId, version: outcome.version }));
  }
  return outcome;
}
