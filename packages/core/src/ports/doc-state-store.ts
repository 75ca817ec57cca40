import type { DocRef } from "../doc-ref.js";

/**
 * Where the materializer keeps a document's state: one small head per document, a checkpoint
 * written at most every few seconds while the document is edited, and occasional snapshots of
 * the whole state (its canonical encoding, see materialize/encode.ts) keyed by version and kept
 * for history.
 *
 * The head is the only thing written between snapshots, so materializing costs one small write
 * per document and interval however large the document is; a snapshot is written every N ops
 * or M KiB of log (see materialize/snapshot-policy.ts), and a read is head + latest snapshot at
 * or below the wanted version + the log entries after it (to the log's end for the current
 * state: materialize/doc-states.ts).
 */
export interface DocHead {
  /** Seq of the last entry the stored state includes (>= 1). */
  version: number;
  /** Version of the latest snapshot (<= version); 0 when none was written yet (replay from seq 1). */
  snapshotVersion: number;
  /** UTF-8 bytes of that snapshot's encoding (0 when none). */
  snapshotBytes: number;
  /** Approximate bytes of log entries applied since that snapshot (the M KiB trigger). */
  logBytesSinceSnapshot: number;
  /** serverTs of entry `version` (the state's updatedAt). */
  updatedAt: number;
  /** Server ms when this head was written. */
  materializedAt: number;
}

export interface StoredSnapshot {
  version: number;
  /** The canonical encoding (encodeState) exactly as put. */
  encoded: string;
}

/**
 * Contract:
 * - `head(doc)` is strongly consistent: the last head written, deep-equal, or undefined.
 * - `putHead(doc, head)` writes iff there is no head yet, or the stored one is older by
 *   (version, snapshotVersion) compared in that order (equal counts as not newer, so writing
 *   the same head again succeeds). A head never goes backwards: otherwise nothing changes and
 *   the stored head comes back as `{ ok: false, current }`. Check and write are atomic.
 * - `putSnapshot(doc, version, encoded)` (version >= 1, any string up to tens of MiB: adapters
 *   split and compress as they need) stores the snapshot of that version, replacing one stored
 *   before at the same version. Snapshots of other versions are kept (history).
 * - `snapshot(doc, atOrBelow)` returns the snapshot with the highest version <= atOrBelow,
 *   with `encoded` exactly as put, or undefined. It never returns part of one write mixed with
 *   another: a read racing a replace sees the old or the new snapshot whole.
 * - Heads and snapshots are independent: writing one never changes the other. Callers write a
 *   snapshot before the head that names it.
 * - Documents are isolated, including across tenants with the same docId.
 */
export interface DocStateStore {
  head(doc: DocRef): Promise<DocHead | undefined>;
  putHead(doc: DocRef, head: DocHead): Promise<{ ok: true } | { ok: false; current: DocHead }>;
  putSnapshot(doc: DocRef, version: number, encoded: string): Promise<void>;
  snapshot(doc: DocRef, atOrBelow: number): Promise<StoredSnapshot | undefined>;
}

/** True when `a` is newer than `b` in the order putHead keeps: (version, snapshotVersion). */
export function headIsNewer(a: DocHead, b: DocHead): boolean {
  return a.version > b.version || (a.version === b.version && a.snapshotVersion > b.snapshotVersion);
}
