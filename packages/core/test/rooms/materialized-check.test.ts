import { describe, expect, it } from "vitest";
import type { DocRef } from "../../src/doc-ref.js";
import { MemoryLogStore } from "../../src/ports/memory/log-store.js";
import type { LogBatch } from "../../src/ports/records.js";
import { republishIfBehind } from "../../src/rooms/materialized-check.js";

const doc: DocRef = { tenant: "t", docId: "d" };
const batch = (seqStart: number, n: number): LogBatch => ({
  doc,
  seqStart,
  seqEnd: seqStart + n - 1,
  entries: Array.from({ length: n }, (_, k) => ({ seq: seqStart + k, id: `o${seqStart + k}`, clientId: "c", clientSeq: seqStart + k, userId: "u", serverTs: 1, type: "insert", pos: 0, text: "x" })) as LogBatch["entries"],
  lenAfter: seqStart + n - 1,
  clients: [],
  committedAt: 1,
});

async function rig(versions: { materialized: number }) {
  const log = new MemoryLogStore();
  for (const b of [batch(1, 2), batch(3, 1), batch(4, 3)]) expect(await log.append(b)).toBe("ok");
  const published: LogBatch[] = [];
  const deps = { materializedVersion: async () => versions.materialized, log, publish: async (b: LogBatch[]) => void published.push(...b) };
  return { deps, published };
}

describe("republishIfBehind", () => {
  it("publishes nothing for a document materialized at or past the head the subscription saw", async () => {
    const { deps, published } = await rig({ materialized: 6 });
    expect(await republishIfBehind(deps, doc, 6)).toEqual({ republished: 0 });
    expect(await republishIfBehind(deps, doc, 4)).toEqual({ republished: 0 });
    expect(published).toEqual([]);
  });

  it("publishes the log's batches after the materialized version, up to the head seen (later ones are the stream's)", async () => {
    const { deps, published } = await rig({ materialized: 2 });
    expect(await republishIfBehind(deps, doc, 3)).toEqual({ republished: 1 });
    expect(published.map((b) => [b.seqStart, b.seqEnd])).toEqual([[3, 3]]);
    published.length = 0;
    expect(await republishIfBehind(deps, doc, 6)).toEqual({ republished: 2 });
    expect(published.map((b) => [b.seqStart, b.seqEnd])).toEqual([[3, 3], [4, 6]]);
  });

  it("a document with no materialized state gets its whole log", async () => {
    const { deps, published } = await rig({ materialized: 0 });
    expect(await republishIfBehind(deps, doc, 6)).toEqual({ republished: 3 });
    expect(published.map((b) => b.seqStart)).toEqual([1, 3, 4]);
  });
});
