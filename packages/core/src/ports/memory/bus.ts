import { checkBusEntry } from "../../events/bus-entry.js";
import type { Bus, BusEntry } from "../bus.js";

/** EventBridge's limit on one entry, which the Bus contract adopts. */
export const MAX_BUS_DETAIL_BYTES = 256 * 1024;

/**
 * In-memory Bus: keeps every published entry in `entries`, in publish order, as a subscriber
 * would receive it (a JSON round trip of the detail, time at whole seconds, the publish time
 * when none was given). It refuses entries the way EventBridge would (`checkBusEntry`), so
 * tests catch violations; a refused call keeps none of its entries.
 */
export class MemoryBus implements Bus {
  readonly entries: BusEntry[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  async publish(entries: BusEntry[]): Promise<void> {
    const copies = entries.map((e, i) => {
      const json = checkBusEntry(e, i);
      const time = Math.floor((e.time ?? this.now()) / 1000) * 1000;
      return { source: e.source, detailType: e.detailType, detail: JSON.parse(json) as unknown, time };
    });
    this.entries.push(...copies);
  }
}
