import type { EventBridgeEvent } from "aws-lambda";
import { COMMITTED_DETAIL_TYPE, jsonLineSink, resolveCommittedOps, type CommittedDetail } from "@weft/core";
import { batchMayNotify, intentsOfBatch } from "@weft/core/notify/sources/committed-intents";
import { forEachDocBatch } from "../events/each-doc-batch.js";
import { submitIntents } from "../notify/submit.js";
import { wiring } from "../wiring.js";

/** One "edited" notice per (document, editor) per this window at most (WEFT_NOTIFY_EDIT_WINDOW_MS). */
export const EDIT_WINDOW_MS = 10 * 60_000;

/**
 * Bus consumer (rule `notify`): each committed document batch of the event -> the notifications it causes
 * (intentsOfBatch), decided per recipient by the engine (NotifyService), recipients in
 * parallel, each user's decisions serialized by its state's compare-and-set.
 *
 * Idempotent: each (event id, recipient) is decided once (7-day dedupe keys committed with the
 * user's state), so a redelivered or re-driven batch notifies nobody twice; a failure for some
 * recipients throws after the others are done, and the bus's retry finishes the rest.
 */
export async function handler(event: EventBridgeEvent<string, unknown>): Promise<{ recipients: number; intents: number }> {
  if (event["detail-type"] !== COMMITTED_DETAIL_TYPE) throw new Error(`notify: not a ${COMMITTED_DETAIL_TYPE} event: ${event["detail-type"]}`);
  const w = wiring();
  // Every document batch of the event (packed or single form): documents in parallel, all
  // tried, the first failure thrown at the end for the bus to retry (decisions already made
  // are deduped per (event id, recipient)).
  const results = await forEachDocBatch(event.detail, (detail) => notifyDocBatch(w, detail));
  return results.reduce((t, r) => ({ recipients: t.recipients + r.recipients, intents: t.intents + r.intents }), { recipients: 0, intents: 0 });
}

async function notifyDocBatch(w: ReturnType<typeof wiring>, detail: CommittedDetail): Promise<{ recipients: number; intents: number }> {
  const doc = { tenant: detail.tenant, docId: detail.docId };
  const editWindowMs = Number(process.env.WEFT_NOTIFY_EDIT_WINDOW_MS ?? EDIT_WINDOW_MS);
  const [entries, watchers] = await Promise.all([resolveCommittedOps(detail, w.log), w.notify.watcherCache.get(doc)]);
  // A document being typed into: nothing to tell anyone, and no state to read.
  if (!batchMayNotify(entries, watchers, editWindowMs)) return { recipients: 0, intents: 0 };
  const [state, actorNames] = await Promise.all([w.docStates.read(doc), w.notify.actorNames(doc.tenant, entries.map((e) => e.userId))]);
  if (!state || state.version < detail.seqEnd) {
    throw new Error(`notify: ${doc.tenant}/${doc.docId} is materialized to ${state?.version ?? 0}, below the event's seqEnd ${detail.seqEnd}; retry later`);
  }
  const { intents, touched, removed } = intentsOfBatch({
    tenant: doc.tenant,
    docId: doc.docId,
    entries,
    state,
    watchers,
    editWindowMs,
    actorNames,
  });
  // An editor's edit notice goes out once per window: consumers of other batches of the document
  // may be deciding the same editor's notice right now, and only the one whose claim lands sends it
  // (a retry of this batch claims with the same time, so a submit that fails is sent on the retry).
  const editors = new Map<string, number>();
  for (const i of intents) if (i.subject?.kind === "edit" && i.actorId) editors.set(i.actorId, Math.max(i.at, editors.get(i.actorId) ?? 0));
  const lost = new Set<string>();
  for (const [editor, at] of editors) if (!(await w.notify.watcherCache.claimEditNotice(doc, editor, at, editWindowMs))) lost.add(editor);
  const toSend = lost.size === 0 ? intents : intents.filter((i) => !(i.subject?.kind === "edit" && i.actorId !== undefined && lost.has(i.actorId)));
  // Many watchers: chunks spread over the fan-out window (submitIntents); few: decided now.
  const submitted = await submitIntents(w, toSend, { jobId: `${doc.docId}.${detail.seqStart}-${detail.seqEnd}` });
  // The claims stored the editors' records; the rest (new watchers) are put.
  const rest = touched.filter((r) => !editors.has(r.userId));
  if (rest.length > 0) await w.notify.watcherCache.put(doc, rest);
  // Watchers the ACL now leaves no way to read stop being watchers (this batch already left them
  // out; any intent they still got, a mention say, carries readAccess: suppressed:permission).
  if (removed) await w.notify.watcherCache.remove(doc, removed);
  jsonLineSink({ level: "DEBUG", kind: "notify_batch", tenant: doc.tenant, docId: doc.docId, seqEnd: detail.seqEnd, intents: intents.length, ...submitted });
  return { recipients: submitted.recipients, intents: intents.length };
}
