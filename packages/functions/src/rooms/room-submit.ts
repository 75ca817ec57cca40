import { DOC_ID_PATTERN, WeftError, type Principal, type RoomSequencer } from "@weft/core";
import type { HttpAccessAudit } from "../http/access-audit.js";
import { clientErrorOf } from "../http/error-response.js";

/** Longest `ref` a submit may carry (echoed in the answer). */
export const MAX_SUBMIT_REF = 64;

/**
 * One `submit` message (docs/protocol.md, "The room tier"): the change goes through the room's
 * group commit, and the answer is the message to send back: `submitted` once the change is
 * decided, or an `error` with the code `POST /v1/docs/{docId}/ops` would answer with (the same
 * mapping, http/error-response.ts), `ref` echoed in both. A `forbidden` refusal is recorded in the
 * audit trail as the HTTP route records its 403 (`audit.onRefused`, best effort). Never throws.
 */
export async function handleSubmit(
  sequencer: RoomSequencer,
  who: Principal,
  message: Record<string, unknown>,
  audit: Pick<HttpAccessAudit, "onRefused">,
): Promise<string> {
  const { docId, ref, change } = message;
  const validDoc = typeof docId === "string" && DOC_ID_PATTERN.test(docId) ? docId : undefined;
  const validRef = typeof ref === "string" && ref.length <= MAX_SUBMIT_REF ? ref : undefined;
  const refuse = (code: string, text: string, details: unknown[] = []) =>
    JSON.stringify({
      type: "error",
      code,
      message: text,
      ...(validDoc !== undefined ? { docId: validDoc } : {}),
      ...(validRef !== undefined ? { ref: validRef } : {}),
      ...(details.length > 0 ? { details } : {}),
    });
  if (ref !== undefined && validRef === undefined) return refuse("invalid_request", `ref must be a string of at most ${MAX_SUBMIT_REF} characters`);
  if (validDoc === undefined) return refuse("invalid_request", "docId must be a document id ([A-Za-z0-9_.-]{1,128})");
  if (typeof change !== "object" || change === null || Array.isArray(change)) {
    return refuse("invalid_request", "change must be a JSON object: the body of POST /v1/docs/{docId}/ops");
  }
  try {
    const results = await sequencer.submit(who, { tenant: who.tenant, docId: validDoc }, JSON.stringify(change));
    return JSON.stringify({ type: "submitted", docId: validDoc, ...(validRef !== undefined ? { ref: validRef } : {}), results });
  } catch (err) {
    if (err instanceof WeftError && err.code === "forbidden") {
      await audit.onRefused(who, { tenant: who.tenant, docId: validDoc }, "submit ops", err.message, err.details);
    }
    const e = clientErrorOf(err);
    return refuse(e.code, e.message, e.details);
  }
}
