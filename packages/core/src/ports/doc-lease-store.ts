import type { DocRef } from "../doc-ref.js";

/** Who may sequence a document right now: one room task at a time (docs/rooms.md, "Ownership"). */
export interface DocLease {
  /** The holder's id (a room task's, unique per process start). */
  owner: string;
  /** Where the holder takes forwarded submits: `host:port` of its private port. */
  address: string;
  /**
   * Raised by every successful `acquire` (renewals too) and never lowered, over the document's
   * whole life: a holder's latest is the one it releases with.
   */
  epoch: number;
  /** Epoch ms; from then on anyone may take the lease. */
  expiresAt: number;
}

/** An `acquire` request: `owner` at `address` wants the lease until `expiresAt`, as of `now` (epoch ms). */
export interface LeaseClaim {
  owner: string;
  address: string;
  now: number;
  expiresAt: number;
}

/**
 * Per-document leases: the room tier's ownership of a document (core rooms/doc-ownership.ts).
 * A lease is advice the tier routes by, not the fence that keeps the log correct: the log's key
 * fence still orders every append, so two tasks that both believe they hold a document (a
 * clock off by more than the margin, a holder paused past its expiry) cost a conflict and a
 * retry, never a lost or doubled op.
 *
 * Contract:
 * - `acquire(doc, claim)` succeeds when the document has no lease, when the stored lease has
 *   `expiresAt <= claim.now`, or when `claim.owner` holds it (a renewal, expired or not); it then
 *   stores `{owner, address, expiresAt}` with `epoch` raised by one (1 for a first lease) and
 *   returns `{held: true, lease}` (`epoch` keeps rising after a release). Otherwise nothing changes and it returns `{held: false,
 *   lease}` with the holder's lease as stored. Atomic: of concurrent claims on a free or expired
 *   lease exactly one succeeds, and the others see the winner's lease.
 * - `get(doc)` returns the stored lease, expired or not, or undefined (strongly consistent).
 * - `release(doc, owner, epoch)` ends the lease iff `owner` holds it with that `epoch` (true):
 *   it is stored expired (`expiresAt` 0, its epoch kept), so anyone's next `acquire` takes it.
 *   Otherwise nothing changes (false): a holder that lost its lease cannot end its successor's.
 * - Documents are isolated, including across tenants with the same docId.
 */
export interface DocLeaseStore {
  acquire(doc: DocRef, claim: LeaseClaim): Promise<{ held: boolean; lease: DocLease }>;
  get(doc: DocRef): Promise<DocLease | undefined>;
  release(doc: DocRef, owner: string, epoch: number): Promise<boolean>;
}
