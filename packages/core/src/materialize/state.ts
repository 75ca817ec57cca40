import { aclAfter, emptyAcl, type DocAcl } from "../access/doc-acl.js";
import type { LogEntry, Range } from "../ops/types.js";
import { checkApplicable } from "../ot/apply.js";
import { spansOf } from "../ot/text-op.js";
import { type Span, TextStore } from "./text-store.js";

/**
 * The state of a document as a pure function of its log.
 *
 * Semantics (each entry applies on top of the state left by the entry before it):
 * - insert: the text is inserted unformatted (no attrs inherited from neighbours; a client
 *   that wants inherited formatting sends a format entry). Empty text: no change.
 * - delete/format: act on the entry's pieces (`ranges` if present, else pos/len; len 0 is
 *   a no-op). Pieces are in the coordinates before the entry. Format merges its attrs into
 *   each touched span: a key overwrites, `null` removes the key.
 * - comment: appends `{id: entry id, userId, body, mentions?, ts: serverTs, reactions: {}}`
 *   to thread `threadId`, creating the thread. A comment with an `anchor` sets the thread's
 *   anchor (a later anchored comment replaces it); one without leaves it.
 * - anchors move with text like the OT transform moves them: inserts strictly inside grow
 *   an anchor, inserts at its start or end stay outside; deletes shrink it (to len 0 at the
 *   deletion point if all of it goes).
 * - reaction: adds `userId` to `reactions[emoji]` of comment `commentId` (the op id of the
 *   comment entry) in `threadId`. Idempotent: the same user reacting again with the same
 *   emoji changes nothing (there is no toggle; no op removes a reaction). A reaction to an
 *   unknown thread or comment changes nothing but the version.
 * - uncomment: removes comment `commentId` (with its reactions) from thread `threadId`; a
 *   thread left without comments is removed with its anchor (a later comment in that thread
 *   id starts a new thread). An unknown thread or comment (never there, or already removed)
 *   changes nothing but the version. Who may send one is the sequencer's decision
 *   (access/access-gate.ts): a committed entry was allowed.
 * - task: upserts `{id, assignee, title, status?, updatedBy: userId, updatedAt: serverTs}`;
 *   an entry without `status` keeps the task's previous status.
 * - acl: `acl` as access/doc-acl.ts `aclAfter` folds it: an acl entry sets its target's
 *   entry (user, group or everyone; role "none" removes it); a first entry (seq 1) that is
 *   not an acl entry starts a pre-access-control document's ACL (everyone editor, its author
 *   owner).
 * - every entry sets `version` to its seq and `updatedAt` to its serverTs.
 *
 * States are immutable values: applyEntries never changes its input.
 */
export interface DocState {
  /** Seq of the last applied entry; 0 for the empty document. */
  readonly version: number;
  readonly text: string;
  /** Maximal runs of equal formatting covering `text` in order; `attrs` omitted when empty. */
  readonly spans: readonly Span[];
  readonly threads: Readonly<Record<string, Thread>>;
  readonly tasks: Readonly<Record<string, Task>>;
  /** The ACL as of `version` (empty for the empty document). */
  readonly acl: Readonly<DocAcl>;
  /** serverTs of the last applied entry; 0 for the empty document. */
  readonly updatedAt: number;
}

export interface Thread {
  id: string;
  anchor?: Range;
  comments: Comment[];
}

export interface Comment {
  id: string;
  userId: string;
  body: string;
  mentions?: string[];
  ts: number;
  /** emoji -> user ids, sorted and unique. */
  reactions: Record<string, string[]>;
}

export interface Task {
  id: string;
  assignee: string;
  title: string;
  status?: string;
  updatedBy: string;
  updatedAt: number;
}

export type { Span };

/**
 * Text stores behind states built here. `text` and `spans` of such a state are computed
 * from the store on first read (O(document)) and then cached, so applying a small batch to
 * a 2 MiB document does not build a 2 MiB string. States from elsewhere (decodeState, a
 * literal) have no entry and get a store built from their spans once.
 */
