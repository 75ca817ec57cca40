import type { IncomingMessage, ServerResponse } from "node:http";
import { DOC_ID_PATTERN, MAX_BODY_BYTES, OwnerUnreachable, type Principal, type RoomSequencer } from "@weft/core";
import { clientErrorOf, errorBody, HTTP_STATUS } from "../http/error-response.js";
import { FORWARD_PATH } from "./change-forwarder.js";
import { privatePostRoute } from "./private-post-route.js";

/** A forward's body at most: a whole change as a JSON string (escapes can double it) plus the envelope. */
const MAX_FORWARD_BYTES = 2 * MAX_BODY_BYTES + 16 * 1024;

/**
 * The private route other tasks forward changes to (`POST /rooms/submit`, change-forwarder.ts):
 * `{who, doc, change}` goes through `sequencer.submitForwarded` (the same ingest as a submit
 * on this task's sockets, with `who`'s identity as the forwarding task verified its token) and
 * the answer is 200 `{results}` or the ops API's error body with its status. Before the task is wired, or when it does not
 * hold the document's lease, 503 with no body (the forwarder then reads the lease again). A body that is not such a forward: 400
 * `invalid_request`; over MAX_FORWARD_BYTES: 413 `payload_too_large`. Returns false for
 * other paths.
 */
export function forwardedSubmitApi(sequencer: () => RoomSequencer | undefined): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return privatePostRoute(FORWARD_PATH, MAX_FORWARD_BYTES, "a forwarded change", sequencer, async (raw, room) => {
    const forward = forwardOf(raw);
    if (typeof forward === "string") return { status: 400, body: errorBody("invalid_request", forward) };
    try {
      return { status: 200, body: { results: await room.submitForwarded(forward.who, forward.doc, forward.change) } };
    } catch (err) {
      // Not this task's document (any more): the forwarding task reads the lease again.
      if (err instanceof OwnerUnreachable) return { status: 503 };
      const e = clientErrorOf(err);
      return { status: HTTP_STATUS[e.code], body: errorBody(e.code, e.message, e.details) };
    }
  });
}

/** The forward in `raw`, or what is wrong with it. */
function forwardOf(raw: Buffer): { who: Principal; doc: { tenant: string; docId: string }; change: string } | string {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString("utf8"));
  } catch {
    return "the body is not JSON";
  }
  const v = value as { who?: Record<string, unknown>; doc?: Record<string, unknown>; change?: unknown } | null;
  const who = v?.who;
  if (typeof who !== "object" || who === null || typeof who.tenant !== "string" || typeof who.userId !== "string" || typeof who.admin !== "boolean") {
    return "who must be the caller's identity: {tenant, userId, admin, ...}";
  }
  if (who.groups !== undefined && !(Array.isArray(who.groups) && who.groups.every((g) => typeof g === "string"))) return "who.groups must be strings";
  if (who.expiresAt !== undefined && typeof who.expiresAt !== "number") return "who.expiresAt must be epoch ms";
  if (who.service !== undefined && typeof who.service !== "boolean") return "who.service must be a boolean";
  const doc = v?.doc;
  if (typeof doc !== "object" || doc === null || doc.tenant !== who.tenant || typeof doc.docId !== "string" || !DOC_ID_PATTERN.test(doc.docId)) {
    return "doc must be {tenant, docId} in the caller's tenant";
  }
  if (typeof v?.change !== "string") return "change must be the submitted change as a JSON string";
  const principal: Principal = {
    tenant: who.tenant,
    userId: who.userId,
    admin: who.admin,
    ...(typeof who.name === "string" ? { name: who.name } : {}),
    ...(who.groups ? { groups: who.groups as string[] } : {}),
    ...(who.expiresAt !== undefined ? { expiresAt: who.expiresAt as number } : {}),
    ...(who.service !== undefined ? { service: who.service as boolean } : {}),
  };
  return { who: principal, doc: { tenant: doc.tenant as string, docId: doc.docId }, change: v.change };
}
