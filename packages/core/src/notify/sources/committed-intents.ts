import { textPrefix, type DocState } from "../../materialize/state.js";
import type { LogEntry } from "../../ops/types.js";
import { memberRole, type DocAcl } from "../../access/doc-acl.js";
import { mayRead } from "../../access/may-apply.js";
import { ACL_SUBJECT_KIND, type NotifyIntent } from "../engine/intent.js";

/** What the notify consumer remembers about a document's active users (see DocWatchersStore). */
export interface WatcherActivity {
  userId: string;
  /** Server ms of the user's first edit or comment seen. */
  since: number;
  /** Server ms at which the others were last told about this user's edits (the edit throttle). */
  editsNotifiedAt?: number;
}

export interface BatchSource {
  tenant: string;
  docId: string;
  /** The committed batch, in seq order. */
  entries: LogEntry[];
  /** The document's materialized state after the batch (threads, tasks, ACL, text for the title). */
  state: DocState;
  /** Users who edited or commented before this batch (activity watchers), by userId. */
  watchers: ReadonlyMap<string, WatcherActivity>;
  /** One "edited" notification per (document, editor) per this window at most. */
  editWindowMs: number;
  /** Display names of the batch's users (the app's identity sync); a user without one is named by id. */
  actorNames?: ReadonlyMap<string, string>;
}

export interface BatchIntents {
  intents: NotifyIntent[];
  /** Watcher records to store: new active users, and editors whose edit notification went out now. */
  touched: WatcherActivity[];
  /** Activity watchers to forget: the ACL after the batch leaves them no way to read (absent when none). */
  removed?: string[];
}

const BODY_CHARS = 280;
const TITLE_CHARS = 60;

/**
 * The notifications a committed batch causes, one intent per (source op, recipient); the
 * engine then decides each per user. Pure.
 *
 * - comment: each mentioned user (topic `mentions`); the thread's earlier participants and
 *   the document's watchers (`comments`), minus those mentioned by this comment.
 * - reaction: the comment's author (`reactions`).
 * - task: the assignee (`tasks`).
 * - acl: the affected user (`permissions`, class transactional: access changed).
 * - uncomment: nobody (a deleted comment's pending digest items drop out when the digest is
 *   rendered: the DigestResolver finds the comment gone).
 * - text edits (insert, delete, format): the watchers (`edits`), at most once per editor per
 *   `editWindowMs`; the engine's digest turns them into "Alice and 3 others edited Roadmap".
 * Watchers are the users with a user entry in the ACL plus those who edited or commented
 * (group and everyone entries name no one), less those the ACL now leaves no way to read:
 * those stop being watchers (`removed`). The actor is never a recipient of their own op.
 * Event ids are `<docId>.<seq>` (an op is committed once, so a redelivered batch yields the
 * same ids and the engine drops the duplicates).
 *
 * Access: every intent carries `readAccess` from the ACL after the batch (`state.acl`, read
 * once per batch; no read per recipient). A mention, reaction, task or comment notice for a
 * user who cannot read is still made: the engine decides it `suppressed:permission` (and drops
 * what is pending about the document), so the decision log says why they were not told.
 */
