import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { MAX_BUS_ENTRY_BYTES, busEntrySize, checkBusEntry, type Bus, type BusEntry } from "@weft/core";
import { meterSdkClient } from "../billing/sdk-metering.js";

/** PutEvents takes at most 10 entries and 256 KB (entries measured as EventBridge does) per call. */
export const MAX_ENTRIES_PER_CALL = 10;

/** Per-entry error codes EventBridge documents as retryable; any other code fails at once. */
const RETRYABLE = new Set(["InternalFailure", "InternalException", "ThrottlingException"]);

export interface EventBridgeBusOptions {
  client: EventBridgeClient;
  eventBusName: string;
  /** Calls per group of entries, first included (default 6). */
  maxAttempts?: number;
  /** Full-jitter exponential backoff: the k-th retry waits random(0, min(maxDelayMs, baseDelayMs * 2^k)). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Thrown when entries were still failing after the last attempt, or failed with a non-retryable code. */
export class PutEventsError extends Error {
  constructor(
    message: string,
    readonly failures: Array<{ index: number; code: string; message: string }>,
  ) {
    super(message);
    this.name = "PutEventsError";
  }
}

/**
 * The Bus port on EventBridge PutEvents. Entries are checked first (core `checkBusEntry`: a JSON
 * object detail, the whole entry <= 256 KB), so a bad entry throws before anything is sent. Then
 * they go in calls of at most 10 entries and 256 KB, in order. Entries a call reports as failed
 * (FailedEntryCount / per-entry ErrorCode) are re-sent alone with full-jitter exponential
 * backoff; a non-retryable code, or a retryable one still failing after `maxAttempts`, throws
 * PutEventsError. A throw may follow the delivery of earlier entries of the same publish:
 * delivery is at least once, and consumers are idempotent.
 */
export class EventBridgeBus implements Bus {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: EventBridgeBusOptions) {
    this.maxAttempts = opts.maxAttempts ?? 6;
    this.baseDelayMs = opts.baseDelayMs ?? 50;
    this.maxDelayMs = opts.maxDelayMs ?? 2000;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  async publish(entries: BusEntry[]): Promise<void> {
    const wire = entries.map((e, i) => {
      checkBusEntry(e, i);
      return { entry: this.toWire(e), size: busEntrySize(e) };
    });
    for (const group of groups(wire)) await this.send(group);
  }

  private toWire(e: BusEntry): PutEventsRequestEntry {
    return {
      EventBusName: this.opts.eventBusName,
      Source: e.source,
      DetailType: e.detailType,
      Detail: JSON.stringify(e.detail),
      ...(e.time !== undefined ? { Time: new Date(e.time) } : {}),
    };
  }

  private async send(group: PutEventsRequestEntry[]): Promise<void> {
    let pending = group;
    for (let attempt = 1; ; attempt++) {
      const out = await this.opts.client.send(new PutEventsCommand({ Entries: pending }));
      if (!out.FailedEntryCount) return;
      const failed = (out.Entries ?? []).flatMap((r, index) =>
        r.ErrorCode ? [{ index, code: r.ErrorCode, message: r.ErrorMessage ?? "" }] : [],
      );
      const fatal = failed.filter((f) => !RETRYABLE.has(f.code));
      if (fatal.length > 0 || attempt >= this.maxAttempts || failed.length === 0) {
        const why = fatal.length > 0 ? "non-retryable" : `still failing after ${attempt} attempts`;
        const first = (fatal[0] ?? failed[0]) as (typeof failed)[number] | undefined;
        throw new PutEventsError(
          `PutEvents: ${out.FailedEntryCount} of ${pending.length} entries failed (${why})${first ? `: ${first.code} ${first.message}` : ""}`,
          failed,
        );
      }
      pending = failed.map((f) => pending[f.index]);
      const cap = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
      await this.sleep(Math.random() * cap);
    }
  }
}

/** Splits entries, in order, into calls of at most 10 entries and 256 KB in all. */
function groups(wire: Array<{ entry: PutEventsRequestEntry; size: number }>): PutEventsRequestEntry[][] {
  const out: PutEventsRequestEntry[][] = [];
  let current: PutEventsRequestEntry[] = [];
  let bytes = 0;
  for (const { entry, size } of wire) {
    if (current.length === MAX_ENTRIES_PER_CALL || (current.length > 0 && bytes + size > MAX_BUS_ENTRY_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * The EventBridge client: `WEFT_EVENTS_ENDPOINT` points it at the local stack's PutEvents
 * endpoint (any credentials work there); on AWS the SDK's own region/credential chain applies.
 * Metered (billing/sdk-metering.ts): each accepted entry's 64 KB chunks count as events.
 */
export function eventBridgeClient(endpoint = process.env.WEFT_EVENTS_ENDPOINT): EventBridgeClient {
  if (!endpoint) return meterSdkClient(new EventBridgeClient({}), "eventbridge");
  const client = new EventBridgeClient({
    endpoint,
    region: process.env.AWS_REGION ?? "us-east-1",
    credentials: { accessKeyId: "weftlocal", secretAccessKey: "weftlocal" },
  });
  return meterSdkClient(client, "eventbridge");
}
