import type { Hono } from "hono";
import { DOC_ID_PATTERN, WeftError, type DocRef, type ErrorDetail } from "@weft/core";
import { parseNotifyIntent, type NotifyIntent } from "@weft/core/notify/engine/index";
import { describe, expected, inFieldOrder } from "@weft/core/notify/preferences/validation";
import { base64url } from "@weft/core/notify/stores/common";
import { mayStillRead, readAccessOf } from "@weft/core/notify/sources/committed-intents";
import { fanoutPolicyFromEnv, submitIntents } from "../../notify/submit.js";
import type { Wiring } from "../../wiring.js";
import { isUserId, jsonBody, objectBody, tenantPolicy, throwIfAny, type NotifyEnv, type NotifyRouteDeps } from "./notify-common.js";

/** Watchers read per page when `recipients` is `{docId}`. */
const WATCHER_PAGE = 1_000;
/** Details given at most for malformed recipient ids, and as many for repeated ones (then one counting them all). */
const MAX_RECIPIENT_DETAILS = 20;

/** submitIntents takes the process wiring (the app gets `...wiring()`), plus the ceiling. */
export interface NotifySendRouteDeps extends NotifyRouteDeps, Wiring {
  /** Most recipients one event may have; default the fan-out policy's (WEFT_NOTIFY_MAX_RECIPIENTS, else 100,000). */
  notifyMaxRecipients?: number;
}

const BODY_KEYS = ["eventId", "class", "topic", "recipients", "title", "body", "url", "data"] as const;

/**
 * `POST /v1/notify` (docs/api.md "Notifications"): an application event from the app's own back
 * end, for a tenant admin token or a service token (`role: "service"`).
 * `{eventId, class, topic, recipients: [userId, ...] | {docId}, title, body, url?, data?}`
 * -> 202 `{eventId, recipients, mode, chunks}`.
 * - Validated as a notify intent against the tenant's policy (known topic, sizes, URL form);
 *   a 400 lists every problem of the body at once, in the order of BODY_KEYS.
 * - `recipients`: 1..max distinct user ids (max: WEFT_NOTIFY_MAX_RECIPIENTS, default 100,000;
 *   over it is a 400), or `{docId}`: the document's current readers (readersOf: its user
 *   entries and the activity watchers who may still read; 404 for a document with no committed
 *   op). With `{docId}` the notification is about that document: each intent carries the
 *   recipient's `readAccess` (a reader only through a group they were not seen in is
 *   suppressed:permission), access is checked again when a digest flushes, and users viewing
 *   it get it in-app only.
 * - Each recipient gets one intent; the caller (admin tokens; not service tokens) is its actor,
 *   so an admin is never notified of their own event. The same `eventId` is decided at most
 *   once per recipient (7 days), so retrying a POST is safe.
 * - The recipients are spent from the caller's hourly sender budget (429 rate_limited over it).
 * - `mode`: "inline" (decided before answering) or "queued" (expanded in `chunks` over the
 *   fan-out window); `recipients` counts distinct recipients handed to the engine.
 */
export function registerNotifySendRoutes(app: Hono<NotifyEnv>, deps: NotifySendRouteDeps): void {
  app.post("/v1/notify", async (c) => {
    const who = c.get("who");
    const service = who.service === true;
    if (!who.admin && !service) throw new WeftError("forbidden", "POST /v1/notify needs a tenant admin or service token (role \"admin\" or \"service\")");
    const raw = await jsonBody(c);
    const details: ErrorDetail[] = [];
    const body = objectBody(raw, "notify request", BODY_KEYS, details);
    const max = maxRecipients(deps);
    const recipients = recipientsOf(body.recipients, max, details);

    const template: Record<string, unknown> = { tenant: who.tenant, userId: "recipient", at: deps.clock.now() };
    for (const key of BODY_KEYS) if (key !== "recipients" && key in body) template[key] = body[key];
    if (!service) template.actorId = who.userId;
    if (recipients && "docId" in recipients) template.docId = recipients.docId;
    let intent: NotifyIntent | undefined;
    try {
      intent = parseNotifyIntent(template, await tenantPolicy(deps, who.tenant));
    } catch (err) {
      if (!(err instanceof WeftError)) throw err;
      details.push(...err.details);
    }
    throwIfAny("notify request", inFieldOrder(details, BODY_KEYS));

    let intents: NotifyIntent[];
    if ("userIds" in recipients!) intents = recipients.userIds.map((userId) => ({ ...intent!, userId }));
    else {
      const readers = await readersOf(deps, { tenant: who.tenant, docId: recipients!.docId }, max);
      intents = [...readers].map(([userId, readAccess]) => ({ ...intent!, userId, readAccess }));
    }
    const userIds = intents.map((i) => i.userId);
    const jobId = await jobIdOf(intent!.eventId, userIds);
    const result = await submitIntents(deps, intents, { jobId, senderId: who.userId });
    return c.json({ eventId: intent!.eventId, recipients: result.recipients, mode: result.mode, chunks: result.chunks }, 202);
  });
}

