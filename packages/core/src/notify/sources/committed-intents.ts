import { textPrefix, type DocState } from "../../materialize/state.js";
import type { LogEntry } from "../../ops/types.js";
import type { NotifyIntent } from "../engine/intent.js";

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
 * Watchers are the users with an ACL role plus those who edited or commented. The actor is
 * never a recipient of their own op. Event ids are `<docId>.<seq>` (an op is committed once,
 * so a redelivered batch yields the same ids and the engine drops the duplicates).
 */
export function intentsOfBatch(src: BatchSource): BatchIntents {
  const title = docTitle(src.state, src.docId);
  const nameOf = (userId: string) => src.actorNames?.get(userId) ?? userId;
  const watchers = new Set([...Object.keys(src.state.acl), ...src.watchers.keys()]);
  const touched = new Map<string, WatcherActivity>();
  const intents: NotifyIntent[] = [];
  const base = (e: LogEntry) => ({ tenant: src.tenant, eventId: `${src.docId}.${e.seq}`, docId: src.docId, actorId: e.userId, at: e.serverTs });
  const push = (e: LogEntry, userId: string, fields: Omit<NotifyIntent, "tenant" | "eventId" | "docId" | "actorId" | "at" | "userId">) => {
    if (userId !== e.userId) intents.push({ ...base(e), userId, ...fields });
  };
  const activity = (e: LogEntry) => {
    if (!src.watchers.has(e.userId) && !touched.has(e.userId)) touched.set(e.userId, { userId: e.userId, since: e.serverTs });
    watchers.add(e.userId);
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
        for (const userId of new Set([...participants, ...watchers])) {
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
        // Group and everyone entries name no one to tell (their members are not enumerable).
        if (e.targetUserId === undefined) break;
        push(e, e.targetUserId, {
          class: "transactional",
          topic: "permissions",
          subject: { kind: "acl", id: `${src.docId}.${e.targetUserId}` },
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
    for (const userId of watchers) {
      push(e, userId, { class: "social", topic: "edits", subject: { kind: "edit", id: `${src.docId}.${e.seq}` }, title: `${nameOf(editor)} edited ${title}`, body: "" });
    }
  }
  return { intents, touched: [...touched.values()] };
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
