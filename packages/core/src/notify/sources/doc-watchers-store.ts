import type { DocRef } from "../../doc-ref.js";
import type { WatcherActivity } from "./committed-intents.js";

/**
 * The users who edited or commented in a document, as the notify consumer saw them (users
 * with an ACL role come from the materialized state instead), with the edit-notice throttle.
 *
 * Contract:
 * - `put(doc, records)` stores each record under (doc, userId), replacing that user's record.
 *   Idempotent.
 * - `list(doc, {cursor, limit})` returns records ascending by userId (code-unit order), at
 *   most `limit`, and a cursor when more may follow; strongly consistent (a resolved put is
 *   seen). Listing page by page is how a document with many watchers is expanded in chunks.
 * - `remove(doc, userIds)` forgets those users' records (a user who lost access to the
 *   document stops being a watcher); unknown ids are skipped. Idempotent; a later `put`
 *   stores the user again.
 * - `claimEditNotice(doc, userId, at, windowMs)` sets the user's `editsNotifiedAt` to `at`
 *   (storing the user with `since` = `at` when absent) iff the stored record has no
 *   `editsNotifiedAt`, one at or before `at - windowMs`, or exactly `at` (the same claim again:
 *   a retried batch claims with the same time), atomically, and says whether it did: of
 *   concurrent claims with different times for one (document, user) inside one window at most
 *   one returns true. It is how the edit notice of one editor goes out once per window however
 *   many consumers see that editor's batches at once, and still goes out when the consumer that
 *   claimed it failed after the claim and is retried.
 * - Documents and tenants are isolated.
 */
export interface DocWatchersStore {
  put(doc: DocRef, records: WatcherActivity[]): Promise<void>;
  claimEditNotice(doc: DocRef, userId: string, at: number, windowMs: number): Promise<boolean>;
  remove(doc: DocRef, userIds: readonly string[]): Promise<void>;
  list(doc: DocRef, opts: { cursor?: string; limit: number }): Promise<{ watchers: WatcherActivity[]; cursor?: string }>;
}
