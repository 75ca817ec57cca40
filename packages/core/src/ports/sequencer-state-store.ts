import type { DocRef } from "../doc-ref.js";
import type { DocAcl } from "../access/doc-acl.js";
import type { ClientState, Rejection } from "./records.js";

/**
 * The sequencer's working state per document, outside the log: each client's progress,
 * held changes and skipped ranges, a checkpoint, the set of clients holding changes, and
 * rejected ops.
 *
 * The log is the source of truth for progress: `checkpoint` is the log seq up to which the
 * stored client states are known to be current; the sequencer rolls forward from the log
 * batches after it (so a crash between writing the log and writing this state loses nothing).
 * The sequencer saves lazily: a run whose changes the log alone rebuilds (plain commits; each
 * batch carries its clients' progress) saves nothing while the checkpoint trails the head by
 * at most LAZY_CHECKPOINT_ENTRIES; holds, gaps, rejections and ACL changes are saved at once,
 * so the stored ACL is always the current one. A client state read here (`client`) may
 * therefore be behind the log: ingest uses it only to answer `duplicate` early, and the
 * sequencer, which rolls forward first, decides.
 *
 * Contract:
 * - `load(doc, clientIds)` is strongly consistent. It returns the checkpoint (0 when never
 *   saved), `holding` (the client ids last saved as holding changes, [] when never saved),
 *   `saves` (how many `save` calls of the document have completed, 0 when never saved; a save
 *   counts once the client states it stores are readable), and the stored states of the
 *   requested clients AND of every holding client; clients never saved are absent from the map.
 * - `save(doc, clients, checkpoint, holding)` stores the given client states (replacing each
 *   whole; other clients' states are untouched), replaces the holding set, and raises the
 *   checkpoint to `checkpoint` if that is higher than the stored one (it never goes down).
 * - `client(doc, clientId)` is the one stored client state (strongly consistent), or undefined:
 *   what ingest reads on every request, so it touches nothing else.
 * - The document's ACL as of the checkpoint (access/doc-acl.ts) is kept with the checkpoint:
 *   `save(..., acl)` stores it iff it also raised (or kept) the checkpoint, atomically with it,
 *   so a stored ACL is always the one as of the stored checkpoint; `save` without `acl` leaves
 *   the stored one. `load` and `access(doc)` return it (absent when never stored: a document
 *   that does not exist yet, or one whose log predates access control). `access` is one
 *   strongly consistent read of the checkpoint alone.
 * - `accessMany(docs)` is `access` for many documents at once (batched reads, strongly
 *   consistent): one result per element of `docs`, in the same order; documents may repeat and
 *   may belong to different tenants; `[]` for `[]`. What search filters its hits with.
 * - Rejections are keyed by op id per document; `putRejections` is idempotent (a second put
 *   of the same op id replaces the first).
 * - Documents are isolated, including across tenants with the same docId.
 */
export interface SequencerStateStore {
  load(
    doc: DocRef,
    clientIds: string[],
  ): Promise<{ checkpoint: number; holding: string[]; saves: number; clients: Map<string, ClientState>; acl?: DocAcl }>;
  client(doc: DocRef, clientId: string): Promise<ClientState | undefined>;
  access(doc: DocRef): Promise<{ checkpoint: number; acl?: DocAcl }>;
  accessMany(docs: readonly DocRef[]): Promise<Array<{ checkpoint: number; acl?: DocAcl }>>;
  save(doc: DocRef, clients: ClientState[], checkpoint: number, holding: string[], acl?: DocAcl): Promise<void>;
  putRejections(doc: DocRef, rejections: Rejection[]): Promise<void>;
  getRejection(doc: DocRef, opId: string): Promise<Rejection | undefined>;
}
