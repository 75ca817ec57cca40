import type { Bus, BusEntry } from "../bus.js";

/** EventBridge's limit on one entry, which the Bus contract adopts for `detail`. */
export const MAX_BUS_DETAIL_BYTES = 256 * 1024;

/**
 * In-memory Bus: keeps every published entry in `entries`, in publish order, with `detail`
 * as a subscriber would receive it (a JSON round trip, hence a deep copy).
 * It enforces the contract the way EventBridge would, so tests catch violations: a detail
 * that is not JSON-serialisable or is over 256 KB encoded makes `publish` throw, and then
 * none of that call's entries are kept.
 */
export class MemoryBus implements Bus {
  readonly entries: BusEntry[] = [];

  async publish(entries: BusEntry[]): Promise<void> {
    const copies = entries.map((e, i) => {
      let json: string | undefined;
      try {
        json = JSON.stringify(e.detail);
      } catch (err) {
        throw new Error(`bus entry ${i}: detail is not JSON-serialisable (${(err as Error).message})`);
      }
      if (json === undefined) throw new Error(`bus entry ${i}: detail is not JSON-serialisable`);
      if (Buffer.byteLength(json) > MAX_BUS_DETAIL_BYTES) throw new Error(`bus entry ${i}: detail is over 256 KB`);
      const copy: BusEntry = { source: e.source, detailType: e.detailType, detail: JSON.parse(json) };
      if (e.time !== undefined) copy.time = e.time;
      return copy;
    });
    this.entries.push(...copies);
  }
}
