/**
 * The event bus (EventBridge on AWS). Contract:
 * - `publish` delivers every entry (at least once) or throws.
 * - Entries follow EventBridge's rules (core events/bus-entry.ts `checkBusEntry`): source and
 *   detailType non-empty, `detail` a JSON object, the whole entry at most 256 KB as EventBridge
 *   measures it. A publish with any entry breaking them throws WeftError("invalid_request")
 *   naming the entry, and delivers none of that call's entries.
 * - A throw for any other reason (the bus kept failing) may follow the delivery of some of the
 *   call's entries: callers re-publish, and consumers are idempotent.
 * - Delivered entries are copies (a JSON round trip). `time` (epoch ms) is kept at whole-second
 *   precision, as EventBridge does; an entry without one gets the time of its publish.
 */
export interface BusEntry {
  source: string;
  detailType: string;
  detail: unknown;
  time?: number;
}

export interface Bus {
  publish(entries: BusEntry[]): Promise<void>;
}
