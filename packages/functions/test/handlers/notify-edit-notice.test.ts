import type { EventBridgeEvent } from "aws-lambda";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { committedEntries, type DocRef, type LogEntry } from "@weft/core";
import { batchOf, newDoc } from "@weft/core/testing";
import { linkEnvironment } from "../../src/linked.js";
import type { Wiring } from "../../src/wiring.js";
import { freshTables } from "../adapters/dynamo-harness.js";
import { eventOf } from "./bus-event.js";

/**
 * The notify bus consumer's edit notice against DynamoDB Local: an editor's "X edited" goes to
 * the document's other watchers once per edit window, also when consumers of two of the
 * editor's batches decide at the same moment (EventBridge does not order a document's events,
 * and each invocation may have read the watcher records before the other's write): the
 * watcher store's atomic claim picks one.
 */
type Handler = (e: EventBridgeEvent<string, unknown>) => Promise<{ recipients: number; intents: number }>;
let w: Wiring;
let notify: Handler;

beforeAll(async () => {
  const tables = await freshTables();
  process.env.WEFT_DYNAMO_ENDPOINT = inject("dynamoEndpoint");
  Object.assign(process.env, linkEnvironment({ tables }));
  w = (await import("../../src/wiring.js")).wiring();
  notify = (await import("../../src/handlers/notify.js")).handler as Handler;
});

const at = Date.now();
const envelope = (seq: number, userId: string) => ({ seq, id: `op-${seq}`, clientId: `client-${userId}`, clientSeq: seq, userId, serverTs: at + seq });

async function commit(doc: DocRef, groups: LogEntry[][]) {
  const batches = groups.map((entries) => batchOf(doc, entries));
  for (const b of batches) expect(await w.log.append(b)).toBe("ok");
  return committedEntries(batches).map(eventOf);
}

describe("notify: edit notices", () => {
  it("two consumers deciding the same editor's batches at once tell each watcher once", async () => {
    const doc = newDoc();
    const [created, ...edits] = await commit(doc, [
      [
        { ...envelope(1, "alice"), type: "acl", targetUserId: "alice", role: "owner" },
        { ...envelope(2, "alice"), type: "acl", targetUserId: "bob", role: "editor" },
      ],
      [{ ...envelope(3, "alice"), type: "insert", pos: 0, text: "Roadmap" }],
      [{ ...envelope(4, "alice"), type: "insert", pos: 7, text: " 2027" }],
    ]);
    await notify(created);
    // Both edit batches at the same moment: each invocation reads the watchers before either writes.
    const results = await Promise.all(edits.map((e) => notify(e)));
    expect(results.map((r) => r.intents)).toEqual([1, 1]); // each batch wanted to tell bob
    const feed = await w.notify.feed.list({ tenant: doc.tenant, userId: "bob" }, { limit: 10 });
    const edited = feed.items.filter((i) => i.topic === "edits");
    expect(edited.map((i) => i.eventIds)).toHaveLength(1);
    expect(edited[0].eventIds).toHaveLength(1);
    expect(edited[0].title).toBe("alice edited Roadmap 2027"); // the title as of now: reads go through the log
    // Both events redelivered (a bus retry): the claimant's batch claims again and is deduped by
    // its event id; the other's stays out. Still one notice.
    await Promise.all(edits.map((e) => notify(e)));
    const after = (await w.notify.feed.list({ tenant: doc.tenant, userId: "bob" }, { limit: 10 })).items.filter((i) => i.topic === "edits");
    expect(after.map((i) => i.eventIds)).toEqual([edited[0].eventIds]);
    // Within the window nothing more; the claim stored the throttle.
    const [again] = await commit(doc, [[{ ...envelope(5, "alice"), type: "insert", pos: 0, text: "Q1 " }]]);
    expect(await notify(again)).toMatchObject({ recipients: 0 });
    const watchers = await w.notify.watchers.list(doc, { limit: 10 });
    expect(watchers.watchers.find((x) => x.userId === "alice")?.editsNotifiedAt).toBeGreaterThanOrEqual(at + 3);
  });
});
