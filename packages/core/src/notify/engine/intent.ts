import { z } from "zod";
import { DOC_ID_PATTERN, TENANT_ID_PATTERN } from "../../doc-ref.js";
import { utf8Length } from "../../live/utf8.js";
import { knownTopics, type TenantPolicy } from "../preferences/tenant-policy.js";
import { describe, expected, inFieldOrder, invalid, isRecord, zodDetails } from "../preferences/validation.js";
import { NOTIFICATION_CLASSES, type NotificationClass } from "../vocabulary.js";
import { clampJsonText } from "./json-text.js";
import { ENGINE_LIMITS, INTENT_LIMITS } from "./limits.js";
import type { PendingItem } from "./state.js";

/**
 * One source event already expanded to ONE recipient: what the engine decides about. The
 * fan-out (document events) and POST /v1/notify produce them; `parseNotifyIntent` is their
 * gate (the engine itself trusts its input's shape).
 */
export interface NotifyIntent {
  tenant: string;
  /** The source event's id: the same event for the same user is decided once. */
  eventId: string;
  userId: string;
  class: NotificationClass;
  topic: string;
  /** Who caused it; never notified about it. */
  actorId?: string;
  docId?: string;
  /** What it is about (the comment, the task...), so a digest can drop it once it is deleted. */
  subject?: { kind: string; id: string };
  title: string;
  body: string;
  url?: string;
  data?: Record<string, unknown>;
  /** Server ms of the source event. */
  at: number;
  /**
   * Whether the recipient may read `docId`, as the source saw the document's ACL (set by the
   * document source and by POST /v1/notify with `{docId}`, from the ACL they read once per
   * document; never taken from a request body): `true` when their own user entry or the
   * everyone entry grants read; otherwise the groups whose entries grant read, so they may read
   * only as a member of one of them (empty: they cannot read). The engine judges the groups
   * with the recipient's groups as last seen (EngineContext.groups). Absent: not checked.
   */
  readAccess?: true | readonly string[];
}

/**
 * The subject kind of the notice that a user's access to a document changed (the document
 * source's `acl` intents): it is told even when the change took their access away, and it is
 * the one item of such a document that stays in their feed.
 */
export const ACL_SUBJECT_KIND = "acl";

