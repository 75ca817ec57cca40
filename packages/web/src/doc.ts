import { emptyState } from "./core.js";
import type { AclRole, DocState } from "@weft/core";
import { DocSync, type DocEvents } from "./doc-sync.js";
import { aclOp, commentOp, deleteOps, formatOps, insertOps, uncommentOp, type CommentOptions, type ShareTarget } from "./edits/build.js";
import type { PresencePeer } from "./types.js";

export type { DocEvents };

/**
 * One document: the local view with edit methods, the committed state, the caller's role,
 * presence and events. The machinery (loading, subscribing, receiving, sending, revocation)
 * is DocSync's (doc-sync.ts).
 */
export class WeftDoc extends DocSync {
  /** The local view: committed text plus unsent edits. */
  get text(): string {
    return this.engine?.text ?? "";
  }

  /** Last server seq applied. */
  get version(): number {
    return this.engine?.version ?? 0;
  }

  /** The last committed state (text, spans, threads, tasks, acl). */
  get state(): DocState {
    return this.engine?.state ?? emptyState();
  }

  /** Other subscribers' presence by connection id. */
  get presence(): Map<string, PresencePeer> {
    return new Map(this.presenceState.peers);
  }

  /**
   * The caller's effective role on the document (owner > editor > commenter > viewer > none), as
   * the server last reported it; `owner` until it did (a document with no committed entry is
   * created by its first change, whose author becomes owner). A `role` event tells a change;
   * `none` comes with `revoked`.
   */
  get role(): AclRole {
    return this.access.role;
  }

  /** Local ops not yet committed (in flight + pending). */
  get pending(): number {
    return this.engine?.unsent ?? 0;
  }

  /** Inserts `text` at `pos` (code points). Returns the ids of the ops carrying it. */
  insert(pos: number, text: string): string[] {
    return this.local(insertOps(pos, text, this.loaded().length));
  }

  delete(pos: number, len: number): string[] {
    return this.local(deleteOps(pos, len, this.loaded().length));
  }

  format(pos: number, len: number, attrs: Record<string, string | number | boolean | null>): string[] {
    return this.local(formatOps(pos, len, attrs, this.loaded().length));
  }

  comment(threadId: string, body: string, opts?: CommentOptions): string[] {
    return this.local([commentOp(threadId, body, opts, this.loaded().length)]);
  }

  /**
   * Deletes comment `commentId` (the id `comment` returned) from thread `threadId`, with its
   * reactions. Only its author or a document owner may: anyone else's is rejected (a `rejected`
   * event with reason `forbidden`). Deleting a comment that is already gone changes nothing.
   * `state` shows the deletion once committed. Returns the op's id.
   */
  deleteComment(threadId: string, commentId: string): string[] {
    return this.local([uncommentOp(threadId, commentId)]);
  }

  /**
   * Gives `target` a role on the document: a user id, `{groupId}` (matched against tokens'
   * `groups` claim) or `{everyone: true}` (everyone in the tenant); role `none` removes the
   * entry. Owners may share; editors only when the tenant's policy lets them (roles up to
   * editor, never an owner's entry): the server decides that (a `rejected` event). Returns the
   * acl op's id; `state.acl` shows the entry once committed.
   */
  share(target: ShareTarget, role: AclRole): string[] {
    return this.local([aclOp(target, role)]);
  }

  /** Sets our presence (throttled; null = leave). */
  setPresence(state: Record<string, unknown> | null): void {
    this.presenceState.set(state);
  }

  on<K extends keyof DocEvents>(event: K, fn: (value: DocEvents[K]) => void): () => void {
    return this.events.on(event, fn);
  }

  /** Resolves when every local op is committed and applied (rejects if the document is closed first). */
  whenSynced(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.checkSynced();
    });
  }

  /** Unsubscribes and stops sending; the outbox stays in storage for the next session. */
  close(): void {
    void this.closeAndFlush();
  }
}
