import type { Hono } from "hono";
import { WeftError, type AclReader, type ErrorDetail } from "@weft/core";
import { decisionKey, MAX_FEED_PAGE, MAX_MARK_READ_IDS, type MarkReadTarget } from "@weft/core/notify/stores/index";
import type { DecisionRecord } from "@weft/core/notify/vocabulary";
import { describe } from "@weft/core/notify/preferences/validation";
import { intParam } from "./audit.js";
import { idParam, jsonBody, objectBody, throwIfAny, userOf, type NotifyEnv, type NotifyRouteDeps } from "./notify-common.js";
import { docOfEventId, itemVisible, visibilityOf, visibleDecisions } from "./notify-visibility.js";

const DEFAULT_FEED_PAGE = 50;

/** The notification routes read documents' current ACLs too (what the caller may still see). */
export interface NotificationRouteDeps extends NotifyRouteDeps {
  acls: Pick<AclReader, "readMany">;
}

/**
 * The caller's in-app notifications (docs/api.md "Notifications"):
 * - `GET /v1/me/notifications?unread=true&cursor=&limit=` -> `{items: FeedItem[], cursor?,
 *   unreadCount}`: newest first (by updatedAt: a digest that changed comes back up), only
 *   unread ones when `unread=true`; `limit` 1..100 (default 50); `cursor` iff more may follow
 *   (pass it back with the same `unread`). 400 for a bad `unread`, `limit` or cursor.
 * - `POST /v1/me/notifications/read` `{ids: [...]}` (at most 500) or `{all: true}` ->
 *   `{read: ids}`: the ids that went from unread to read (unknown and already-read ids are
 *   skipped). Their pending fallbacks and digests are cancelled, and every live connection
 *   of the caller gets `{"type":"notification.read","ids"}` (NotifyService.markRead).
 * - `GET /v1/me/notifications/{id}/explain` -> `{id, item?, decisions}`: every decision the
 *   engine logged for that notification and for each source event of its feed item (every
 *   channel, duplicates, deferrals), oldest first, each with its reason code and policy
 *   version. 404 when there is neither an item nor a decision with that id.
 * - Documents the caller can no longer read (notify-visibility.ts): their items are left out
 *   of the feed (a page may then hold fewer than `limit`; an unread one is marked read so the
 *   count drops it) and explain answers 404 for them and leaves out their events' decisions,
 *   except for the access notices (topic `permissions`).
 */
export function registerNotificationRoutes(app: Hono<NotifyEnv>, deps: NotificationRouteDeps): void {
  // Every /v1/me/* call (this file's routes, preferences, devices: registered after this)
  // records the caller's token groups, which the engine judges group ACL entries with.
  app.use("/v1/me/*", async (c, next) => {
    await deps.notify.groupsSeen.record(c.get("who"));
    await next();
  });

  app.get("/v1/me/notifications", async (c) => {
    const user = userOf(c);
    const unread = boolParam(c.req.query("unread"), "unread");
    const limit = intParam(c.req.query("limit"), "limit", DEFAULT_FEED_PAGE, 1, MAX_FEED_PAGE);
    const cursor = c.req.query("cursor") || undefined;
    const [page, counted] = await Promise.all([
      deps.notify.feed.list(user, { unread, limit, ...(cursor ? { cursor } : {}) }),
      deps.notify.feed.unreadCount(user),
    ]);
    const v = await visibilityOf(deps.acls, c.get("who"), page.items.flatMap((i) => (i.docId !== undefined ? [i.docId] : [])));
    const items = page.items.filter((i) => itemVisible(v, i));
    let unreadCount = counted;
    // Unread items of documents the caller can no longer read are marked read when a listing
    // meets them, so the unread count stops counting what the feed never shows.
    const hiddenUnread = page.items.filter((i) => i.readAt === undefined && !itemVisible(v, i)).map((i) => i.id);
    if (hiddenUnread.length > 0) unreadCount = Math.max(0, counted - (await deps.notify.feed.markRead(user, { ids: hiddenUnread }, deps.clock.now())).length);
    return c.json({ items, ...(page.cursor ? { cursor: page.cursor } : {}), unreadCount });
  });

  app.post("/v1/me/notifications/read", async (c) => {
    const target = markReadTarget(await jsonBody(c));
    const read = await deps.notify.service.markRead(userOf(c), target);
    return c.json({ read });
  });

  app.get("/v1/me/notifications/:id/explain", async (c) => {
    const user = userOf(c);
    const id = idParam(c.req.param("id"), "id");
    const [found, own] = await Promise.all([deps.notify.feed.get(user, id), deps.notify.decisions.byNotification(user.tenant, user.userId, id)]);
    const byEvent = await Promise.all((found?.eventIds ?? []).map((eventId) => deps.notify.decisions.byEvent(user.tenant, user.userId, eventId)));
    const all = mergeDecisions([own, ...byEvent]);
    // Nothing about a document the caller can no longer read (but their access notices): an
    // item of one answers 404, as an unknown id does.
    const docs = all.flatMap((d) => docOfEventId(d.eventId) ?? []);
    if (found?.docId !== undefined) docs.push(found.docId);
    const v = await visibilityOf(deps.acls, c.get("who"), docs);
    const item = found && itemVisible(v, found) ? found : undefined;
    const decisions = found && !item ? [] : visibleDecisions(v, all, item);
    if (!item && decisions.length === 0) throw new WeftError("not_found", `no notification ${id}`);
    return c.json({ id, ...(item ? { item } : {}), decisions });
  });
}

/** Distinct records (by their log identity), oldest first. */
export function mergeDecisions(lists: DecisionRecord[][]): DecisionRecord[] {
  const byKey = new Map<string, DecisionRecord>();
  for (const list of lists) for (const r of list) byKey.set(decisionKey(r), r);
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

function boolParam(raw: string | undefined, name: string): boolean {
  if (raw === undefined || raw === "" || raw === "false") return false;
  if (raw === "true") return true;
  throw new WeftError("invalid_request", `${name} must be true or false`, [{ path: name, issue: `got ${JSON.stringify(raw.slice(0, 40))}` }]);
}

function markReadTarget(raw: unknown): MarkReadTarget {
  const details: ErrorDetail[] = [];
  const body = objectBody(raw, "mark-read request", ["ids", "all"], details);
  const hasIds = body.ids !== undefined;
  if (hasIds === (body.all !== undefined)) {
    details.push({ path: hasIds ? "all" : "ids", issue: "give exactly one of {ids: [...]} or {all: true}" });
  } else if (!hasIds && body.all !== true) {
    details.push({ path: "all", issue: `expected true, got ${describe(body.all)}` });
  } else if (hasIds) {
    if (!Array.isArray(body.ids)) details.push({ path: "ids", issue: `expected an array of notification ids, got ${describe(body.ids)}` });
    else if (body.ids.length > MAX_MARK_READ_IDS) details.push({ path: "ids", issue: `${body.ids.length} ids; at most ${MAX_MARK_READ_IDS} per call` });
    else {
      body.ids.forEach((id, i) => {
        if (typeof id !== "string" || id.length === 0 || id.length > 256) details.push({ path: `ids[${i}]`, issue: `expected a notification id of 1..256 characters, got ${describe(id)}` });
      });
    }
  }
  throwIfAny("mark-read request", details);
  return hasIds ? { ids: body.ids as string[] } : { all: true };
}
