import type { DocAcl } from "../access/doc-acl.js";
import type { DocRef } from "../doc-ref.js";
import type { LogEntry, Op } from "../ops/types.js";

/** A change as the ingest API accepted it: the unit the inbox stores and the sequencer consumes. */
export interface InboxChange {
  doc: DocRef;
  clientId: string;
  userId: string;
  /** The sender's `groups` claim (absent when none): the sequencer judges group ACL entries with it. */
  groups?: string[];
  /** Set when the sender is a tenant admin (`role: "admin"`): acts as owner on every document. */
  admin?: boolean;
  base: number;
  /** Client seq of the first and last op (ops are consecutive). */
  firstSeq: number;
  lastSeq: number;
  ops: Op[];
  /** Server time of acceptance (ms); accept -> commit lag is measured from it. */
  acceptedAt: number;
  /** How many of the ops carried a client `ts` more than 5 minutes from server time. */
  skewed: number;
  /**
   * Set on a change too large for one stored item: the firstSeqs of the continuation parts
   * that hold the rest of its ops, in order (see ingest/inbox-parts.ts).
   */
  parts?: number[];
  /** Set on a continuation part: the firstSeq of the change it belongs to. */
  partOf?: number;
}

/** A wake-up written to the inbox so the sequencer re-examines a document whose hold window expired. */
export interface InboxWake {
  doc: DocRef;
  dueAt: number;
}

/** One record of the inbox stream, as the sequencer sees it. */
export type InboxRecord = { kind: "change"; change: InboxChange } | { kind: "wake"; wake: InboxWake };

/** A client's progress through its own op sequence for one document. */
export interface ClientProgress {
  clientId: string;
  /** The next client seq the sequencer expects (1 for a new client). */
  next: number;
  /** Seq ranges given up so far (see ClientState.skipped); carried so a crash cannot forget them. */
  skipped?: Array<[number, number]>;
}

/** A change that arrived ahead of a gap in its client's seqs and waits in the inbox. */
export interface HeldChange {
  firstSeq: number;
  lastSeq: number;
  /** Server ms when it was first held; the hold window counts from here. */
  heldAt: number;
}

export interface ClientState extends ClientProgress {
  held: HeldChange[];
  /** Client seq ranges [from, to] given up when a hold window expired (most recent last, bounded). */
  skipped: Array<[number, number]>;
}

/**
 * One committed batch of consecutive log entries for one document. `seqStart..seqEnd`
 * are the entries' seqs; `lenAfter` is the text length (code points) after the batch;
 * `clients` is every client's progress after the batch (for those with ops in it).
 */
export interface LogBatch {
  doc: DocRef;
  seqStart: number;
  seqEnd: number;
  entries: LogEntry[];
  lenAfter: number;
  clients: ClientProgress[];
  committedAt: number;
  /**
   * On a batch holding acl entries (and seqStart > 1): the document's ACL as of seqStart - 1,
   * so a stream reader (the broadcaster) knows every role before and after each of them without
   * a read. Absent on other batches, and on batches written before access control.
   */
  aclBefore?: DocAcl;
  /**
   * Set by the room tier on the batches it commits: it delivers them to the document's
   * subscribers itself, from memory, right after the append, so the log stream's broadcaster
   * skips them (docs/rooms.md). Absent on batches committed by the sequencer function.
   */
  deliveredLive?: true;
  /**
   * On the committed stream only (never stored in the log): the lease the room task sequenced
   * the batch under, its `epoch` and the holder's `deadline` (the lease's expiry as the holder
   * stored it, less LEASE_MARGIN_MS), for the log writer's rules (docs/durable-order.md; core
   * log/log-writer.ts). Absent without ownership, and on batches from the sequencer function.
   */
  lease?: { epoch: number; deadline: number };
}

export interface LogHead {
  seq: number;
  len: number;
}

/** An accepted op that will never be committed, and why. */
export interface Rejection {
  opId: string;
  clientId: string;
  /** The submitter (from the change's token): who is told over the WebSocket. */
  userId: string;
  clientSeq: number;
  reason: string;
  message: string;
  at: number;
}

export type QuarantineSource = "ingest" | "sequencer" | "stream";

/** A refused payload or poison record, kept so nothing is silently lost. */
export interface QuarantineRecord {
  /** Unique id (time-sortable). */
  id: string;
  tenant: string;
  at: number;
  source: QuarantineSource;
  /** Stable reason code (an error code or a reject reason). */
  reason: string;
  message: string;
  details?: unknown[];
  docId?: string;
  userId?: string;
  clientId?: string;
  /** Size in bytes of the original payload. */
  size: number;
  /** The payload as received (UTF-8), cut to at most QUARANTINE_SAMPLE_BYTES when larger. */
  payload: string;
  truncated: boolean;
}
