import { randomUUID } from "node:crypto";
import type { EventBridgeEvent } from "aws-lambda";
import {
  COMMITTED_DETAIL_TYPE,
  indexDocument,
  jsonLineSink,
  parseCommittedDetail,
  type Clock,
  type DocStates,
  type IndexOutcome,
  type SearchIndexStore,
} from "@weft/core";
import { wiring } from "../wiring.js";

export interface SearchConsumerDeps {
  searchIndex: SearchIndexStore;
  docStates: DocStates;
  clock: Clock;
}

/**
 * Bus consumer (rule `search`): one `weft.ops.committed` event -> the document's index brought
 * up to its current text.
 *
 * The event says which document changed; the text comes from the materialized state (the
 * materializer publishes only after saving it, so it is at least at the event's seqEnd), never
 * from the event's ops, so an old or replayed event indexes the current text. indexDocument
 * writes only the term delta and nothing at all when the index already holds that version: a
 * replayed batch, or an older one after a newer one, changes nothing. A state behind seqEnd
 * (should not happen) or a busy index throws, and the bus retries.
 */
export async function handler(event: EventBridgeEvent<string, unknown>): Promise<IndexOutcome> {
  const w = wiring();
  return indexCommitted({ searchIndex: w.searchIndex, docStates: w.docStates, clock: w.clock }, event);
}

export async function indexCommitted(deps: SearchConsumerDeps, event: EventBridgeEvent<string, unknown>): Promise<IndexOutcome> {
  if (event["detail-type"] !== COMMITTED_DETAIL_TYPE) throw new Error(`search: not a ${COMMITTED_DETAIL_TYPE} event: ${event["detail-type"]}`);
  const detail = parseCommittedDetail(event.detail);
  const doc = { tenant: detail.tenant, docId: detail.docId };
  const state = await deps.docStates.read(doc);
  if (!state || state.version < detail.seqEnd) {
    throw new Error(`search: ${doc.tenant}/${doc.docId} is materialized to ${state?.version ?? 0}, below the event's seqEnd ${detail.seqEnd}; retry later`);
  }
  const outcome = await indexDocument({ store: deps.searchIndex, now: () => deps.clock.now(), newId: randomUUID }, doc, state);
  jsonLineSink({ kind: "search_index", tenant: doc.tenant, docId: doc.docId, seqEnd: detail.seqEnd, eventId: event.id, ...outcome });
  if (outcome.status === "indexed" && outcome.truncated) {
    console.warn(JSON.stringify({ kind: "search_index_truncated", tenant: doc.tenant, docId: doc.docId, version: outcome.version }));
  }
  return outcome;
}
