import type { IncomingMessage, ServerResponse } from "node:http";
import { DOC_ID_PATTERN, OwnerUnreachable, REJECT_REASONS, docKey, type DocRef, type InboxRecord, type RejectReason, type RoomSequencer } from "@weft/core";
import { errorBody } from "../http/error-response.js";
import { RUN_PATH } from "../handlers/sequence-or-hand-off.js";
import { privatePostRoute } from "./private-post-route.js";

/** A hand-off's body at most: a stream batch of one document's inbox records (Lambda's own payload limit). */
const MAX_RUN_BYTES = 6 * 1024 * 1024;

/**
 * The private route a sequencer function hands a held document's inbox records to (`POST
 * /rooms/run`, functions/handlers/sequence-or-hand-off.ts): `{doc, records, reject?}` (records
 * as the inbox stream decoded them, each of `doc`) joins the document's next run on this task
 * (RoomSequencer.runRecords; with `reject: {reason, message}` their changes are rejected); 200 `{ok: true}` once that run is done. 503 with no body when this
 * task does not hold the document's lease or is not wired yet (the function reads the lease
 * again and retries); 400 `invalid_request` for a body that is not such a hand-off, 413
 * `payload_too_large` over MAX_RUN_BYTES, 500 when the run failed. Returns false for other paths.
 */
export function handedOffRunApi(sequencer: () => RoomSequencer | undefined): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return privatePostRoute(RUN_PATH, MAX_RUN_BYTES, "a hand-off", sequencer, async (raw, room) => {
    const run = runOf(raw);
    if (typeof run === "string") return { status: 400, body: errorBody("invalid_request", run) };
    try {
      await room.runRecords(run.doc, run.records, run.reject);
      return { status: 200, body: { ok: true } };
    } catch (err) {
      if (err instanceof OwnerUnreachable) return { status: 503 };
      return { status: 500, body: errorBody("internal", (err as Error)?.message ?? "the run failed") };
    }
  });
}

/** The hand-off in `raw`, or what is wrong with it. */
function runOf(raw: Buffer): { doc: DocRef; records: InboxRecord[]; reject?: { reason: RejectReason; message: string } } | string {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString("utf8"));
  } catch {
    return "the body is not JSON";
  }
  const v = value as { doc?: Record<string, unknown>; records?: unknown } | null;
  const doc = v?.doc;
  if (typeof doc !== "object" || doc === null || typeof doc.tenant !== "string" || typeof doc.docId !== "string" || !DOC_ID_PATTERN.test(doc.docId)) {
    return "doc must be {tenant, docId}";
  }
  const ref: DocRef = { tenant: doc.tenant, docId: doc.docId };
  if (!Array.isArray(v!.records) || v!.records.length === 0) return "records must be a non-empty array of the document's inbox records";
  for (const [i, r] of (v!.records as Array<Record<string, unknown> | null>).entries()) {
    const of = (r?.kind === "change" ? r.change : r?.kind === "wake" ? r.wake : undefined) as { doc?: DocRef; ops?: unknown } | undefined;
    if (!of || typeof of.doc !== "object" || of.doc === null || docKey(of.doc) !== docKey(ref)) return `records[${i}] must be a change or a wake of ${ref.docId}`;
    if (r!.kind === "change" && !Array.isArray(of.ops)) return `records[${i}].change.ops must be an array`;
  }
  const reject = (v as { reject?: { reason?: unknown; message?: unknown } }).reject;
  if (reject !== undefined) {
    if (typeof reject !== "object" || reject === null || !(Object.values(REJECT_REASONS) as unknown[]).includes(reject.reason)) {
      return "reject.reason must be one of the sequencer's rejection reasons";
    }
    if (typeof reject.message !== "string" || reject.message.length > 2000) return "reject.message must be a string of at most 2000 characters";
    return { doc: ref, records: v!.records as InboxRecord[], reject: { reason: reject.reason as RejectReason, message: reject.message } };
  }
  return { doc: ref, records: v!.records as InboxRecord[] };
}
