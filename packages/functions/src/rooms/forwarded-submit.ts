import type { IncomingMessage, ServerResponse } from "node:http";
import { DOC_ID_PATTERN, MAX_BODY_BYTES, type Principal, type RoomSequencer } from "@weft/core";
import { clientErrorOf, errorBody, HTTP_STATUS } from "../http/error-response.js";
import { FORWARD_PATH } from "./change-forwarder.js";
import { readLimited } from "./connections-api.js";

/** A forward's body at most: a whole change as a JSON string (escapes can double it) plus the envelope. */
const MAX_FORWARD_BYTES = 2 * MAX_BODY_BYTES + 16 * 1024;

/**
 * The private route other tasks forward changes to (`POST /rooms/submit`, change-forwarder.ts):
 * `{who, doc, change}` goes through `sequencer.submitForwarded` (the same ingest as a submit
 * on this task's sockets, with `who`'s identity as the forwarding task verified its token) and
 * the answer is 200 `{results}` or the ops API's error body with its status. Before the task is wired, 503 with no body (the
 * forwarder then sequences the change itself). A body that is not such a forward: 400
 * `invalid_request`; over MAX_FORWARD_BYTES: 413 `payload_too_large`. Returns false for
 * other paths.
 */
export function forwardedSubmitApi(sequencer: () => RoomSequencer | undefined): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    if ((req.url ?? "/").split("?")[0] !== FORWARD_PATH) return false;
    if (req.method !== "POST") {
      req.resume();
      return reply(res, 404, errorBody("not_found", `${FORWARD_PATH} takes POST only`));
    }
    const raw = await readLimited(req, MAX_FORWARD_BYTES);
    if (raw === undefined) return reply(res, 413, errorBody("payload_too_large", `a forwarded change is at most ${MAX_FORWARD_BYTES} bytes`));
    const room = sequencer();
    if (!room) return reply(res, 503, undefined);
    const forward = forwardOf(raw);
    if (typeof forward === "string") return reply(res, 400, errorBody("invalid_request", forward));
    try {
      const results = await room.submitForwarded(forward.who, forward.doc, forward.change);
      return reply(res, 200, { results });
    } catch (err) {
      const e = clientErrorOf(err);
      return reply(res, HTTP_STATUS[e.code], errorBody(e.code, e.message, e.details));
    }
  };
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

function reply(res: ServerResponse, status: number, body: unknown): true {
  if (body === undefined) {
    res.writeHead(status, { "content-length": 0 }).end();
    return true;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text);
  return true;
}
