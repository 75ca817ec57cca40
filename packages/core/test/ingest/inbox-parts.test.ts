import { describe, expect, test } from "vitest";
import { MAX_INBOX_PART_BYTES, splitForStorage, wholeChange, type InboxChange, type Op } from "../../src/index.js";
import { MemoryInboxStore } from "../../src/ports/memory/index.js";

const doc = { tenant: "t", docId: "d" };
const change = (n: number, chars: number): InboxChange => {
  const ops: Op[] = Array.from({ length: n }, (_, i) => ({ id: `o${i}`, seq: i + 1, type: "insert", pos: 0, text: "語".repeat(chars) }));
  return { doc, clientId: "c", userId: "u", base: 0, firstSeq: 1, lastSeq: n, ops, acceptedAt: 5, skewed: 3 };
};

describe("large changes are stored in parts", () => {
  test("a change that fits is stored as it is", () => {
    const small = change(3, 10);
    expect(splitForStorage(small)).toEqual([small]);
  });

  test("a 1 MiB change splits into parts under the item budget and reassembles exactly", async () => {
    const big = change(64, 5400); // 64 ops of ~16 KB of incompressible-ish CJK text
    const parts = splitForStorage(big);
    expect(parts.length).toBeGreaterThan(2);
    for (const p of parts) expect(Buffer.byteLength(JSON.stringify(p.ops))).toBeLessThanOrEqual(MAX_INBOX_PART_BYTES);
    expect(parts[0].parts).toEqual(parts.slice(1).map((p) => p.firstSeq));
    expect(parts.slice(1).every((p) => p.partOf === 1)).toBe(true);
    expect(parts.flatMap((p) => p.ops)).toEqual(big.ops);

    const inbox = new MemoryInboxStore();
    for (const p of parts.slice(1)) await inbox.put(p);
    await inbox.put(parts[0]);
    expect(await wholeChange(inbox, parts[0])).toEqual(big);
    expect(await wholeChange(inbox, parts[1])).toBeUndefined();
  });

  test("a primary whose part is missing is an error, not a silently shorter change", async () => {
    const parts = splitForStorage(change(64, 5400));
    await expect(wholeChange(new MemoryInboxStore(), parts[0])).rejects.toThrow(/missing/);
  });
});