export function intentsOfBatch(src: BatchSource): BatchIntents {
  const title = docTitle(src.state, src.docId);
  const nameOf = (userId: string) => src.actorNames?.get(userId) ?? userId;
  const access = readAccessOf(src.state.acl);
  const touched = new Map<string, WatcherActivity>();
  // The watchers who may still read, built on first use (comments, edits, acl changes): the
  // users with a user entry, then the activity watchers whose access is not ruled out.
  let watchers: Set<string> | undefined;
  const watchersNow = () => {
    if (watchers) return watchers;
    watchers = new Set(Object.keys(src.state.acl.users));
    for (const userId of [...src.watchers.keys(), ...touched.keys()]) if (mayStillRead(access(userId))) watchers.add(userId);
    return watchers;
  };
  const intents: NotifyIntent[] = [];
  const base = (e: LogEntry) => ({ tenant: src.tenant, eventId: `${src.docId}.${e.seq}`, docId: src.docId, actorId: e.userId, at: e.serverTs });
  const push = (e: LogEntry, userId: string, fields: Omit<NotifyIntent, "tenant" | "eventId" | "docId" | "actorId" | "at" | "userId" | "readAccess">) => {
    if (userId !== e.userId) intents.push({ ...base(e), userId, ...fields, readAccess: access(userId) });
  };
  const activity = (e: LogEntry) => {
    if (!src.watchers.has(e.userId) && !touched.has(e.userId)) touched.set(e.userId, { userId: e.userId, since: e.serverTs });
    if (watchers && mayStillRead(access(e.userId))) watchers.add(e.userId);
  };

  const editors = new Map<string, LogEntry>();
  for (const e of src.entries) {
    switch (e.type) {
      case "comment": {
        const mentioned = new Set(e.mentions ?? []);
        const excerpt = clip(e.body, BODY_CHARS);
        const subject = { kind: "comment", id: e.id };
        for (const userId of mentioned) {
          push(e, userId, { class: "social", topic: "mentions", subject, title: `${nameOf(e.userId)} mentioned you in ${title}`, body: excerpt });
        }
        const thread = src.state.threads[e.threadId];
        const participants = new Set((thread?.comments ?? []).filter((c) => c.ts <= e.serverTs && c.id !== e.id).map((c) => c.userId));
        for (const userId of new Set([...participants, ...watchersNow()])) {
          if (!mentioned.has(userId)) push(e, userId, { class: "social", topic: "comments", subject, title: `${nameOf(e.userId)} commented on ${title}`, body: excerpt });
        }
        activity(e);
        break;
      }
      case "reaction": {
        const comment = src.state.threads[e.threadId]?.comments.find((c) => c.id === e.commentId);
        if (comment) {
          push(e, comment.userId, {
            class: "social",
            topic: "reactions",
            subject: { kind: "comment", id: comment.id },
            title: `${nameOf(e.userId)} reacted ${e.emoji} to your comment in ${title}`,
            body: clip(comment.body, BODY_CHARS),
          });
        }
        break;
      }
      case "task":
        push(e, e.assignee, {
          class: "social",
          topic: "tasks",
          subject: { kind: "task", id: e.taskId },
          title: `${nameOf(e.userId)} assigned you "${clip(e.title, TITLE_CHARS)}" in ${title}`,
          body: e.status ? `Status: ${e.status}` : "",
        });
        break;
      case "uncomment":
        break;
      case "acl":
        watchersNow(); // so that watchers who lost access by it are forgotten (`removed`)
        // Group and everyone entries name no one to tell (their members are not enumerable).
        if (e.targetUserId === undefined) break;
        push(e, e.targetUserId, {
          class: "transactional",
          topic: "permissions",
          subject: { kind: ACL_SUBJECT_KIND, id: `${src.docId}.${e.targetUserId}` },
          title: e.role === "none" ? `${nameOf(e.userId)} removed your access to ${title}` : `${nameOf(e.userId)} gave you ${e.role} access to ${title}`,
          body: "",
        });
        break;
      default:
        // insert, delete, format: one edit notice per editor per batch at most (the last op).
        editors.set(e.userId, e);
        activity(e);
    }
  }

  for (const [editor, e] of editors) {
    const last = touched.get(editor)?.editsNotifiedAt ?? src.watchers.get(editor)?.editsNotifiedAt;
    if (last !== undefined && e.serverTs < last + src.editWindowMs) continue;
    const record = touched.get(editor) ?? { ...src.watchers.get(editor)!, userId: editor };
    touched.set(editor, { ...record, editsNotifiedAt: e.serverTs });
    for (const userId of watchersNow()) {
      push(e, userId, { class: "social", topic: "edits", subject: { kind: "edit", id: `${src.docId}.${e.seq}` }, title: `${nameOf(editor)} edited ${title}`, body: "" });
    }
  }
  // Activity watchers who can no longer read (no user entry, no everyone or group entry that
  // could let them) stop being watchers. Known only once the watchers were built.
  const removed: string[] = [];
  if (watchers) {
    for (const userId of new Set([...src.watchers.keys(), ...touched.keys()])) {
      if (!mayStillRead(access(userId))) {
        removed.push(userId);
        touched.delete(userId);
      }
    }
  }
  return removed.length > 0 ? { intents, touched: [...touched.values()], removed } : { intents, touched: [...touched.values()] };
}

