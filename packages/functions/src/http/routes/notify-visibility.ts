import { docReadability, type AccessSubject, type AclReader } from "@weft/core";
import type { DecisionRecord, FeedItem } from "@weft/core/notify/vocabulary";

/**
 * What of a user's notifications they may see now (docs/api.md "Notifications and document
 * access"): nothing about a document they can no longer read, except the notices that their
 * access changed (topic `permissions`, made of that document's own events: isAccessNotice),
 * which name the document and who changed it.
 *
 * Judged at read time with the caller's token (their user entry, their token's groups, the
 * everyone entry; a tenant admin acts as owner, as on every document route) against the
 * current ACL through the AclReader (cached ACL_CACHE_TTL_MS, misses in one batched read), so
 * a revocation hides a document's items within that TTL. A document with no ACL (no committed
 * op: an app event id that only looks like a document event's) hides nothing.
 */
export interface Visibility {
  /** Whether the caller may see notifications about `docId` (undefined: not about a document). */
  visible(docId: string | undefined): boolean;
}

/** The topic of the access-change notices: they stay visible when the access is gone. */
export const ACCESS_NOTICE_TOPIC = "permissions";

/**
 * The readability of `docIds` for `who` (core's docReadability, as search judges: one batched
 * ACL read for those not cached): hidden are the documents whose ACL does not let them read;
 * one with no ACL hides nothing.
 */
export async function visibilityOf(acls: Pick<AclReader, "readMany">, who: AccessSubject & { tenant: string }, docIds: Iterable<string>): Promise<Visibility> {
  const ids = [...new Set(docIds)];
  const found = await docReadability(acls, who, who.tenant, ids);
  const hidden = new Set(ids.filter((_, i) => found[i] === "unreadable"));
  return { visible: (docId) => docId === undefined || !hidden.has(docId) };
}

/**
 * Whether `item` is a notice that the caller's access to its document changed: topic
 * `permissions` and every one of its events a document event (`<docId>.<seq>`) of that same
 * document. An app event (POST /v1/notify) may use the topic too, but its item is not exempt.
 * The one check of the exemption, for the feed and for explain.
 */
export function isAccessNotice(item: Pick<FeedItem, "topic" | "docId" | "eventIds">): boolean {
  const docId = item.docId;
  return (
    item.topic === ACCESS_NOTICE_TOPIC &&
    docId !== undefined &&
    item.eventIds.length > 0 &&
    item.eventIds.every((eventId) => docOfEventId(eventId) === docId)
  );
}

/** Whether a feed item is shown: not about a document the caller cannot read, or an access notice. */
export function itemVisible(v: Visibility, item: FeedItem): boolean {
  return isAccessNotice(item) || v.visible(item.docId);
}

/**
 * The document a document event's id names: `<docId>.<seq>` (docs/api.md: app events must not
 * take that shape), else undefined.
 */
export function docOfEventId(eventId: string): string | undefined {
  const m = /^([A-Za-z0-9_.-]{1,128})\.([1-9][0-9]*)$/.exec(eventId);
  return m ? m[1] : undefined;
}

/**
 * The decisions `explain` shows: those of events in documents the caller can still read, and
 * every decision about the events of `notice` (an access notice's own feed item).
 */
export function visibleDecisions(v: Visibility, decisions: DecisionRecord[], notice?: FeedItem): DecisionRecord[] {
  const own = notice && isAccessNotice(notice) ? new Set(notice.eventIds) : undefined;
  return decisions.filter((d) => own?.has(d.eventId) || v.visible(docOfEventId(d.eventId)));
}
