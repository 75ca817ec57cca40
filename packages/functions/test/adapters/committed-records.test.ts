import { gzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import type { LogBatch } from "@weft/core";
import { decodeCommittedRecord, encodeCommittedRecords, MAX_RECORD_JSON_BYTES } from "../../src/adapters/kinesis/committed-records.js";

function batch(docId: string, seqStart: number, text = "x", n = 1): LogBatch {
  const entries = Array.from({ length: n }, (_, k) => ({
    seq: seqStart + k,
    id: `${docId}-${seqStart + k}`,
    clientId: "c",
    userId: "u",
    type: "insert",
    pos: 0,
    text,
    at: 1,
  })) as unknown as LogBatch["entries"];
  return { doc: { tenant: "acme", docId }, seqStart, seqEnd: seqStart + n - 1, entries, lenAfter: 1, clients: [], committedAt: 1, deliveredLive: true };
}

describe("committed stream records", () => {
  test("round trip: one record for a flush of several documents, each document's batches together and in order", () => {
    const leased = { ...batch("b", 2, "y", 3), lease: { epoch: 7, deadline: 1_760_000_017_000 } };
    const batches = [batch("a", 1), batch("b", 1), batch("a", 2), leased];
    const records = encodeCommittedRecords(batches);
    expect(records).toHaveLength(1);
    // The lease a batch was sequenced under travels with it (docs/durable-order.md).
    expect(decodeCommittedRecord(records[0])).toEqual([batch("a", 1), batch("a", 2), batch("b", 1), leased]);
  });

  test("compresses: a flush of typed text is far smaller than its JSON", () => {
    const batches = Array.from({ length: 200 }, (_, i) => batch(`doc-${i % 20}`, Math.floor(i / 20) + 1, "hello "));
    const json = JSON.stringify(batches).length;
    const [record] = encodeCommittedRecords(batches);
    expect(record.byteLength).toBeLessThan(json / 4);
  });

  test("a flush over the record limit is cut between documents, never inside one; a document over it alone goes a batch per record", () => {
    const big = "z".repeat(300_000);
    const batches = [batch("a", 1, big), batch("b", 1, big), batch("c", 1, big), batch("d", 1, big), ...[1, 2, 3, 4].map((k) => batch("e", k, big))];
    const records = encodeCommittedRecords(batches);
    const decoded = records.map(decodeCommittedRecord);
    for (const r of decoded) expect(JSON.stringify(r).length).toBeLessThanOrEqual(MAX_RECORD_JSON_BYTES);
    expect(decoded.flat().map((b) => `${b.doc.docId}${b.seqStart}`)).toEqual(["a1", "b1", "c1", "d1", "e1", "e2", "e3", "e4"]);
    // a..d fit three to a record (~900 KB of JSON), then e's 1.2 MB a batch per record.
    expect(decoded.map((r) => r.map((b) => b.doc.docId).join(""))).toEqual(["abc", "d", "e", "e", "e", "e"]);
    // One batch over the limit still goes (compressed; a log batch is at most a DynamoDB item).
    const [alone] = encodeCommittedRecords([batch("f", 1, big, 4)]);
    expect(decodeCommittedRecord(alone)).toEqual([batch("f", 1, big, 4)]);
  });

  test("bad records are refused with a clear error", () => {
    expect(() => decodeCommittedRecord(Buffer.from("not gzip"))).toThrow(/not gzip JSON/);
    expect(() => decodeCommittedRecord(gzipSync(Buffer.from('{"v":2,"batches":[]}')))).toThrow(/unknown version 2/);
    expect(() => decodeCommittedRecord(gzipSync(Buffer.from('{"v":1}')))).toThrow(/unknown version 1/);
    expect(() => decodeCommittedRecord(gzipSync(Buffer.from('{"v":1,"batches":[{"doc":{"tenant":"t"}}]}')))).toThrow(/malformed batch/);
    expect(encodeCommittedRecords([])).toEqual([]);
  });
});
