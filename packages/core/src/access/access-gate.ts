import type { DocRef } from "../doc-ref.js";
import { REJECT_REASONS, type RejectReason } from "../errors.js";
import type { LogEntry } from "../ops/types.js";
import type { LogStore } from "../ports/log-store.js";
import { canonicalOfEntry } from "../sequencer/canonical.js";
import type { AccessPolicy } from "./access-policy.js";
import { aclAfter, aclEntries, effectiveRole, hasOwner, MAX_ACL_ENTRIES, type AccessSubject, type DocAcl } from "./doc-acl.js";
import { describeTarget, mayApply, targetOf } from "./may-apply.js";

/** Ids of the entries the sequencer commits when a change creates a document (never a client op id: `~` is outside their pattern). */
export const CREATION_OWNER_ID = "~owner";
export const CREATION_EVERYONE_ID = "~everyone";

export type GateVerdict = { ok: true; entries: LogEntry[] } | { ok: false; reason: RejectReason; message: string };

/**
 * The sequencer's access check, one per sequencing run (DocRun). It holds the document's ACL as
 * of the last entry the run decided and judges each change's entries in order, each against
 * the ACL as of the entry before it (log, earlier entries of the run, earlier entries of the
 * same change), with `mayApply` (the rule ingest uses too). A change any of whose entries is
 * refused is refused whole, and the ACL stays as it was.
 *
 * - A change that finds the document empty creates it: its author's owner entry (seq 1,
 *   authored by them, clientSeq 0) and, when the tenant's `newDocumentEveryone` is not `none`,
 *   the everyone entry come first, then the change is judged against that ACL.
 * - `last_owner`: an acl entry that would leave a document that has an owner with none.
 * - `acl_too_large`: an acl entry that would give the ACL more than MAX_ACL_ENTRIES entries.
 * - An entry whose author is a tenant admin holding no role of their own gets `override: true`.
 *
 * Reads only for an `uncomment` whose comment the run has not seen (LogStore.findOp + one entry)
 * and the tenant policy (once per run, when a new document or an editor's acl entry needs it).
 */
export class AccessGate {
  private policyRead: Promise<AccessPolicy> | undefined;

  constructor(
    private readonly deps: { log: LogStore; policy: (tenant: string) => Promise<AccessPolicy> },
    private readonly doc: DocRef,
    /** Seq of the last entry in the log when the run started. */
    private readonly logHead: number,
    /** The ACL as of the last decided entry (undefined: the document does not exist yet). */
    public acl: DocAcl | undefined,
  ) {}

  /**
   * Judges one change's `entries` (consecutive seqs; when `creating`, starting right after
   * the creation entries). `decided`: the entries this run will commit before them (asked for
   * only when an uncomment needs its comment's author); `recent`: log
   * entries the run has read (consecutive, ending at logHead; may be empty). On success returns
   * the entries to commit (creation entries first) and moves the ACL past them.
   */
  async judge(
    who: AccessSubject & { clientId: string; now: number },
    entries: readonly LogEntry[],
    creating: boolean,
    decided: () => readonly LogEntry[],
    recent: readonly LogEntry[],
  ): Promise<GateVerdict> {
    const out: LogEntry[] = creating ? await this.creationEntries(who, entries[0].seq) : [];
    let acl = out.reduce<DocAcl | undefined>((a, e) => aclAfter(a, e), this.acl);
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      const { role, override } = effectiveRole(acl, who);
      const op = canonicalOfEntry(e);
      // The author decides only for a commenter or an editor (an owner may delete any comment, a viewer none).
      const needsAuthor = e.type === "uncomment" && (role === "commenter" || role === "editor");
      const commentAuthor = needsAuthor ? await this.authorOf(e.threadId, e.commentId, [recent, decided(), out]) : undefined;
      const policy = e.type === "acl" && role === "editor" ? await this.policy() : undefined;
      const verdict = mayApply(role, op, { userId: who.userId, commentAuthor, acl, editorsCanShare: policy?.editorsCanShare ?? false });
      if (!verdict.ok) {
        return { ok: false, reason: REJECT_REASONS.forbidden, message: `op ${e.id}: ${verdict.why}; ${who.userId} has the ${role} role, it needs ${verdict.needs}` };
      }
      if (e.type === "acl") {
        const next = aclAfter(acl, e);
        if (hasOwner(acl) && !hasOwner(next)) {
          const target = describeTarget(targetOf(op as typeof op & { type: "acl" }));
          return { ok: false, reason: REJECT_REASONS.lastOwner, message: `op ${e.id}: setting ${target} to ${e.role} would leave the document with no owner` };
        }
        if (aclEntries(next) > MAX_ACL_ENTRIES) {
          return { ok: false, reason: REJECT_REASONS.aclTooLarge, message: `op ${e.id}: a document's ACL holds at most ${MAX_ACL_ENTRIES} user and group entries` };
        }
        acl = next;
      }
      out.push(override ? ({ ...e, override: true } as LogEntry) : e);
    }
    this.acl = acl;
    return { ok: true, entries: out };
  }

  /** How many entries creating the document commits before the change (1 or 2). */
  async creationCount(): Promise<number> {
    return (await this.policy()).newDocumentEveryone === "none" ? 1 : 2;
  }

  private async creationEntries(who: { userId: string; clientId: string; now: number }, firstOpSeq: number): Promise<LogEntry[]> {
    const everyone = (await this.policy()).newDocumentEveryone;
    const envelope = { clientId: who.clientId, clientSeq: 0, userId: who.userId, serverTs: who.now };
    const out: LogEntry[] = [{ ...envelope, seq: 1, id: CREATION_OWNER_ID, type: "acl", role: "owner", targetUserId: who.userId }];
    if (everyone !== "none") out.push({ ...envelope, seq: 2, id: CREATION_EVERYONE_ID, type: "acl", role: everyone, everyone: true });
    if (out.length + 1 !== firstOpSeq) throw new Error(`creation entries end at ${out.length}, the change starts at ${firstOpSeq}`);
    return out;
  }

  private policy(): Promise<AccessPolicy> {
    return (this.policyRead ??= this.deps.policy(this.doc.tenant));
  }

  /** The author of comment `commentId` in thread `threadId`; null when there is no such comment. */
  private async authorOf(threadId: string, commentId: string, known: readonly (readonly LogEntry[])[]): Promise<string | null> {
    for (const list of known) {
      const hit = list.find((x) => x.id === commentId);
      if (hit) return commentAuthor(hit, threadId);
    }
    const found = await this.deps.log.findOp(this.doc, commentId);
    if (!found || found.seq > this.logHead) return null;
    const [entry] = await this.deps.log.entries(this.doc, found.seq - 1, 1);
    return entry?.id === commentId ? commentAuthor(entry, threadId) : null;
  }
}

function commentAuthor(entry: LogEntry, threadId: string): string | null {
  return entry.type === "comment" && entry.threadId === threadId ? entry.userId : null;
}