export const EVENT_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
/** As tokens carry user ids (functions/src/http/auth.ts). */
export const USER_ID_PATTERN = /^[^\s#\u0000-\u001f]{1,128}$/;
const SUBJECT_KIND = /^[a-z][a-z0-9_.-]{0,31}$/;
const SUBJECT_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
// No whitespace, quotes, backslashes or angle brackets: an absolute http(s) URL or a path.
const URL_PATTERN = /^(https?:\/\/|\/)[^\s"\\<>]*$/;
// Titles are one line; bodies may have line breaks and tabs. No other control characters.
const ONE_LINE = /^[^\u0000-\u001f\u007f]*$/;
const MULTI_LINE = /^[^\u0000-\u0008\u000b-\u001f\u007f]*$/;

function pattern(re: RegExp, what: string) {
  return z.string({ error: expected(what) }).regex(re, { error: expected(what) });
}

function bytes(max: number, re: RegExp, what: string, min = 0) {
  const error = expected(`${what} of ${min}..${max} UTF-8 bytes`);
  return z
    .string({ error })
    .refine((s) => {
      const n = utf8Length(s);
      return n >= min && n <= max;
    }, { error })
    .regex(re, { error: `${what} must not contain control characters` });
}

const intentSchema = z.strictObject(
  {
    tenant: pattern(TENANT_ID_PATTERN, "a tenant id"),
    eventId: pattern(EVENT_ID_PATTERN, "an event id matching [A-Za-z0-9_.:-]{1,128}"),
    userId: pattern(USER_ID_PATTERN, "a user id"),
    class: z.enum(NOTIFICATION_CLASSES, { error: expected(NOTIFICATION_CLASSES.join(", ")) }),
    topic: z.string({ error: expected("a topic") }),
    actorId: pattern(USER_ID_PATTERN, "a user id").optional(),
    docId: pattern(DOC_ID_PATTERN, "a document id").optional(),
    subject: z
      .strictObject(
        { kind: pattern(SUBJECT_KIND, "a kind matching [a-z][a-z0-9_.-]{0,31}"), id: pattern(SUBJECT_ID, "an id matching [A-Za-z0-9_.:-]{1,128}") },
        { error: expected("a subject {kind, id}") },
      )
      .optional(),
    title: bytes(INTENT_LIMITS.titleBytes, ONE_LINE, "a title", 1),
    body: bytes(INTENT_LIMITS.bodyBytes, MULTI_LINE, "a body"),
    url: bytes(INTENT_LIMITS.urlBytes, URL_PATTERN, "an http(s) URL or a path").optional(),
    data: z.record(z.string(), z.unknown(), { error: expected("a JSON object") }).optional(),
    at: z.number({ error: expected("server ms") }).refine((v) => Number.isSafeInteger(v) && v >= 0, { error: expected("server ms") }),
  },
  { error: expected("a notify intent object") },
);

const INTENT_FIELDS = Object.keys(intentSchema.shape);

/**
 * Validates an intent; throws WeftError "invalid_request" with one detail per problem, every
 * problem at once (in the order of the fields). `topic` must be builtin or the tenant's and
 * `data` at most INTENT_LIMITS.dataBytes of JSON: checked on the raw input beside the schema,
 * each only when its value has the right type (a mistyped one has the schema's detail).
 */
export function parseNotifyIntent(input: unknown, policy: TenantPolicy): NotifyIntent {
  const parsed = intentSchema.safeParse(input);
  const details = parsed.success ? [] : zodDetails(parsed.error.issues);
  if (isRecord(input)) {
    if (typeof input.topic === "string" && !knownTopics(policy).has(input.topic)) details.push({ path: "topic", issue: `unknown topic ${describe(input.topic)}` });
    if (isRecord(input.data)) {
      let json: string | undefined;
      try {
        json = JSON.stringify(input.data);
      } catch {
        json = undefined;
      }
      if (json === undefined) details.push({ path: "data", issue: "not JSON-serializable" });
      else if (utf8Length(json) > INTENT_LIMITS.dataBytes) details.push({ path: "data", issue: `${utf8Length(json)} bytes of JSON; at most ${INTENT_LIMITS.dataBytes}` });
    }
  }
  if (!parsed.success || details.length > 0) throw invalid("notify intent", inFieldOrder(details, INTENT_FIELDS));
  return parsed.data as NotifyIntent;
}

/** The intent as a pending item (full text; `forStorage` cuts it when it is kept in the state). */
export function pendingItemOf(intent: NotifyIntent): PendingItem {
  const item: PendingItem = { eventId: intent.eventId, class: intent.class, topic: intent.topic, at: intent.at, title: intent.title, body: intent.body };
  if (intent.actorId !== undefined) item.actorId = intent.actorId;
  if (intent.docId !== undefined) item.docId = intent.docId;
  if (intent.subject !== undefined) item.subject = { kind: intent.subject.kind, id: intent.subject.id };
  if (intent.url !== undefined) item.url = intent.url;
  if (intent.data !== undefined) item.data = intent.data;
  return item;
}

/** `item` with title and body cut to their stored bounds (the same object when they fit). */
export function forStorage(item: PendingItem): PendingItem {
  const title = clampJsonText(item.title, ENGINE_LIMITS.storedTitleBytes);
  const body = clampJsonText(item.body, ENGINE_LIMITS.storedBodyBytes);
  return title === item.title && body === item.body ? item : copyItem(item, title, body, item.feedId, item.readAt, item.noted);
}

/** `item` shown in the feed item `feedId`. */
export function withFeedId(item: PendingItem, feedId: string): PendingItem {
  return copyItem(item, item.title, item.body, feedId, item.readAt, item.noted);
}

/** `item` read at `readAt`. */
export function withReadAt(item: PendingItem, readAt: number): PendingItem {
  return copyItem(item, item.title, item.body, item.feedId, readAt, item.noted);
}

/** `item` with its recorded deferral reasons `noted`. */
export function withNoted(item: PendingItem, noted: number): PendingItem {
  return copyItem(item, item.title, item.body, item.feedId, item.readAt, noted);
}

/**
 * A copy of a pending item, its fields in the order pendingItemOf and the engine give them
 * (the intent's, then feedId, readAt, noted: the engine sets feedId before either of the
 * others), so the copy's JSON reads as a spread copy's did (the service compares states as JSON).
 * Built field by field on one literal: spread copies ({ ...item, noted }) left many items with
 * a hidden class of their own, which made every read of an item's fields a megamorphic lookup.
 */
function copyItem(item: PendingItem, title: string, body: string, feedId: string | undefined, readAt: number | undefined, noted: number | undefined): PendingItem {
  const o: PendingItem = { eventId: item.eventId, class: item.class, topic: item.topic, at: item.at, title, body };
  if (item.actorId !== undefined) o.actorId = item.actorId;
  if (item.docId !== undefined) o.docId = item.docId;
  if (item.subject !== undefined) o.subject = item.subject;
  if (item.url !== undefined) o.url = item.url;
  if (item.data !== undefined) o.data = item.data;
  if (feedId !== undefined) o.feedId = feedId;
  if (readAt !== undefined) o.readAt = readAt;
  if (noted !== undefined) o.noted = noted;
  return o;
}