const stores = new WeakMap<DocState, TextStore>();

export function emptyState(): DocState {
  return makeState({ version: 0, updatedAt: 0, threads: {}, tasks: {}, acl: emptyAcl() }, new TextStore());
}

/** The state after the whole log `entries` (which must start at seq 1). */
export function materialize(entries: readonly LogEntry[]): DocState {
  return applyEntries(emptyState(), entries);
}

/**
 * `state` with `entries` applied in order. Pure: returns a new state and leaves `state`
 * unchanged, also when it throws. Throws an Error when the seqs are not exactly
 * state.version+1, +2, ... (a gap, a repeat or a reordering means the caller's log read is
 * wrong, and silently skipping would corrupt the state), and a RangeError when an entry does
 * not fit the document (a committed log never has one).
 *
 * Cost: O(chunks + threads + tasks + acl entries) to copy the state's indexes, plus per
 * text entry O(chunks touched x chunk size + runs touched + anchored threads).
 */
export function applyEntries(state: DocState, entries: readonly LogEntry[]): DocState {
  if (entries.length === 0) return state;
  const text = storeOf(state).clone();
  const threads: Record<string, Thread> = { ...state.threads };
  const tasks: Record<string, Task> = { ...state.tasks };
  let acl: DocAcl = state.acl as DocAcl;
  const anchored = new Set(Object.keys(threads).filter((k) => threads[k].anchor));
  let version = state.version;
  let updatedAt = state.updatedAt;

  for (const e of entries) {
    if (e.seq !== version + 1) {
      throw new Error(`applyEntries: expected seq ${version + 1} but got ${e.seq} (entry ${e.id}); entries must be consecutive from version+1`);
    }
    const problem = checkApplicable(e, text.length);
    if (problem) throw new RangeError(`applyEntries: entry seq ${e.seq} (${e.id}) does not fit the document: ${problem}`);
    switch (e.type) {
      case "insert": {
        const len = text.length;
        text.insert(e.pos, e.text);
        const added = text.length - len;
        if (added > 0 && anchored.size > 0) moveAnchors(threads, anchored, (a) => anchorAfterInsert(a, e.pos, added));
        break;
      }
      case "delete": {
        // Descending, so each piece's pre-entry coordinates are still valid when it applies.
        if (!e.ranges) {
          text.delete(e.pos, e.len);
          if (anchored.size > 0) moveAnchors(threads, anchored, (a) => anchorAfterDelete(a, e.pos, e.len));
          break;
        }
        for (let k = e.ranges.length - 1; k >= 0; k--) {
          const r = e.ranges[k];
          text.delete(r.pos, r.len);
          if (anchored.size > 0) moveAnchors(threads, anchored, (a) => anchorAfterDelete(a, r.pos, r.len));
        }
        break;
      }
      case "format":
        for (const r of spansOf(e)) text.format(r.pos, r.len, e.attrs);
        break;
      case "comment": {
        const comment: Comment = { id: e.id, userId: e.userId, body: e.body, ts: e.serverTs, reactions: {} };
        if (e.mentions) comment.mentions = [...e.mentions];
        const prev = own(threads, e.threadId);
        const thread: Thread = { id: e.threadId, comments: [...(prev?.comments ?? []), comment] };
        const anchor = e.anchor ? { pos: e.anchor.pos, len: e.anchor.len } : prev?.anchor;
        if (anchor) thread.anchor = anchor;
        put(threads, e.threadId, thread);
        if (anchor) anchored.add(e.threadId);
        break;
      }
      case "reaction": {
        const thread = own(threads, e.threadId);
        const at = thread ? thread.comments.findIndex((c) => c.id === e.commentId) : -1;
        if (!thread || at < 0) break;
        const c = thread.comments[at];
        const users = own(c.reactions, e.emoji) ?? [];
        if (users.includes(e.userId)) break;
        const reactions = put({ ...c.reactions }, e.emoji, [...users, e.userId].sort(byCodeUnit));
        const comments = thread.comments.slice();
        comments[at] = { ...c, reactions };
        put(threads, e.threadId, { ...thread, comments });
        break;
      }
      case "uncomment": {
        const thread = own(threads, e.threadId);
        const at = thread ? thread.comments.findIndex((c) => c.id === e.commentId) : -1;
        if (!thread || at < 0) break;
        if (thread.comments.length === 1) {
          delete threads[e.threadId];
          anchored.delete(e.threadId);
          break;
        }
        const comments = thread.comments.slice();
        comments.splice(at, 1);
        put(threads, e.threadId, { ...thread, comments });
        break;
      }
      case "task": {
        const task: Task = { id: e.taskId, assignee: e.assignee, title: e.title, updatedBy: e.userId, updatedAt: e.serverTs };
        const status = e.status ?? own(tasks, e.taskId)?.status;
        if (status !== undefined) task.status = status;
        put(tasks, e.taskId, task);
        break;
      }
      case "acl":
        break;
    }
    if (e.type === "acl" || e.seq === 1) acl = aclAfter(acl, e);
    version = e.seq;
    updatedAt = e.serverTs;
  }
  return makeState({ version, updatedAt, threads, tasks, acl }, text);
}

