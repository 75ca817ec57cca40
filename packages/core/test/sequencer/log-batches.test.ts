import { describe, expect, test } from "vitest";
import type { LogEntry } from "../../src/index.js";
import { logBatches, type PendingEntry } from "../../src/sequencer/log-batches.js";

const doc = { tenant: "t", docId: "d" };
const entry = (seq: number, text: string): PendingEntry => ({
  entry: { seq, id: `o${seq}`, clientId: "c", clientSeq: seq, userId: "u", type: "insert", pos: 0, text, serverTs: 1 } as LogEntry,
  lenAfter: seq,
});
const bytes = (b: { entries: LogEntry[] }) => b.entries.reduce((n, e) => n + Buffer.byteLength(JSON.stringify(e)), 0);

describe("log batches", () => {
  test("a small run is one batch, carrying the progress decided up to its end", () => {
    const pending = [entry(1, "a"), entry(2, "b")];
    const events = [
      { at: 0, progress: { clientId: "x", next: 4 } },
      { at: 2, progress: { clientId: "c", next: 3 } },
    ];
    const [batch, ...rest] = logBatches(doc, pending, events, { maxBatchBytes: 1000, maxBatchEntries: 10 }, 9);
    expect(rest).toEqual([]);
    expect(batch).toMatchObject({ seqStart: 1, seqEnd: 2, lenAfter: 2, committedAt: 9 });
    expect(batch.clients).toEqual([{ clientId: "x", next: 4 }, { clientId: "c", next: 3 }]);
  });

  test("cuts by UTF-8 bytes, escapes included, and by count; progress goes with the batch before it", () => {
    const heavy = "\u0001\"\\".repeat(300); // JSON writes these 900 units as 2,400 bytes
    const pending = [1, 2, 3, 4, 5].map((s) => entry(s, s === 3 ? heavy : "語".repeat(300)));
    const events = [1, 2, 3, 4, 5].map((at) => ({ at, progress: { clientId: "c", next: at + 1 } }));
    const batches = logBatches(doc, pending, events, { maxBatchBytes: 2600, maxBatchEntries: 2 }, 1);
    expect(batches.map((b) => [b.seqStart, b.seqEnd])).toEqual([[1, 2], [3, 3], [4, 5]]);
    for (const b of batches) expect(bytes(b)).toBeLessThanOrEqual(2600 + 2500);
    expect(batches.map((b) => b.clients)).toEqual([
      [{ clientId: "c", next: 3 }],
      [{ clientId: "c", next: 4 }],
      [{ clientId: "c", next: 6 }],
    ]);
  });
});
