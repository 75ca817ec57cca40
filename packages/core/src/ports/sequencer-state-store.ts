import type { DocRef } from "../doc-ref.js";
import type { ClientState, Rejection } from "./records.js";

/**
 * The sequencer's working state per document, outside the log: each client's progress,
 * held changes and skipped ranges, a checkpoint, and rejected ops.
 *
 * The log is the source of truth for progress: `checkpoint` is the log seq up to which the
 * stored client states are known to be current; the sequencer rolls forward from the log
 * batches after it (so a crash between writing the log and writing this state loses nothing).
 *
 * Contract:
 * - `load` is strongly consistent; clients never saved are absent from the map.
 * - `save` stores the given client states (replacing them whole), then raises the checkpoint
 *   to `checkpoint` if that is higher than the stored one (it never goes down).
 * - Rejections are keyed by op id per document; `putRejections` is idempotent.
 * - Documents are isolated, including across tenants with the same docId.
 */
export interface SequencerStateStore {
  load(doc: DocRef, clientIds: string[]): Promise<{ checkpoint: number; clients: Map<string, ClientState> }>;
  save(doc: DocRef, clients: ClientState[], checkpoint: number): Promise<void>;
  putRejections(doc: DocRef, rejections: Rejection[]): Promise<void>;
  getRejection(doc: DocRef, opId: string): Promise<Rejection | undefined>;
}