/** Plain string order (code units), the same on every runtime and locale. */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An insert of `n` at `p`: like OT's mapAnchor, the start maps "after", the end "before". */
export function anchorAfterInsert(a: Range, p: number, n: number): Range {
  const pos = a.pos >= p ? a.pos + n : a.pos;
  const end = a.pos + a.len;
  return { pos, len: Math.max(0, (end > p ? end + n : end) - pos) };
}

/** A delete of `n` at `p`: positions inside it go to `p`. */
export function anchorAfterDelete(a: Range, p: number, n: number): Range {
  const map = (x: number) => (x <= p ? x : x >= p + n ? x - n : p);
  const pos = map(a.pos);
  return { pos, len: map(a.pos + a.len) - pos };
}

function moveAnchors(threads: Record<string, Thread>, anchored: Set<string>, move: (a: Range) => Range): void {
  for (const id of anchored) {
    const t = threads[id];
    const a = t.anchor!;
    const b = move(a);
    if (b.pos !== a.pos || b.len !== a.len) put(threads, id, { ...t, anchor: b });
  }
}

/** `obj[key]` if it is an own property (ids like `__proto__` or `toString` stay plain keys). */
function own<T>(obj: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Sets `obj[key]` as a plain own property, even for `__proto__`; returns `obj`. */
function put<T>(obj: Record<string, T>, key: string, value: T): Record<string, T> {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  return obj;
}

/**
 * The first `maxUnits` UTF-16 units of the state's text without building the whole text (a
 * 2 MiB document's `text` is a 2 MiB string; this reads one or two chunks).
 */
export function textPrefix(state: DocState, maxUnits: number): string {
  const known = stores.get(state);
  return known ? known.prefix(maxUnits) : state.text.slice(0, maxUnits);
}

function storeOf(state: DocState): TextStore {
  const known = stores.get(state);
  if (known) return known;
  const store = TextStore.fromSpans(state.spans);
  if (store.text() !== state.text) throw new Error("state.spans do not cover state.text");
  return store;
}

type Rest = Omit<DocState, "text" | "spans">;

/** A state whose `text` and `spans` are computed from `store` on first read. */
function makeState(rest: Rest, store: TextStore): DocState {
  let text: string | undefined;
  let spans: Span[] | undefined;
  const state = {
    version: rest.version,
    get text() {
      return (text ??= store.text());
    },
    get spans() {
      return (spans ??= store.spans());
    },
    threads: rest.threads,
    tasks: rest.tasks,
    acl: rest.acl,
    updatedAt: rest.updatedAt,
  };
  stores.set(state, store);
  return state;
}
