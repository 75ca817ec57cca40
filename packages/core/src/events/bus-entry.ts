/**
 * Bus entry rules as EventBridge applies them, shared by every Bus adapter so all of them
 * refuse the same entries: Source and DetailType non-empty, Detail a JSON object, and the
 * whole entry at most 256 KB as EventBridge measures it.
 */
import { WeftError } from "../errors.js";
import type { BusEntry } from "../ports/bus.js";

/** EventBridge's limit for one entry, and for the entries of one PutEvents call together. */
export const MAX_BUS_ENTRY_BYTES = 256 * 1024;

const utf8 = new TextEncoder();

function byteLength(s: string): number {
  return utf8.encode(s).length;
}

/** The detail's JSON, or a reason it has none. */
function detailJson(detail: unknown): string | Error {
  try {
    const json = JSON.stringify(detail);
    return json === undefined ? new Error("is not JSON-serialisable") : json;
  } catch (err) {
    return new Error(`is not JSON-serialisable (${(err as Error).message})`);
  }
}

/**
 * An entry's size as EventBridge computes it for its limits and billing: 14 bytes for a time,
 * plus the UTF-8 bytes of Source, DetailType and the Detail JSON (no resources here).
 * Throws for a detail that is not JSON-serialisable.
 */
export function busEntrySize(entry: BusEntry): number {
  const json = detailJson(entry.detail);
  if (json instanceof Error) throw new TypeError(`bus entry detail ${json.message}`);
  return (entry.time !== undefined ? 14 : 0) + byteLength(entry.source) + byteLength(entry.detailType) + byteLength(json);
}

/** Throws WeftError("invalid_request") naming entry `index` and the rule it breaks; returns the detail's JSON. */
export function checkBusEntry(entry: BusEntry, index: number): string {
  const fail = (why: string) => {
    throw new WeftError("invalid_request", `bus entry ${index}: ${why}`, [{ index, issue: why }]);
  };
  if (typeof entry.source !== "string" || entry.source.length === 0 || entry.source.length > 256) fail("source must be 1..256 characters");
  if (typeof entry.detailType !== "string" || entry.detailType.length === 0 || entry.detailType.length > 128) {
    fail("detailType must be 1..128 characters");
  }
  if (entry.time !== undefined && !(Number.isFinite(entry.time) && entry.time >= 0)) fail("time must be epoch ms >= 0");
  const json = detailJson(entry.detail);
  if (json instanceof Error) return fail(`detail ${json.message}`) as never;
  if (!json.startsWith("{")) fail("detail must be a JSON object (EventBridge refuses any other JSON value)");
  const size = busEntrySize(entry);
  if (size > MAX_BUS_ENTRY_BYTES) fail(`entry is ${size} bytes, over EventBridge's 256 KB`);
  return json;
}
