import { effectiveRole, mayRead, type AccessSubject, type AclReader } from "@weft/core";
import type { DecisionRecord, FeedItem } from "@weft/core/notify/vocabulary";

/**
 * What of a user's notifications they may see now (docs/api.md "Notifications and document
 * access"): nothing about a document they can no longer read, except the notices that their
 * access changed (topic `permissions`), which name the document and who changed it.
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

/** The readability of `docIds` for `who`, one batched ACL read for those not cached. */
export async function visibilityOf(acls: Pick<AclReader, "readMany">, who: AccessSubject & { tenant: string }, docIds: Iterable<string>): Promise<Visibility> {
  const ids = [...new Set(docIds)];
  const hidden = new Set<string>();
  if (ids.length > 0) {
    const found = await acls.readMany(ids.map((docId) => ({ tenant: who.tenant, docId })));
    ids.forEach((docId, i) => {
      const acl = found[i];
      if (acl && !mayRead(effectiveRole(acl, who).role)) hidden.add(docId);
    });
  }
  return { visible: (docId) => docId === undefined || !hidden.has(docId) };
}

/** Whether a feed item is shown: not about a document the caller cannot read, or an access notice. */
export function itemVisible(v: Visibility, item: FeedItem): boolean {
  return item.topic === ACCESS_NOTICE_TOPIC || v.visible(item.docId);
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
  const own = notice && notice.topic === ACCESS_NOTICE_TOPIC ? new Set(notice.eventIds) : undefined;
  return decisions.filter((d) => own?.has(d.eventId) || v.visible(docOfEventId(d.eventId)));
}
