import { QUARANTINE_SAMPLE_BYTES } from "./limits.js";
import type { QuarantineRecord, QuarantineSource } from "./ports/records.js";

/**
 * Builds a quarantine record, keeping the payload whole when it is small enough to store
 * and otherwise a UTF-8-safe prefix of QUARANTINE_SAMPLE_BYTES plus its full size.
 */
export function quarantineRecord(fields: {
  id: string;
  tenant: string;
  at: number;
  source: QuarantineSource;
  reason: string;
  message: string;
  payload: string | Uint8Array;
  details?: unknown[];
  docId?: string;
  userId?: string;
  clientId?: string;
}): QuarantineRecord {
  const bytes = typeof fields.payload === "string" ? Buffer.from(fields.payload, "utf8") : Buffer.from(fields.payload);
  const truncated = bytes.length > QUARANTINE_SAMPLE_BYTES;
  let cut = truncated ? QUARANTINE_SAMPLE_BYTES : bytes.length;
  // Never split a UTF-8 sequence: back up to the start of the last whole character.
  while (truncated && cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut--;
  const { payload: _p, ...rest } = fields;
  const record: QuarantineRecord = {
    ...rest,
    size: bytes.length,
    payload: bytes.subarray(0, cut).toString("utf8"),
    truncated,
  };
  for (const k of ["details", "docId", "userId", "clientId"] as const) if (record[k] === undefined) delete record[k];
  return record;
}

/** A time-sortable unique id for records created at `at`. */
export function timeId(at: number): string {
  return `${at.toString(36).padStart(9, "0")}${Math.random().toString(36).slice(2, 10)}`;
}
