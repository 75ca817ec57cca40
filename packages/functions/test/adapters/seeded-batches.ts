import type { LogBatch, LogEntry } from "@weft/core";
import { mulberry32 } from "@weft/core/prng";
import { batchOf, newDoc, smallEntries } from "@weft/core/testing";

/** `count` consecutive batches of 1-3 entries of `doc` from seq 1 (or `from`), seeded. */
export function seededBatches(doc: ReturnType<typeof newDoc>, count: number, seed: number, from = 1): LogBatch[] {
  const rnd = mulberry32(seed);
  const out: LogBatch[] = [];
  let seq = from;
  for (let k = 0; k < count; k++) {
    const n = 1 + Math.floor(rnd() * 3);
    out.push(batchOf(doc, smallEntries(seq, n, `op${seed}`)));
    seq += n;
  }
  return out;
}

export const entriesOf = (list: readonly LogBatch[]): LogEntry[] => list.flatMap((b) => b.entries);
