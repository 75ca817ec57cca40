/**
 * The event bus (EventBridge on AWS). Contract: `publish` delivers every entry or throws;
 * an entry's `detail` is JSON-serialisable and at most 256 KB encoded.
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
