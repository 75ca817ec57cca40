import { describe, expect, it } from "vitest";
import { MemoryLogStore } from "../../src/ports/memory/log-store.js";
import { CommittedTail, logWithTail } from "../../src/rooms/committed-tail.js";
import { batchOf, newDoc, smallEntries } from "../conformance/index.js";

/**
 * What a holder committing through the stream reads (docs/durable-order.md, step 3): the log,
 * continued by the batches it committed lately where they go on from the log's end; the log's
 * answer alone once the log writer has caught up, or where the kept run does not reach it.
 */
describe("CommittedTail and logWithTail", () => {
  it("continues the log with the holder's committed batches, and stops where the log has caught up", async () => {
    const doc = newDoc();
    const log = new MemoryLogStore();
    const tail = new CommittedTail();
    const [b1, b2, b3] = [batchOf(doc, smallEntries(1, 2, "a")), batchOf(doc, smallEntries(3, 2, "b")), batchOf(doc, smallEntries(5, 2, "c"))];
    await log.append(b1);
    for (const b of [b1, b2, b3]) tail.add(b);
    const read = logWithTail(log, tail);
    expect(await read.head(doc)).toEqual({ seq: 6, len: 6 });
    expect((await read.tail(doc))?.seqStart).toBe(5);
    expect((await read.batchesAfter(doc, 0)).map((b) => [b.seqStart, b.seqEnd])).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect((await read.batchesAfter(doc, 3)).map((b) => [b.seqStart, b.seqEnd])).toEqual([[3, 4], [5, 6]]);
    expect((await read.entries(doc, 0, 100)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await read.entries(doc, 1, 3)).map((e) => e.seq)).toEqual([2, 3, 4]);
    expect(await read.findOp(doc, b3.entries[1].id)).toEqual({ seq: 6 });
    expect(await read.findOp(doc, "nope")).toBeUndefined();
    // The writer caught up: the log's answer, nothing twice.
    await log.append(b2);
    await log.append(b3);
    expect((await read.batchesAfter(doc, 0)).map((b) => b.seqStart)).toEqual([1, 3, 5]);
    expect((await read.entries(doc, 0, 100)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("answers with the log alone where the kept run does not reach the log's end, and keeps a bounded run", async () => {
    const doc = newDoc();
    const log = new MemoryLogStore();
    await log.append(batchOf(doc, smallEntries(1, 2, "a")));
    const tail = new CommittedTail({ perDoc: 2, docs: 10 });
    // A run that starts past the log's end + 1 (the writer lags more than is kept).
    tail.add(batchOf(doc, smallEntries(5, 1, "x")));
    const read = logWithTail(log, tail);
    expect(await read.head(doc)).toEqual({ seq: 2, len: 2 });
    expect((await read.entries(doc, 0, 100)).map((e) => e.seq)).toEqual([1, 2]);
    // A batch that does not follow the kept run starts a new one; at most perDoc kept.
    for (const s of [3, 4, 5]) tail.add(batchOf(doc, smallEntries(s, 1, `y${s}`)));
    expect(tail.after(doc, 0).map((b) => b.seqStart)).toEqual([4, 5]);
    expect(await read.head(doc)).toEqual({ seq: 2, len: 2 });
    tail.add(batchOf(newDoc(), smallEntries(1, 1, "other")));
    expect(tail.last(doc)?.seqStart).toBe(5);
  });
});
