import { ScanCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import type { EventBridgeEvent } from "aws-lambda";
import { beforeAll, describe, expect, inject, it, onTestFinished } from "vitest";
import {
  ManualClock,
  QUIET_MS,
  committedEntries,
  parseQuery,
  searchDocuments,
  type DocRef,
  type CommittedIndexOutcome,
  type LogBatch,
  type LogEntry,
} from "@weft/core";
import { batchOf, newDoc } from "@weft/core/testing";
import { linkEnvironment } from "../../src/linked.js";
import type { TableNames } from "../../src/adapters/dynamo/create-tables.js";
import type { Wiring } from "../../src/wiring.js";
import { client, freshTables } from "../adapters/dynamo-harness.js";
import { eventOf } from "./bus-event.js";

/**
 * The search bus consumer's real handlers against DynamoDB Local, invoked with EventBridge-shaped
 * events built from real log batches (materialized by the real DocStates): a replayed event,
 * and an older event after a newer one, leave every stored item of the search table
 * byte-identical and the query results unchanged. (The audit trail has no consumer: its
 * records are derived from the log on read, test/http/audit-route.test.ts.)
 */
type Handler<R> = (e: EventBridgeEvent<string, unknown>) => Promise<R>;
let tables: TableNames;
let w: Wiring;
let search: Handler<CommittedIndexOutcome>;
let searchTimers: () => Promise<void>;
const DEBOUNCE_MS = 2000;

beforeAll(async () => {
  tables = await freshTables();
  process.env.WEFT_DYNAMO_ENDPOINT = inject("dynamoEndpoint");
  // state: the log store adds its compaction timers there on append.
  Object.assign(process.env, linkEnvironment({ tables: { log: tables.log, docs: tables.docs, search: tables.search, state: tables.state } }));
  w = (await import("../../src/wiring.js")).wiring();
  // The handler answers one outcome per document batch of the event; these events hold one.
  const handler = (await import("../../src/handlers/search.js")).handler;
  search = async (e) => {
    const outcomes = await handler(e);
    expect(outcomes).toHaveLength(1);
    return outcomes[0];
  };
  searchTimers = (await import("../../src/handlers/search-timers.js")).handler;
  process.env.WEFT_SEARCH_DEBOUNCE_MS = String(DEBOUNCE_MS);
});

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

  it("checks kept in the timer table (WEFT_SEARCH_BUSY_CHECKS=timers): the deferral moves a window on until the busy window ends, which indexes", async () => {
    const clock = new ManualClock(Date.now());
    const realClock = w.clock;
    w.clock = clock;
    process.env.WEFT_SEARCH_BUSY_MS = String(3 * DEBOUNCE_MS);
    process.env.WEFT_SEARCH_BUSY_CHECKS = "timers";
    onTestFinished(() => {
      w.clock = realClock;
      delete process.env.WEFT_SEARCH_BUSY_MS;
      delete process.env.WEFT_SEARCH_BUSY_CHECKS;
    });
    const doc = newDoc();
    const T0 = clock.now();
    // Each op types a word: its own term.
    const typed = (seq: number, word: string): LogEntry[] => [{ ...envelope(seq, "alice"), serverTs: clock.now(), type: "insert", pos: 0, text: `${word} ` }];
    expect(await search(eventOf(committedEntries(await commit(doc, [typed(1, "alpha")]))[0]))).toMatchObject({ status: "indexed", version: 1 });
    clock.advance(500);
    const deferred = await search(eventOf(committedEntries(await commit(doc, [typed(2, "bravo")]))[0]));
    const { dueAt } = deferred as { dueAt: number };
    expect(deferred).toEqual({ status: "deferred", dueAt: T0 + DEBOUNCE_MS + 2 * 1 + 10 * 2 });
    // Still typing when the timer is due: the deferral moves one window on (timer first), no index write.
    clock.set(dueAt);
    await commit(doc, [typed(3, "charlie")]);
    await searchTimers();
    const moved = (await w.searchIndex.head(doc)).dueAt!;
    expect(moved).toBeGreaterThan(dueAt);
    expect((await w.searchIndex.head(doc)).meta?.version).toBe(1);
    expect((await w.searchTimers.due(Number.MAX_SAFE_INTEGER, 1000)).filter((t) => t.doc.docId === doc.docId)).toEqual([{ doc, dueAt: moved }]);
    // Typing goes on to the busy window's end (3 windows after the first index): then it is indexed.
    while ((await w.searchIndex.head(doc)).meta?.version === 1) {
      const next = (await w.searchIndex.head(doc)).dueAt!;
      expect(next).toBeLessThanOrEqual(T0 + 3 * DEBOUNCE_MS);
      clock.set(next);
      const seq = ((await w.docStates.read(doc))?.version ?? 0) + 1;
      await commit(doc, [typed(seq, `word${seq}`)]);
      await searchTimers();
    }
    expect(clock.now()).toBe(T0 + 3 * DEBOUNCE_MS);
    expect((await w.searchIndex.head(doc)).dueAt).toBeUndefined();
    const version = (await w.docStates.read(doc))!.version;
    expect((await w.searchIndex.head(doc)).meta?.version).toBe(version);
    for (const q of ["bravo", "charlie", `word${version}`]) {
      expect((await searchDocuments(w.searchIndex, doc.tenant, parseQuery(q), { limit: 10, now: 0 })).map((h) => h.docId)).toEqual([doc.docId]);
    }
  });

  it("a document still typed into at its timer: its deferral moves once, to the busy window's end; the handler's checks write nothing and index at the first pause", async () => {
    const clock = new ManualClock(Date.now());
    const realClock = w.clock;
    w.clock = clock;
    process.env.WEFT_SEARCH_BUSY_MS = String(6 * DEBOUNCE_MS);
    onTestFinished(() => {
      w.clock = realClock;
      delete process.env.WEFT_SEARCH_BUSY_MS;
    });
    const doc = newDoc();
    const T0 = clock.now();
    const typed = (seq: number, word: string): LogEntry[] => [{ ...envelope(seq, "alice"), serverTs: clock.now(), type: "insert", pos: 0, text: `${word} ` }];
    await search(eventOf(committedEntries(await commit(doc, [typed(1, "alpha")]))[0]));
    clock.advance(500);
    const { dueAt } = (await search(eventOf(committedEntries(await commit(doc, [typed(2, "bravo")]))[0]))) as { dueAt: number };
    clock.set(dueAt);
    await commit(doc, [typed(3, "charlie")]);
    await searchTimers();
    const end = (await w.searchIndex.head(doc)).dueAt!;
    expect(end).toBe(T0 + 6 * DEBOUNCE_MS);
    expect((await w.searchTimers.due(Number.MAX_SAFE_INTEGER, 1000)).filter((t) => t.doc.docId === doc.docId)).toEqual([{ doc, dueAt: end }]);
    // Typing every window: each tick's check finds a commit younger than QUIET_MS and writes nothing.
    const writes = writesTo(tables.search);
    for (let k = 1; k <= 2; k++) {
      clock.set(dueAt + k * (DEBOUNCE_MS + 100));
      await commit(doc, [typed(3 + k, `word${3 + k}`)]);
      await searchTimers();
    }
    expect(writesTo(tables.search)).toBe(writes);
    expect((await w.searchIndex.head(doc)).meta?.version).toBe(1);
    // A pause: the next check indexes now, long before the busy window's end, and removes the deferral's timer.
    clock.set(dueAt + 2 * (DEBOUNCE_MS + 100) + QUIET_MS + DEBOUNCE_MS);
    await searchTimers();
    expect(clock.now()).toBeLessThan(end);
    expect((await w.searchIndex.head(doc)).meta?.version).toBe(5);
    expect((await w.searchIndex.head(doc)).dueAt).toBeUndefined();
    expect((await w.searchTimers.due(Number.MAX_SAFE_INTEGER, 1000)).filter((t) => t.doc.docId === doc.docId)).toEqual([]);
    expect((await searchDocuments(w.searchIndex, doc.tenant, parseQuery("word5"), { limit: 10, now: 0 })).map((h) => h.docId)).toEqual([doc.docId]);
  });

  it("refuses a busy-checks setting it does not know", async () => {
    process.env.WEFT_SEARCH_BUSY_CHECKS = "memory";
    onTestFinished(() => void delete process.env.WEFT_SEARCH_BUSY_CHECKS);
    await expect(searchTimers()).rejects.toThrow(/WEFT_SEARCH_BUSY_CHECKS must be "process" or "timers", got "memory"/);
  });

  it("a search duration setting that is not milliseconds is refused, not read as NaN", async () => {
    const { searchIndexDeps } = await import("../../src/handlers/search.js");
    expect(searchIndexDeps(w, {})).toMatchObject({ debounceMs: 5_000, busyMs: 30_000 });
    expect(searchIndexDeps(w, { WEFT_SEARCH_DEBOUNCE_MS: "0", WEFT_SEARCH_BUSY_MS: "" })).toMatchObject({ debounceMs: 0, busyMs: 30_000 });
    for (const bad of ["abc", "-1", "5s"]) {
      expect(() => searchIndexDeps(w, { WEFT_SEARCH_BUSY_MS: bad })).toThrow(/WEFT_SEARCH_BUSY_MS must be a number of milliseconds >= 0/);
      expect(() => searchIndexDeps(w, { WEFT_SEARCH_DEBOUNCE_MS: bad })).toThrow(/WEFT_SEARCH_DEBOUNCE_MS must be a number of milliseconds >= 0/);
    }
  });

  it("refuses a state behind the event (a batch the log does not hold) and a bad detail", async () => {
    const doc = newDoc();
    const batches = history().map((entries) => batchOf(doc, entries));
    await w.log.append(batches[0]);
    await w.docStates.apply(doc, batches.slice(0, 1));
    const events = committedEntries(batches).map(eventOf);
    await expect(search(events[2])).rejects.toThrow(/materialized to 2, below the event's seqEnd 5/);
    await expect(search(eventOf({ ...committedEntries(batches)[0], detail: { tenant: doc.tenant } }))).rejects.toMatchObject({
      code: "invalid_request",
    });
    expect(await w.searchIndex.load(doc)).toEqual({ terms: new Map() });
  });
});
