import type { LogEntry } from "../ops/types.js";
import { MAX_MESSAGE_BYTES, OPS_MESSAGE_TARGET_BYTES } from "./limits.js";
import { utf8Length } from "./utf8.js";

export interface PackLimits {
  /** Pack up to this many bytes per message where possible. */
  target: number;
  /** Never exceed this. */
  max: number;
}

export const OPS_PACK_LIMITS: PackLimits = { target: OPS_MESSAGE_TARGET_BYTES, max: MAX_MESSAGE_BYTES };

/**
 * Consecutive entries of one document as encoded `ops` messages
 * (`{"type":"ops","docId":...,"ops":[...]}`), in order. Greedy: each message takes entries
 * while it stays within `target` bytes, so no two neighbouring messages would fit in one
 * target-sized message. An entry that does not fit in `target` even alone gets a message of
 * its own, allowed up to `max`; an entry too large even for that throws (ingest bounds ops to
 * MAX_OP_BYTES, so this means a bug, never a client's doing).
 *
 * Sizes are computed on the entries' JSON, once per entry: no message is encoded twice.
 */
export function packOps(docId: string, entries: readonly LogEntry[], limits: PackLimits = OPS_PACK_LIMITS): string[] {
  const head = `{"type":"ops","docId":${JSON.stringify(docId)},"ops":[`;
  const tail = "]}";
  const frame = utf8Length(head) + tail.length;
  const out: string[] = [];
  let parts: string[] = [];
  let size = frame;
  const flush = () => {
    if (parts.length > 0) out.push(head + parts.join(",") + tail);
    parts = [];
    size = frame;
  };
  for (const entry of entries) {
    const json = JSON.stringify(entry);
    const bytes = utf8Length(json);
    const added = bytes + (parts.length > 0 ? 1 : 0);
    if (parts.length > 0 && size + added > limits.target) flush();
    const alone = frame + bytes;
    if (parts.length === 0 && alone > limits.max) {
      throw new RangeError(`log entry ${entry.seq} of ${docId} encodes to ${alone} bytes, over the ${limits.max}-byte message limit`);
    }
    size += parts.length > 0 ? bytes + 1 : bytes;
    parts.push(json);
  }
  flush();
  return out;
}
