import { ScanCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import type { EventBridgeEvent } from "aws-lambda";
import { beforeAll, describe, expect, inject, it, onTestFinished } from "vitest";
import {
  ManualClock,
  committedEntries,
  parseQuery,
  searchDocuments,
  type BusEntry,
  type DocRef,
  type CommittedIndexOutcome,
  type LogBatch,
  type LogEntry,
} from "@weft/core";
import { batchOf, newDoc, proseEntries } from "@weft/core/testing";
import { linkEnvironment } from "../../src/linked.js";
import type { TableNames } from "../../src/adapters/dynamo/create-tables.js";
import type { Wiring } from "../../src/wiring.js";
import { client, freshTables } from "../adapters/dynamo-harness.js";

/**
 * The two bus consumers' real handlers against DynamoDB Local, invoked with EventBridge-shaped
 * events built from real log batches (materialized by the real DocStates): a replayed event,
 * and an older event after a newer one, leave every stored item of the audit and search
 * tables byte-identical and the query results unchanged.
 */
type Handler<R> = (e: EventBridgeEvent<string, unknown>) => Promise<R>;
let tables: TableNames;
let w: Wiring;
let audit: Handler<{ status: string }>;
let search: Handler<CommittedIndexOutcome>;
let searchTimers: () => Promise<void>;
const DEBOUNCE_MS = 2000;

beforeAll(async () => {
  tables = await freshTables();
  process.env.WEFT_DYNAMO_ENDPOINT = inject("dynamoEndpoint");
  Object.assign(process.env, linkEnvironment({ tables: { log: tables.log, docs: tables.docs, audit: tables.audit, search: tables.search } }));
  w = (await import("../../src/wiring.js")).wiring();
  audit = (await import("../../src/handlers/audit.js")).handler;
  search = (await import("../../src/handlers/search.js")).handler;
  searchTimers = (await import("../../src/handlers/search-timers.js")).handler;
  process.env.WEFT_SEARCH_DEBOUNCE_MS = String(DEBOUNCE_MS);
});

let eventNo = 0;
/** The event EventBridge hands a rule target for a bus entry. */
function eventOf(entry: BusEntry): EventBridgeEvent<string, unknown> {
  return {
    version: "0",
    id: `evt-${++eventNo}`,
    "detail-type": entry.detailType,
    source: entry.source,
    account: "000000000000",
    time: new Date(entry.time ?? 0).toISOString(),
    region: "us-east-1",
    resources: [],
    detail: entry.detail,
  } as EventBridgeEvent<string, unknown>;
}

const envelope = (seq: number, userId: string) => ({
  seq,
  id: `op-${seq}`,
  clientId: `client-${userId}`,
  clientSeq: seq,
  userId,
  serverTs: 1_760_000_000_000 + seq,
});

/** Three committed batches by three users: typing, an edit removing "brave", a comment and an acl change. */
function history(): LogEntry[][] {
  return [
    [
      { ...envelope(1, "alice"), type: "insert", pos: 0, text: "Hello brave new world." },
      { ...envelope(2, "alice"), type: "insert", pos: 22, text: " Zebras roam." },
    ],
    [
      { ...envelope(3, "bob"), type: "delete", pos: 6, len: 6 },
      { ...envelope(4, "bob"), type: "comment", threadId: "th-1", body: "why?", mentions: ["alice"] },
    ],
    [{ ...envelope(5, "carol"), type: "acl", targetUserId: "dave", role: "viewer" }],
  ];
}

async function commit(doc: DocRef, groups: LogEntry[][]): Promise<LogBatch[]> {
  const batches = groups.map((entries) => batchOf(doc, entries));
  for (const b of batches) expect(await w.log.append(b)).toBe("ok");
  await w.docStates.apply(doc, batches);
  return batches;
}

/** Every item of a table, sorted, with binary attributes as base64: what "changes nothing" is checked on. */
async function scan(table: string): Promise<string[]> {
  const items: Array<Record<string, AttributeValue>> = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  const text = (v: AttributeValue) => JSON.stringify(v, (_, x) => (x instanceof Uint8Array ? Buffer.from(x).toString("base64") : x));
  return items.map((i) => Object.keys(i).sort().map((k) => `${k}=${text(i[k])}`).join(" ")).sort();
}

const writesTo = (table: string) => w.meter.snapshot().byTable[table]?.write ?? 0;

describe("audit handler", () => {
  it("stores one item per batch with who did what; a replay or an older event after a newer one changes nothing", async () => {
    const doc = newDoc();
    const events = committedEntries(await commit(doc, history())).map(eventOf);
    for (const e of events) expect(await audit(e)).toEqual({ status: "written" });
    const items = (await scan(tables.audit)).filter((i) => i.includes(`"${doc.tenant}#${doc.docId}"`));
    expect(items).toHaveLength(3);
    const page = await w.auditStore.query(doc, { after: 0, limit: 100 });
    expect(page.records.map((r) => [r.seq, r.userId, r.action, r.summary])).toEqual([
      [1, "alice", "insert", "inserted 22 chars at 0"],
      [2, "alice", "insert", "inserted 13 chars at 22"],
      [3, "bob", "delete", "deleted 6 chars at 6"],
      [4, "bob", "comment", "commented in thread th-1 (mentions alice)"],
      [5, "carol", "acl", "acl change: dave -> viewer"],
    ]);

    const before = await scan(tables.audit);
    expect(await audit(events[2])).toEqual({ status: "exists" });
    expect(await audit({ ...events[2], id: "redriven" })).toEqual({ status: "exists" });
    expect(await audit(events[0])).toEqual({ status: "exists" });
    expect(await scan(tables.audit)).toEqual(before);
    expect(await w.auditStore.query(doc, { after: 0, limit: 100 })).toEqual(page);
  });

  it("reads a pointer event's ops from the log", async () => {
    const doc = newDoc();
    const [big] = await commit(doc, [proseEntries(1, 120, 1024)]);
    const [entry] = committedEntries([big]);
    expect(entry.detail).toHaveProperty("opsRef");
    expect(await audit(eventOf(entry))).toEqual({ status: "written" });
    const { records } = await w.auditStore.query(doc, { after: 0, limit: 1000 });
    expect(records.map((r) => r.opId)).toEqual(big.entries.map((e) => e.id));
  });

  it("refuses a bad detail or another event type and writes nothing", async () => {
    const doc = newDoc();
    const [batch] = await commit(doc, [history()[0]]);
    const [entry] = committedEntries([batch]);
    const before = writesTo(tables.audit);
    const bad = eventOf({ ...entry, detail: { ...(entry.detail as object), seqEnd: 9 } });
    await expect(audit(bad)).rejects.toMatchObject({ code: "invalid_request" });
    await expect(audit(eventOf({ ...entry, detailType: "weft.other" }))).rejects.toThrow(/not a weft.ops.committed event/);
    expect(writesTo(tables.audit)).toBe(before);
    expect(await w.auditStore.query(doc, { after: 0, limit: 10 })).toEqual({ records: [] });
  });
});

describe("search handler", () => {
  it("indexes at once after a quiet spell, defers events inside the debounce window to one timed write; replays write nothing", async () => {
    // The search handlers read the wiring's clock: a manual one makes the window exact.
    const clock = new ManualClock(Date.now());
    const realClock = w.clock;
    w.clock = clock;
    onTestFinished(() => {
      w.clock = realClock;
    });
    const doc = newDoc();
    const batches = await commit(doc, history().slice(0, 1));
    const [first] = committedEntries(batches).map(eventOf);
    expect(await search(first)).toMatchObject({ status: "indexed", version: 2 });
    const brave = await searchDocuments(w.searchIndex, doc.tenant, parseQuery("brave"), { limit: 10, now: 0 });
    expect(brave.map((h) => [h.docId, h.version])).toEqual([[doc.docId, 2]]);

    const later = committedEntries(await commit(doc, history().slice(1))).map(eventOf);
    const deferred = await search(later[0]);
    expect(deferred).toMatchObject({ status: "deferred" });
    const { dueAt } = deferred as { dueAt: number };
    // A second event inside the window finds the deferral and writes nothing.
    const beforeSecond = writesTo(tables.search);
    expect(await search(later[1])).toEqual({ status: "deferred", dueAt });
    expect(writesTo(tables.search)).toBe(beforeSecond);
    expect((await w.searchIndex.head(doc)).meta?.version).toBe(2);
    // The search timer runs the write when the window ends: the text of both batches, once.
    clock.advance(DEBOUNCE_MS - 1);
    await searchTimers();
    expect((await w.searchIndex.head(doc)).meta?.version).toBe(2);
    clock.set(dueAt);
    await searchTimers();
    expect(await w.searchIndex.head(doc)).toMatchObject({ meta: { version: 5 } });
    expect((await w.searchIndex.head(doc)).dueAt).toBeUndefined();
    expect(await w.searchTimers.due(clock.now(), 100)).not.toContainEqual(expect.objectContaining({ doc }));
    const mine = async () => (await scan(tables.search)).filter((i) => i.includes(doc.tenant));
    const before = await mine();
    const results = async () =>
      Promise.all(["brave", "zebra", "hello world", "wor"].map((q) => searchDocuments(w.searchIndex, doc.tenant, parseQuery(q), { limit: 10, now: 0 })));
    const found = await results();
    expect(found.map((hits) => hits.map((h) => h.version))).toEqual([[], [5], [5], [5]]);

    const writes = writesTo(tables.search);
    for (const e of [later[1], later[0], first, { ...later[1], id: "redriven" }]) expect(await search(e)).toEqual({ status: "unchanged", version: 5 });
    expect(writesTo(tables.search)).toBe(writes);
    expect(await mine()).toEqual(before);
    expect(await results()).toEqual(found);
  });

  it("refuses a state behind the event (materializer not there yet) and a bad detail", async () => {
    const doc = newDoc();
    const batches = history().map((entries) => batchOf(doc, entries));
    for (const b of batches) await w.log.append(b);
    await w.docStates.apply(doc, batches.slice(0, 1));
    const events = committedEntries(batches).map(eventOf);
    await expect(search(events[2])).rejects.toThrow(/materialized to 2, below the event's seqEnd 5/);
    await expect(search(eventOf({ ...committedEntries(batches)[0], detail: { tenant: doc.tenant } }))).rejects.toMatchObject({
      code: "invalid_request",
    });
    expect(await w.searchIndex.load(doc)).toEqual({ terms: new Map() });
  });
});
