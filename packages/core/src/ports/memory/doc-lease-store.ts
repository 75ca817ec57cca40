import { docKey, type DocRef } from "../../doc-ref.js";
import type { DocLease, DocLeaseStore, LeaseClaim } from "../doc-lease-store.js";

/** In-memory DocLeaseStore (tests, and room tasks sharing one process). */
export class MemoryDocLeaseStore implements DocLeaseStore {
  private readonly leases = new Map<string, DocLease>();

  async acquire(doc: DocRef, claim: LeaseClaim): Promise<{ held: boolean; lease: DocLease }> {
    const key = docKey(doc);
    const stored = this.leases.get(key);
    if (stored && stored.owner !== claim.owner && stored.expiresAt > claim.now) return { held: false, lease: { ...stored } };
    const lease: DocLease = { owner: claim.owner, address: claim.address, epoch: (stored?.epoch ?? 0) + 1, expiresAt: claim.expiresAt };
    this.leases.set(key, lease);
    return { held: true, lease: { ...lease } };
  }

  async get(doc: DocRef): Promise<DocLease | undefined> {
    const stored = this.leases.get(docKey(doc));
    return stored && { ...stored };
  }

  async release(doc: DocRef, owner: string, epoch: number): Promise<boolean> {
    const key = docKey(doc);
    const stored = this.leases.get(key);
    if (!stored || stored.owner !== owner || stored.epoch !== epoch) return false;
    this.leases.set(key, { ...stored, expiresAt: 0 });
    return true;
  }
}
