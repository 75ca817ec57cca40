import { z } from "zod";
import { DOC_ID_PATTERN } from "../doc-ref.js";
import { MAX_INT } from "../limits.js";
import { describeValue } from "../ops/schema.js";
import { MAX_PRESENCE_BYTES } from "./limits.js";
import type { LiveErrorCode } from "./server-messages.js";
import { utf8Length } from "./utf8.js";

/** A presence state: any JSON object the client chooses (cursor, selection, name...), or null = leave. */
export type PresenceState = Record<string, unknown>;

/** What a client may send over the WebSocket (routed on `action`; other fields are ignored). */
export type ClientMessage =
  | { action: "subscribe"; docId: string; after?: number }
  | { action: "unsubscribe"; docId: string }
  | { action: "presence"; docId: string; state: PresenceState | null }
  | { action: "ping" };

export type ClientAction = ClientMessage["action"];
export const CLIENT_ACTIONS: readonly ClientAction[] = ["subscribe", "unsubscribe", "presence", "ping"];

/** Why a message was refused: the `error` message's fields. */
export interface LiveError {
  code: LiveErrorCode;
  message: string;
  docId?: string;
}

export type ParsedClientMessage = { ok: true; message: ClientMessage } | { ok: false; error: LiveError };

const docIdError = (issue: { input?: unknown }) =>
  issue.input === undefined
    ? "docId: missing; expected a document id matching [A-Za-z0-9_.-]{1,128}"
    : `docId: expected a document id matching [A-Za-z0-9_.-]{1,128}, got ${describeValue(issue.input)}`;
const docId = z.string({ error: docIdError }).regex(DOC_ID_PATTERN, { error: docIdError });

const afterError = (issue: { input?: unknown }) => `after: expected an integer 0..${MAX_INT}, got ${describeValue(issue.input)}`;
const after = z
  .number({ error: afterError })
  .refine((v) => Number.isInteger(v) && v >= 0 && v <= MAX_INT, { error: afterError })
  .optional();

const stateError = (issue: { input?: unknown }) =>
  `state: expected a JSON object or null, got ${issue.input === undefined ? "nothing" : describeValue(issue.input)}`;
const state = z.custom<PresenceState | null>(
  (v) => v === null || (typeof v === "object" && !Array.isArray(v)),
  { error: stateError },
);

/** Field schemas per action (shape only; the presence size is checked after). */
const SCHEMAS = {
  subscribe: z.object({ action: z.literal("subscribe"), docId, after }),
  unsubscribe: z.object({ action: z.literal("unsubscribe"), docId }),
  presence: z.object({ action: z.literal("presence"), docId, state }),
  ping: z.object({ action: z.literal("ping") }),
} satisfies Record<ClientAction, z.ZodType>;

/**
 * Parses one WebSocket message body. Refusals carry the protocol's codes:
 * `invalid_message` (not JSON, not an object, no string `action`), `unknown_action`,
 * `invalid_request` (a bad field: docId, after, state), `payload_too_large` (presence state
 * over MAX_PRESENCE_BYTES). `docId` is echoed in the refusal when the message had a valid one.
 */
export function parseClientMessage(body: string | undefined | null): ParsedClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(body ?? "");
  } catch {
    return fail("invalid_message", "message is not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return fail("invalid_message", `message must be a JSON object, got ${describeValue(value)}`);
  }
  const fields = value as Record<string, unknown>;
  const action = fields.action;
  if (typeof action !== "string") {
    return fail("invalid_message", `action: missing or not a string (got ${describeValue(action)})`);
  }
  const validDocId = typeof fields.docId === "string" && DOC_ID_PATTERN.test(fields.docId) ? fields.docId : undefined;
  if (!(CLIENT_ACTIONS as readonly string[]).includes(action)) {
    return fail("unknown_action", `unknown action ${describeValue(action)}; expected one of ${CLIENT_ACTIONS.join(", ")}`, validDocId);
  }
  const parsed = SCHEMAS[action as ClientAction].safeParse(fields);
  if (!parsed.success) {
    return fail("invalid_request", parsed.error.issues.map((i) => i.message).join("; "), validDocId);
  }
  const message = parsed.data as ClientMessage;
  if (message.action === "presence" && message.state !== null) {
    const bytes = presenceBytes(message.state);
    if (bytes > MAX_PRESENCE_BYTES) {
      const size = bytes === Infinity ? "too deeply nested" : `${bytes} bytes`;
      return fail("payload_too_large", `state is ${size}; at most ${MAX_PRESENCE_BYTES} bytes of JSON`, validDocId);
    }
  }
  // z.object strips unknown fields: only what the protocol defines goes further.
  return { ok: true, message };
}

/** UTF-8 bytes of the state's JSON; Infinity when it is too deep to encode at all. */
function presenceBytes(state: PresenceState): number {
  try {
    return utf8Length(JSON.stringify(state));
  } catch {
    return Infinity;
  }
}

function fail(code: LiveErrorCode, message: string, docId?: string): ParsedClientMessage {
  return { ok: false, error: docId === undefined ? { code, message } : { code, message, docId } };
}
