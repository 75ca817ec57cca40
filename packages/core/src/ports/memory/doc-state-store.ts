import { docKey, type DocRef } from "../../doc-ref.js";
import { headIsNewer, type DocHead, type DocStateStore, type StoredSnapshot } from "../doc-state-store.js";

/**
 * In-memory DocStateStore: the reference implementation of the port contract. Every check
 * and write happens synchronously (no await in between), so putHead is atomic under
 * concurrent calls; heads go in and out as copies. Snapshots are kept per document in a map
 * by version (strings are immutable, so they need no copy).
 */
export class MemoryDocStateStore implements DocStateStore {
  private readonly heads = new Map<string, DocHead>();
  private readonly snapshots = new Map<string, Map<number, string>>();

  async head(doc: DocRef): Promise<DocHead | undefined> {
    const h = this.heads.get(docKey(doc));
    return h && { ...h };
  }

  async putHead(doc: DocRef, head: DocHead): Promise<{ ok: true } | { ok: false; current: DocHead }> {
    checkVersion(head.version);
    const key = docKey(doc);
    const current = this.heads.get(key);
    if (current && headIsNewer(current, head)) return { ok: false, current: { ...current } };
    this.heads.set(key, { ...head });
    return { ok: true };
  }

  async putSnapshot(doc: DocRef, version: number, encoded: string): Promise<void> {
    checkVersion(version);
    const key = docKey(doc);
    const byVersion = this.snapshots.get(key) ?? new Map<number, string>();
    byVersion.set(version, encoded);
    this.snapshots.set(key, byVersion);
  }

  async snapshot(doc: DocRef, atOrBelow: number): Promise<StoredSnapshot | undefined> {
    let best: number | undefined;
    for (const v of this.snapshots.get(docKey(doc))?.keys() ?? []) {
      if (v <= atOrBelow && (best === undefined || v > best)) best = v;
    }
    return best === undefined ? undefined : { version: best, encoded: this.snapshots.get(docKey(doc))!.get(best)! };
  }
}

function checkVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version < 1) throw new RangeError(`doc state version must be an integer >= 1, got ${version}`);
}
