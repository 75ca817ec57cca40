import type { DocRef } from "../doc-ref.js";
import { logRange } from "../materialize/log-range.js";
import { mayUncomment, type DocState } from "../materialize/state.js";
import type { AclRole, LogEntry } from "../ops/types.js";
import type { LogStore } from "../ports/log-store.js";

/**
 * Reads materialized document states: `DocStates.read` (materialize/doc-states.ts). A state
 * may trail the log; the gate replays the log from its version on.
 */
export interface StateReader {
  read(doc: DocRef, version?: number): Promise<DocState | undefined>;
}

export interface UncommentGateDeps {
  log: LogStore;
  /** Optional: without it the first owner check of a run replays every acl entry of the log. */
  states?: StateReader;
}

type Role = Exclude<AclRole, "none">;

/**
 * Who may commit an `uncomment`: the author of the comment it names, or a user whose role is
 * `owner` right before the op (the same rule as the materializer, `mayUncomment`). An op naming
 * no comment of that thread (unknown id, an id of another op type or thread) may be committed by
 * anyone: it changes nothing. A comment already deleted still has its author (its `comment`
 * entry stays in the log), so only the author or an owner may send a repeat, which then changes
 * nothing.
 *
 * One gate per sequencing run (DocRun). Reads only when a run holds an uncomment: the comment's
 * entry when the run has not read it (LogStore.findOp + one entry), and, only when the sender is
 * not the author, the roles as of the log head before the run (a materialized state plus the log
 * after it, or the whole log without `states`), read once per run.
 */
export class UncommentGate {
  /** Roles as of `aclSeq`: the log head before the run, then the entries the run decided. */
  private acl: Map<string, Role> | undefined;
  private aclSeq = 0;

  constructor(
    private readonly deps: UncommentGateDeps,
    private readonly doc: DocRef,
    /** Seq of the last entry in the log when the run started. */
    private readonly logHead: number,
  ) {}

  /**
   * The message for the first of `entries` that its author may not commit, or undefined when all
   * may. `entries`: one change's entries, consecutive seqs right after `decided`. `decided`: the
   * entries this run will commit before them, consecutive from logHead + 1. `recent`: log entries
   * the run has read (consecutive, ending at logHead; may be empty).
   */
  async denied(entries: readonly LogEntry[], decided: readonly LogEntry[], recent: readonly LogEntry[]): Promise<string | undefined> {
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      if (e.type !== "uncomment") continue;
      const before = entries.slice(0, i);
      const author = await this.authorOf(e.threadId, e.commentId, [recent, decided, before]);
      if (author === undefined || author === e.userId) continue;
      const role = await this.roleOf(e.userId, decided, before, recent);
      if (!mayUncomment(author, e.userId, role)) {
        return `op ${e.id}: only the comment's author or a document owner may delete comment ${e.commentId}; ${e.userId} has ${role === undefined ? "no role" : `the ${role} role`}`;
      }
    }
    return undefined;
  }

  /** The author of comment `commentId` in thread `threadId`, or undefined when there is no such comment. */
  private async authorOf(threadId: string, commentId: string, known: readonly (readonly LogEntry[])[]): Promise<string | undefined> {
    for (const list of known) {
      const hit = list.find((x) => x.id === commentId);
      if (hit) return commentAuthor(hit, threadId);
    }
    const found = await this.deps.log.findOp(this.doc, commentId);
    if (!found || found.seq > this.logHead) return undefined;
    const [entry] = await this.deps.log.entries(this.doc, found.seq - 1, 1);
    return entry?.id === commentId ? commentAuthor(entry, threadId) : undefined;
  }

  /** `userId`'s role right before `before` (this change's earlier entries) apply. */
  private async roleOf(userId: string, decided: readonly LogEntry[], before: readonly LogEntry[], recent: readonly LogEntry[]): Promise<Role | undefined> {
    for (let k = before.length - 1; k >= 0; k--) {
      const e = before[k];
      if (e.type === "acl" && e.targetUserId === userId) return e.role === "none" ? undefined : e.role;
    }
    const acl = (this.acl ??= await this.rolesAtLogHead(recent));
    for (const e of decided) {
      if (e.seq <= this.aclSeq) continue;
      foldAcl(acl, e);
      this.aclSeq = e.seq;
    }
    return acl.get(userId);
  }

  /** Roles as of logHead; `recent` (when it ends at logHead) saves reading its part of the log. */
  private async rolesAtLogHead(recent: readonly LogEntry[]): Promise<Map<string, Role>> {
    let state: DocState | undefined;
    if (this.deps.states && this.logHead > 0) {
      state = await this.deps.states.read(this.doc);
      // A state newer than this run's head (a racing run committed): read it as of the head.
      if (state && state.version > this.logHead) state = await this.deps.states.read(this.doc, this.logHead);
    }
    const acl = new Map<string, Role>(Object.entries(state?.acl ?? {}));
    const from = state?.version ?? 0;
    const have = recent.at(-1)?.seq === this.logHead ? recent.filter((e) => e.seq > from) : [];
    const upTo = have.length > 0 ? have[0].seq - 1 : this.logHead;
    const read = from < upTo ? await logRange(this.deps.log, this.doc, from, upTo) : [];
    for (const e of read) foldAcl(acl, e);
    for (const e of have) foldAcl(acl, e);
    this.aclSeq = this.logHead;
    return acl;
  }
}

function commentAuthor(entry: LogEntry, threadId: string): string | undefined {
  return entry.type === "comment" && entry.threadId === threadId ? entry.userId : undefined;
}

/** An acl entry's effect on the roles, as the materializer applies it. */
function foldAcl(acl: Map<string, Role>, e: LogEntry): void {
  if (e.type !== "acl") return;
  if (e.role === "none") acl.delete(e.targetUserId);
  else acl.set(e.targetUserId, e.role);
}