function maxRecipients(deps: NotifySendRouteDeps): number {
  return deps.notifyMaxRecipients ?? fanoutPolicyFromEnv().maxRecipients;
}

/**
 * The fan-out job of this request: the same event to the same recipients is the same job (a
 * retried POST stores nothing new), the same event id to other recipients another one. `:`
 * never occurs in document ids, so these never meet the jobs of document events.
 */
async function jobIdOf(eventId: string, userIds: string[]): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode([...userIds].sort().join("\n")));
  return `app:${eventId}:${base64url(new Uint8Array(digest).slice(0, 12))}`;
}

type Recipients = { userIds: string[] } | { docId: string };

/**
 * The recipients, or undefined with their problems in `details`: over `max` ids one detail
 * (the ids are not examined), else a detail per malformed id and per repeat, at most
 * MAX_RECIPIENT_DETAILS of each kind and then one counting them all (so a huge bad list
 * cannot make a huge answer).
 */
function recipientsOf(v: unknown, max: number, details: ErrorDetail[]): Recipients | undefined {
  if (Array.isArray(v)) {
    if (v.length > max) {
      details.push({ path: "recipients", issue: `${v.length} user ids; one event may have at most ${max} (split it into several events)` });
      return undefined;
    }
    if (v.length === 0) details.push({ path: "recipients", issue: "expected at least one user id" });
    const seen = new Map<string, number>();
    let malformed = 0;
    let duplicates = 0;
    v.forEach((id, i) => {
      if (!isUserId(id)) {
        if (++malformed <= MAX_RECIPIENT_DETAILS) details.push({ path: `recipients[${i}]`, issue: `expected a user id (1..128 characters, no whitespace, # or control characters), got ${describe(id)}` });
      } else if (seen.has(id)) {
        if (++duplicates <= MAX_RECIPIENT_DETAILS) details.push({ path: `recipients[${i}]`, issue: `${JSON.stringify(id)} is listed twice (also at recipients[${seen.get(id)}])` });
      } else seen.set(id, i);
    });
    if (malformed > MAX_RECIPIENT_DETAILS) details.push({ path: "recipients", issue: `${malformed} malformed user ids in all` });
    if (duplicates > MAX_RECIPIENT_DETAILS) details.push({ path: "recipients", issue: `${duplicates} duplicate user ids in all` });
    return { userIds: v as string[] };
  }
  if (typeof v === "object" && v !== null) {
    const keys = Object.keys(v);
    for (const k of keys) if (k !== "docId") details.push({ path: `recipients.${k}`, issue: "unknown key" });
    const docId = (v as { docId?: unknown }).docId;
    if (typeof docId !== "string" || !DOC_ID_PATTERN.test(docId)) {
      details.push({ path: "recipients.docId", issue: `expected a document id matching [A-Za-z0-9_.-]{1,128}, got ${describe(docId)}` });
      return undefined;
    }
    return { docId };
  }
  details.push({ path: "recipients", issue: expected("an array of user ids or {docId}")({ input: v }) });
  return undefined;
}

/**
 * The document's current readers: every user with a user entry (each role may read), then the
 * activity watchers (DocWatchersStore, page by page) whose access the current ACL does not rule
 * out, each with the `readAccess` the engine judges (a watcher readable only through a group
 * entry is decided with their groups as last seen). The ACL is the sequencer's current one (one
 * fresh AclReader read per request, not per recipient); none: the document has no committed op
 * (404). Members of group and everyone entries who never acted in the document are not
 * enumerable, so they are not recipients.
 */
async function readersOf(deps: NotifySendRouteDeps, doc: DocRef, max: number): Promise<Map<string, true | readonly string[]>> {
  const acl = await deps.acls.read(doc, { fresh: true });
  if (!acl) throw new WeftError("not_found", `document ${doc.docId} has no committed op`);
  const access = readAccessOf(acl);
  const users = new Map<string, true | readonly string[]>(Object.keys(acl.users).map((userId) => [userId, true]));
  let cursor: string | undefined;
  do {
    const page = await deps.notify.watchers.list(doc, { limit: WATCHER_PAGE, ...(cursor !== undefined ? { cursor } : {}) });
    for (const w of page.watchers) {
      const a = access(w.userId);
      if (mayStillRead(a)) users.set(w.userId, a);
    }
    cursor = page.cursor;
    if (users.size > max) {
      throw new WeftError("invalid_request", `document ${doc.docId} has more than ${max} readers, the most one event may have`, [
        { path: "recipients.docId", issue: `over ${max} readers` },
      ]);
    }
  } while (cursor !== undefined);
  return users;
}
