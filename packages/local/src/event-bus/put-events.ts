import { randomUUID } from "node:crypto";
import { MAX_BUS_ENTRY_BYTES } from "@weft/core";

/**
 * PutEvents request checking as EventBridge does it, without any I/O.
 *
 * Request-level errors (the SDK throws an exception named by `type`): a body that is not JSON
 * (SerializationException), `Entries` missing, not a list, empty or over 10 entries, or entries
 * together over 256 KB (ValidationException). Per-entry errors (the call succeeds with
 * FailedEntryCount > 0 and ErrorCode/ErrorMessage on that entry): Source or DetailType missing
 * (InvalidArgument), Detail missing (InvalidArgument) or not a JSON object (MalformedDetail),
 * an event bus that does not exist (InvalidArgument; stricter than AWS, which accepts such
 * entries and drops them, so a miswired function fails loudly here).
 */

/** Largest number of entries in one call. */
export const MAX_PUT_ENTRIES = 10;

export class RequestError extends Error {
  constructor(
    readonly type: "ValidationException" | "SerializationException" | "UnknownOperationException",
    message: string,
  ) {
    super(message);
  }
}

/** An accepted entry, ready for rule matching. */
export interface AcceptedEvent {
  id: string;
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
  resources: string[];
  /** Epoch ms, whole seconds (EventBridge's precision). */
  time: number;
  busName: string;
}

export type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export interface PutEventsOutcome {
  results: EntryResult[];
  accepted: AcceptedEvent[];
}

const utf8 = new TextEncoder();
const size = (s: unknown) => (typeof s === "string" ? utf8.encode(s).length : 0);

/**
 * Checks a parsed PutEvents body against the known bus names and returns the per-entry results
 * (same order and length as the request) with the accepted events; throws RequestError for a
 * request-level error.
 */
export function checkPutEvents(body: unknown, buses: ReadonlySet<string>, now = Date.now()): PutEventsOutcome {
  const entries = typeof body === "object" && body !== null ? (body as { Entries?: unknown }).Entries : undefined;
  if (!Array.isArray(entries)) {
    throw new RequestError("ValidationException", "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null");
  }
  if (entries.length < 1 || entries.length > MAX_PUT_ENTRIES) {
    const bound = entries.length < 1 ? "greater than or equal to 1" : `less than or equal to ${MAX_PUT_ENTRIES}`;
    throw new RequestError("ValidationException", `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${bound}`);
  }
  let total = 0;
  for (const raw of entries) {
    const e = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
    total += (e.Time !== undefined ? 14 : 0) + size(e.Source) + size(e.DetailType) + size(e.Detail);
    if (Array.isArray(e.Resources)) for (const r of e.Resources) total += size(r);
  }
  if (total > MAX_BUS_ENTRY_BYTES) {
    throw new RequestError("ValidationException", `Total size of the entries in the request is over the limit (${total} > ${MAX_BUS_ENTRY_BYTES} bytes).`);
  }
  const results: EntryResult[] = [];
  const accepted: AcceptedEvent[] = [];
  for (const raw of entries) {
    const e = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
    const checked = checkEntry(e, buses, now);
    if ("ErrorCode" in checked) {
      results.push(checked);
      continue;
    }
    accepted.push(checked);
    results.push({ EventId: checked.id });
  }
  return { results, accepted };
}

function checkEntry(e: Record<string, unknown>, buses: ReadonlySet<string>, now: number): AcceptedEvent | { ErrorCode: string; ErrorMessage: string } {
  const invalid = (name: string, reason: string) => ({ ErrorCode: "InvalidArgument", ErrorMessage: `Parameter ${name} is not valid. Reason: ${reason}` });
  if (typeof e.Source !== "string" || e.Source === "") return invalid("Source", "Source is a required argument.");
  if (typeof e.DetailType !== "string" || e.DetailType === "") return invalid("DetailType", "DetailType is a required argument.");
  if (typeof e.Detail !== "string" || e.Detail === "") return invalid("Detail", "Detail is a required argument.");
  let detail: unknown;
  try {
    detail = JSON.parse(e.Detail);
  } catch {
    detail = undefined;
  }
  if (typeof detail !== "object" || detail === null || Array.isArray(detail)) {
    return { ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed." };
  }
  const busName = busNameOf(e.EventBusName);
  if (!buses.has(busName)) return { ErrorCode: "InvalidArgument", ErrorMessage: `Event bus ${busName} does not exist.` };
  const resources = Array.isArray(e.Resources) ? e.Resources.filter((r): r is string => typeof r === "string") : [];
  const seconds = typeof e.Time === "number" && Number.isFinite(e.Time) ? e.Time : now / 1000;
  return {
    id: randomUUID(),
    source: e.Source,
    detailType: e.DetailType,
    detail: detail as Record<string, unknown>,
    resources,
    time: Math.floor(seconds) * 1000,
    busName,
  };
}

/** A bus name, or the name at the end of a bus ARN (`arn:aws:events:...:event-bus/<name>`); "default" when absent. */
function busNameOf(v: unknown): string {
  if (typeof v !== "string" || v === "") return "default";
  const i = v.indexOf(":event-bus/");
  return v.startsWith("arn:") && i >= 0 ? v.slice(i + ":event-bus/".length) : v;
}
