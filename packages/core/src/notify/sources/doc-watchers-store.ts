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
 * - Documents and tenants are isolated.
 */
export interface DocWatchersStore {
  put(doc: DocRef, records: WatcherActivity[]): Promise<void>;
  remove(doc: DocRef, userIds: readonly string[]): Promise<void>;
  list(doc: DocRef, opts: { cursor?: string; limit: number }): Promise<{ watchers: WatcherActivity[]; cursor?: string }>;
}