/**
 * How each user may read a document with `acl` (NotifyIntent.readAccess): `true` when their
 * user entry or the everyone entry grants read (core's memberRole without groups: a user id
 * such as `constructor` or `__proto__` is an ordinary id, never an inherited member), else the
 * groups whose entries grant read (one list shared by every such user; empty when none). One
 * pass over the group entries per ACL.
 */
export function readAccessOf(acl: DocAcl): (userId: string) => true | readonly string[] {
  const groups = Object.keys(acl.groups).filter((g) => mayRead(acl.groups[g]));
  return (userId) => (mayRead(memberRole(acl, { userId })) ? true : groups);
}

/**
 * `intents` with the `readAccess` of each intent about a document (one that carries one, with a
 * `docId`) rebuilt by readAccessOf from that document's ACL as `readAcl` gives it now: one read
 * per distinct document, never per recipient. For intents decided a while after they were made
 * (a queued fan-out chunk, up to the fan-out window later), so a user who lost access meanwhile
 * is judged unable to read (and one who gained it, able). A document with no ACL any more (none
 * exists) is read by nobody. Intents without `readAccess` (not about access) stay as they are.
 */
export async function withCurrentReadAccess(
  intents: readonly NotifyIntent[],
  readAcl: (doc: { tenant: string; docId: string }) => Promise<DocAcl | undefined>,
): Promise<NotifyIntent[]> {
  const docKey = (i: NotifyIntent) => `${i.tenant}\u0001${i.docId}`;
  const pending = new Map<string, Promise<((userId: string) => true | readonly string[]) | undefined>>();
  for (const i of intents) {
    if (i.readAccess === undefined || i.docId === undefined) continue;
    const key = docKey(i);
    if (!pending.has(key)) pending.set(key, readAcl({ tenant: i.tenant, docId: i.docId }).then((acl) => (acl ? readAccessOf(acl) : undefined)));
  }
  if (pending.size === 0) return intents.slice();
  const keys = [...pending.keys()];
  const found = await Promise.all(pending.values());
  const access = new Map(keys.map((k, j) => [k, found[j]]));
  return intents.map((i) => {
    if (i.readAccess === undefined || i.docId === undefined) return i;
    const of = access.get(docKey(i));
    return { ...i, readAccess: of ? of(i.userId) : [] };
  });
}

/** Whether `readAccess` leaves any way to read (a group list may match the user's groups). */
export function mayStillRead(access: true | readonly string[]): boolean {
  return access === true || access.length > 0;
}

/**
 * Whether a batch can cause any notification, from the batch and the watcher records alone
 * (no document state): false when it holds only comment deletions (uncomment, which notify
 * nobody) and text edits (insert, delete, format) whose every editor had an edit notice sent
 * within `editWindowMs` before their last op. That is what a document being typed into looks
 * like almost all the time, so the consumer skips reading the state for it.
 */
export function batchMayNotify(entries: readonly LogEntry[], watchers: ReadonlyMap<string, WatcherActivity>, editWindowMs: number): boolean {
  const lastEdit = new Map<string, number>();
  for (const e of entries) {
    if (e.type === "uncomment") continue;
    if (e.type !== "insert" && e.type !== "delete" && e.type !== "format") return true;
    lastEdit.set(e.userId, Math.max(lastEdit.get(e.userId) ?? 0, e.serverTs));
  }
  for (const [editor, at] of lastEdit) {
    const notified = watchers.get(editor)?.editsNotifiedAt;
    if (notified === undefined || at >= notified + editWindowMs) return true;
  }
  return false;
}

/** The document's display title: its first non-empty line (at most 60 characters), else its id. */
export function docTitle(state: DocState, docId: string): string {
  const head = textPrefix(state, 4 * TITLE_CHARS);
  const line = head.split("\n").find((l) => l.trim().length > 0)?.trim();
  return line ? clip(line, TITLE_CHARS) : docId;
}

function clip(s: string, max: number): string {
  const chars = Array.from(s);
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join("")}…`;
}
