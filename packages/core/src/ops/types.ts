/**
 * Document operations as clients send them (`Op`) and as the log keeps them (`LogEntry`).
 * Positions and lengths count Unicode code points.
 */
export type AttrValue = string | number | boolean | null;
export type Attrs = Record<string, AttrValue>;
export type AclRole = "owner" | "editor" | "commenter" | "viewer" | "none";

interface OpBase {
  /** Client-generated, `[A-Za-z0-9_-]{1,64}`, unique within the document. */
  id: string;
  /** The client's own counter for this document: +1 per op, starting at 1. */
  seq: number;
  /** Client epoch ms; informational only (server time is the authority). */
  ts?: number;
}

export interface InsertOp extends OpBase { type: "insert"; pos: number; text: string }
export interface DeleteOp extends OpBase { type: "delete"; pos: number; len: number }
export interface FormatOp extends OpBase { type: "format"; pos: number; len: number; attrs: Attrs }
export interface CommentOp extends OpBase {
  type: "comment";
  threadId: string;
  body: string;
  mentions?: string[];
  anchor?: { pos: number; len: number };
}
export interface ReactionOp extends OpBase { type: "reaction"; threadId: string; commentId: string; emoji: string }
/**
 * Deletes comment `commentId` (the op id of the `comment` op that created it) from thread
 * `threadId`, with its reactions. Only the comment's author or a document owner may send it
 * (the sequencer rejects anyone else's with `forbidden`); a comment that is not there (never
 * was, or already deleted) makes it a no-op. See materialize/state.ts.
 */
export interface UncommentOp extends OpBase { type: "uncomment"; threadId: string; commentId: string }
export interface TaskOp extends OpBase { type: "task"; taskId: string; assignee: string; title: string; status?: string }
/**
 * Sets one ACL entry of the document: exactly one target, a user (`userId`), a group
 * (`groupId`, matched against tokens' `groups` claim) or everyone in the tenant
 * (`everyone: true`). Role `none` removes the entry. See access/doc-acl.ts and access/may-apply.ts.
 */
export interface AclOp extends OpBase { type: "acl"; role: AclRole; userId?: string; groupId?: string; everyone?: true }

export type Op = InsertOp | DeleteOp | FormatOp | CommentOp | ReactionOp | UncommentOp | TaskOp | AclOp;
export type OpType = Op["type"];
export const OP_TYPES: readonly OpType[] = ["insert", "delete", "format", "comment", "reaction", "uncomment", "task", "acl"];

/** A change: what one POST carries. The ops apply one after another on top of version `base`. */
export interface Change {
  clientId: string;
  base: number;
  ops: Op[];
}

/** A span a transform may split: the exact pieces, in the coordinates before the op, ascending. */
export interface Range { pos: number; len: number }

type Canonical<T extends Op> = Omit<T, "seq" | "id">;

/**
 * A committed op, exactly as the log and the HTTP/WS APIs return it. `userId` is always the
 * author (from the token); for `acl` the op's own `userId` becomes `targetUserId`.
 * `delete` and `format` entries whose span was split by concurrent inserts carry `ranges`
 * (the exact pieces); `pos`/`len` then span from the first piece's start to the last piece's end.
 */
export type LogEntry = {
  seq: number;
  id: string;
  clientId: string;
  /** The client's seq of the op; 0 on entries the sequencer made for the author (a new document's first acl entries). */
  clientSeq: number;
  userId: string;
  serverTs: number;
  /** Set when the author is a tenant admin acting on a document they hold no role on (audited as an override). */
  override?: true;
} & (
  | Canonical<InsertOp>
  | (Canonical<DeleteOp> & { ranges?: Range[] })
  | (Canonical<FormatOp> & { ranges?: Range[] })
  | Canonical<CommentOp>
  | Canonical<ReactionOp>
  | Canonical<UncommentOp>
  | Canonical<TaskOp>
  | AclEntryFields
);

/**
 * An acl entry's fields: `userId` is the entry's author like on every entry, so the target the
 * op names is carried as `targetUserId` (the op's `userId`), `targetGroupId` (its `groupId`) or
 * `everyone: true`: exactly one of the three.
 */
export type AclEntryFields = { type: "acl"; role: AclRole; targetUserId?: string; targetGroupId?: string; everyone?: true };

type Fields<T extends Op> = Omit<T, "seq" | "id" | "ts">;

/**
 * An op's canonical fields: what transforms act on and what a log entry carries besides
 * its envelope (no id, seq or client ts). A `delete`/`format` whose span was split by
 * concurrent inserts carries `ranges` (the exact pieces, ascending, non-overlapping, each
 * len >= 1, in the coordinates of the state it applies to); its `pos`/`len` then cover
 * first piece start .. last piece end. Without `ranges` the op acts on `pos`..`pos+len`.
 */
export type CanonicalOp =
  | Fields<InsertOp>
  | (Fields<DeleteOp> & { ranges?: Range[] })
  | (Fields<FormatOp> & { ranges?: Range[] })
  | Fields<CommentOp>
  | Fields<ReactionOp>
  | Fields<UncommentOp>
  | Fields<TaskOp>
  | Fields<AclOp>;
