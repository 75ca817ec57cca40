import { docKey, type DocRef } from "../doc-ref.js";
import type { LogEntry } from "../ops/types.js";
import type { Rejection } from "../ports/records.js";
import { dropGone, postAll, type FanoutDeps } from "./fanout.js";
import { packOps } from "./pack-ops.js";
import { rejectedMessage } from "./server-messages.js";

export interface BroadcastResult {
  subscribers: number;
  /** Ops messages per subscriber. */
  messages: number;
  gone: number;
}

/**
 * Delivers committed entries of one document (consecutive, ascending) to every connection
 * subscribed to it: one strongly consistent subscribers read, the entries packed once
 * (packOps), the same messages posted to each connection in order, connections in parallel.
 * Connections found gone are removed with all their subscriptions, and the others see their
 * leaves. Rejects if a post fails for another reason (the caller retries the whole document:
 * delivery is at least once).
 */
export async function broadcast(deps: FanoutDeps, doc: DocRef, entries: readonly LogEntry[]): Promise<BroadcastResult> {
  if (entries.length === 0) return { subscribers: 0, messages: 0, gone: 0 };
  const subs = await deps.connections.subscribers(doc);
  if (subs.length === 0) return { subscribers: 0, messages: 0, gone: 0 };
  const messages = packOps(doc.docId, entries);
  const gone = await postAll(deps.gateway, subs.map((s) => ({ connectionId: s.connectionId, messages })));
  await dropGone(deps, gone, doc, new Map([[docKey(doc), subs]]));
  return { subscribers: subs.length, messages: messages.length, gone: gone.length };
}

/**
 * Tells each rejected op's submitter, on that user's connections subscribed to the document,
 * `{"type":"rejected","docId","id","reason"}`. Best effort by design (the receipt API is the
 * authority); the sequencer calls it after the rejections are stored.
 */
export async function notifyRejected(deps: FanoutDeps, doc: DocRef, rejections: readonly Rejection[]): Promise<number> {
  if (rejections.length === 0) return 0;
  const byUser = new Map<string, string[]>();
  for (const r of rejections) {
    const list = byUser.get(r.userId) ?? [];
    list.push(rejectedMessage(doc.docId, r.opId, r.reason));
    byUser.set(r.userId, list);
  }
  const targets = (await deps.connections.subscribers(doc))
    .filter((s) => byUser.has(s.userId))
    .map((s) => ({ connectionId: s.connectionId, messages: byUser.get(s.userId)! }));
  const gone = await postAll(deps.gateway, targets);
  await dropGone(deps, gone, doc);
  return targets.length;
}
