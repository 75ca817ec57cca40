import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { Hono } from "hono";
import { beforeAll, describe, expect, it } from "vitest";
import { AUDIT_SCAN_ENTRIES, auditRecordOf, docKey, type DocRef, type LogEntry, type Principal } from "@weft/core";
import { batchOf, newDoc, smallEntries } from "@weft/core/testing";
import { DynamoAuditStore } from "../../src/adapters/dynamo/audit-store.js";
import type { TableNames } from "../../src/adapters/dynamo/create-tables.js";
import { DynamoLogStore } from "../../src/adapters/dynamo/log-store.js";
import { errorResponse } from "../../src/http/error-response.js";
import { registerAuditRoutes } from "../../src/http/routes/audit.js";
import { client, freshTables } from "../adapters/dynamo-harness.js";

/**
 * GET /v1/admin/audit on DynamoDB Local with the real adapters: the records come straight from
 * the log table (nothing else writes them), the access events from the audit table. The admin
 * guard lives in createApp (the e2e tests cover it); here the caller is given per request.
 */
let tables: TableNames;
let log: DynamoLogStore;
let auditStore: DynamoAuditStore;
let app: Hono<{ Variables: { who: Principal } }>;

beforeAll(async () => {
  tables = await freshTables();
  log = new DynamoLogStore({ client, table: tables.log });
  auditStore = new DynamoAuditStore({ client, table: tables.audit });
  app = new Hono<{ Variables: { who: Principal } }>();
  app.onError((err, c) => errorResponse(c, err));
  app.use("*", async (c, next) => {
    c.set("who", { tenant: c.req.header("x-tenant") ?? "", userId: "root", admin: true } as Principal);
    await next();
  });
  registerAuditRoutes(app, { log, auditStore });
});

async function get(doc: DocRef, query = "") {
  const r = await app.request(`/v1/admin/audit?docId=${doc.docId}${query}`, { headers: { "x-tenant": doc.tenant } });
  return { status: r.status, body: (await r.json()) as any };
}

/** Commits `authors.length` entries (seq k+1 by authors[k]) in batches of `per`. */
async function commit(doc: DocRef, authors: string[], per: number): Promise<LogEntry[]> {
  const entries = smallEntries(1, authors.length).map((e, k) => ({ ...e, userId: authors[k] }));
  for (let i = 0; i < entries.length; i += per) expect(await log.append(batchOf(doc, entries.slice(i, i + per)))).toBe("ok");
  return entries;
}

/** Every page of the records, following `next`. */
async function follow(doc: DocRef, query: string): Promise<Array<{ seqs: number[]; next?: number }>> {
  const out = [];
  let after = 0;
  for (;;) {
    const { status, body } = await get(doc, `${query}&after=${after}`);
    expect(status).toBe(200);
    out.push({ seqs: body.records.map((r: { seq: number }) => r.seq), ...(body.next === undefined ? {} : { next: body.next }) });
    if (body.next === undefined || out.length > 100) return out;
    after = body.next;
  }
}

describe("GET /v1/admin/audit on the log", () => {
  it("a committed batch's records are readable at once, exactly auditRecordOf its entries; no log gives empty lists", async () => {
    const doc = newDoc();
    expect(await get(doc)).toEqual({ status: 200, body: { docId: doc.docId, records: [], access: [] } });
    const entries = await commit(doc, ["ann", "bob", "ann"], 2);
    expect((await get(doc)).body).toEqual({ docId: doc.docId, records: entries.map(auditRecordOf), access: [] });
    // Same docId, another tenant: nothing of this one.
    expect((await get({ tenant: `${doc.tenant}-other`, docId: doc.docId })).body).toEqual({ docId: doc.docId, records: [], access: [] });
  });

  it("pages a rare user's records over a long log in bounded steps, without missing any", async () => {
    const doc = newDoc();
    const n = AUDIT_SCAN_ENTRIES + 700;
    const rare = [5, 6, AUDIT_SCAN_ENTRIES + 300];
    const entries = await commit(doc, Array.from({ length: n }, (_, k) => (rare.includes(k + 1) ? "rare" : `u${k % 5}`)), 37);
    expect(await follow(doc, "&userId=rare&limit=1")).toEqual([
      { seqs: [5], next: 5 },
      // seq 6, then no other match within AUDIT_SCAN_ENTRIES entries past 5: next is the last seq read.
      { seqs: [6], next: 5 + AUDIT_SCAN_ENTRIES },
      { seqs: [AUDIT_SCAN_ENTRIES + 300] },
    ]);
    expect(await follow(doc, "&userId=rare&limit=10")).toEqual([{ seqs: [5, 6], next: AUDIT_SCAN_ENTRIES }, { seqs: [AUDIT_SCAN_ENTRIES + 300] }]);
    // A page with no match still moves on.
    expect((await get(doc, `&userId=rare&after=6`)).body).toMatchObject({ records: [], next: 6 + AUDIT_SCAN_ENTRIES });
    expect((await get(doc, "&userId=nobody")).body).toMatchObject({ records: [], next: AUDIT_SCAN_ENTRIES });
    // A dense user pages exactly; unfiltered pages are exact too.
    const u1 = entries.filter((e) => e.userId === "u1").map((e) => e.seq);
    const pages = await follow(doc, "&userId=u1&limit=200");
    expect(pages.flatMap((p) => p.seqs)).toEqual(u1);
    expect(pages.map((p) => p.seqs.length)).toEqual([200, 200, u1.length - 400]);
    expect((await follow(doc, "&limit=1000")).map((p) => [p.seqs.length, p.next])).toEqual([[1000, 1000], [1000, 2000], [n - 2000, undefined]]);
  });

  it("access events stay in the audit table; a leftover per-batch item of the old consumer shows nowhere", async () => {
    const doc = newDoc();
    await commit(doc, ["ann"], 1);
    const event = { id: "override.x1", at: 1_760_000_000_000, userId: "root", kind: "override" as const, action: "read log" };
    await auditStore.putAccessEvents(doc, [event]);
    await client.send(
      new PutItemCommand({ TableName: tables.audit, Item: { pk: { S: docKey(doc) }, sk: { S: "b#000000000001" }, seqEnd: { N: "1" }, users: { S: "\nmallory\n" } } }),
    );
    const { body } = await get(doc);
    expect(body.records.map((r: { userId: string }) => r.userId)).toEqual(["ann"]);
    expect(body.access).toEqual([event]);
  });

  it("bad parameters are 400 naming the parameter", async () => {
    const doc = newDoc();
    for (const [query, path] of [["&after=-1", "after"], ["&limit=0", "limit"], ["&limit=1001", "limit"], ["&userId=a%23b", "userId"], ["&accessAfter=nope", "accessAfter"]]) {
      const { status, body } = await get(doc, query);
      expect([status, body.error.code, body.error.details[0].path], query).toEqual([400, "invalid_request", path]);
    }
  });
});
