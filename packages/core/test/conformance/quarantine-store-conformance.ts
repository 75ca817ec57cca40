import { describe, expect, it } from "vitest";
import { QUARANTINE_SAMPLE_BYTES } from "../../src/limits.js";
import type { QuarantineStore } from "../../src/ports/quarantine-store.js";
import type { QuarantineRecord } from "../../src/ports/records.js";
import { uid } from "./fixtures.js";

const T = 1_760_000_000_000;

function record(tenant: string, at: number, id = `${at}-${uid("q")}`, extra: Partial<QuarantineRecord> = {}): QuarantineRecord {
  return { id, tenant, at, source: "ingest", reason: "invalid_request", message: "bad op", size: 12, payload: '{"ops":[1]}', truncated: false, ...extra };
}

/** Every page of a tenant's listing, following cursors. */
async function listAll(store: QuarantineStore, tenant: string, limit: number): Promise<QuarantineRecord[][]> {
  const pages: QuarantineRecord[][] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list(tenant, limit, cursor);
    pages.push(page.records);
    cursor = page.cursor;
  } while (cursor !== undefined && pages.length < 100);
  return pages;
}

/**
 * QuarantineStore contract suite. `factory` may return stores sharing one backing table:
 * tests use fresh tenants.
 */
export function runQuarantineStoreConformance(name: string, factory: () => Promise<QuarantineStore>): void {
  describe(`QuarantineStore conformance: ${name}`, () => {
    it("an unknown tenant lists nothing and no cursor", async () => {
      const store = await factory();
      expect(await store.list(uid("t"), 10)).toEqual({ records: [] });
    });

    it("round-trips a record with every field deep-equal, including a full-size Unicode payload", async () => {
      const store = await factory();
      const tenant = uid("t");
      // 7 UTF-8 bytes per repeat: as close to the sample limit as whole characters allow.
      const payload = "é👋x".repeat(Math.floor(QUARANTINE_SAMPLE_BYTES / 7));
      const full = record(tenant, T, uid("q"), {
        source: "stream",
        reason: "stream_retries_exhausted",
        message: "gave up ✗",
        details: [{ index: 0, issue: "too long" }, "plain", 3, null, [1, { nested: true }]],
        docId: "doc.1",
        userId: "user-1",
        clientId: "client-1",
        size: 123_456,
        payload,
        truncated: true,
      });
      const minimal = record(tenant, T - 1);
      await store.put(full);
      await store.put(minimal);
      expect(await store.list(tenant, 10)).toEqual({ records: [full, minimal] });
    });

    it("put is idempotent per id; records are never modified", async () => {
      const store = await factory();
      const tenant = uid("t");
      const r = record(tenant, T, "fixed-id");
      await store.put(r);
      await store.put(r);
      await store.put({ ...r, message: "changed" });
      expect(await store.list(tenant, 10)).toEqual({ records: [r] });
    });

    it("lists newest first by at, then id, and pages with a cursor until exhausted", async () => {
      const store = await factory();
      const tenant = uid("t");
      const records = [
        ...Array.from({ length: 9 }, (_, i) => record(tenant, T + (i % 4) * 1000, `id-${i}`)),
        record(tenant, 5, "ancient"),
      ];
      for (const r of records) await store.put(r);
      const expected = [...records].sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1));
      expect((await store.list(tenant, 100)).records).toEqual(expected);
      const pages = await listAll(store, tenant, 3);
      expect(pages.map((p) => p.length)).toEqual([3, 3, 3, 1]);
      expect(pages.flat()).toEqual(expected);
    });

    it("gives no cursor when the page holds the last record", async () => {
      const store = await factory();
      const tenant = uid("t");
      for (let i = 0; i < 4; i++) await store.put(record(tenant, T + i));
      const first = await store.list(tenant, 2);
      expect(first.cursor).toBeDefined();
      const second = await store.list(tenant, 2, first.cursor);
      expect(second.records).toHaveLength(2);
      expect(second.cursor).toBeUndefined();
      expect((await store.list(tenant, 4)).cursor).toBeUndefined();
    });

    it("a tenant never sees another tenant's records, even through a cursor", async () => {
      const store = await factory();
      const a = uid("t");
      const b = uid("t");
      for (let i = 0; i < 3; i++) await store.put(record(a, T + i));
      await store.put(record(b, T + 10));
      const pageA = await store.list(a, 1);
      expect(pageA.records.every((r) => r.tenant === a)).toBe(true);
      expect((await store.list(b, 10)).records.map((r) => r.tenant)).toEqual([b]);
      const viaCursor = await store.list(b, 10, pageA.cursor);
      expect(viaCursor.records.every((r) => r.tenant === b)).toBe(true);
    });
  });
}
