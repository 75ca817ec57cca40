import { randomUUID } from "node:crypto";
import { PutItemCommand, QueryCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { decisionKey } from "@weft/core/notify/stores/index";
import type { DecisionRecord } from "@weft/core/notify/vocabulary";
import { CapacityAccumulator } from "../../src/adapters/dynamo/capacity.js";
import { packRecords } from "../../src/adapters/dynamo/notify-decision-bundles.js";
import { DynamoDecisionLogStore } from "../../src/adapters/dynamo/notify-decision-log-store.js";
import { client, freshTables } from "./dynamo-harness.js";

// The decision log's own layout and costs (its contract: the conformance suite in dynamo-notify.test.ts).
let table: string;
beforeAll(async () => {
  table = (await freshTables()).notify;
});

const T0 = Date.UTC(2030, 0, 1, 12);
const user = () => ({ tenant: `t${randomUUID().slice(0, 8)}`, userId: `u${randomUUID().slice(0, 8)}` });
async function partition(pk: string): Promise<Array<Record<string, AttributeValue>>> {
  const out = await client.send(
    new QueryCommand({ TableName: table, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": { S: pk } }, ConsistentRead: true }),
  );
  return out.Items ?? [];
}

describe("DynamoDecisionLogStore layout and costs", () => {
  it("stores one engine call's records as one item, a write unit, however many events and notifications they name", async () => {
    const who = user();
    const meter = new CapacityAccumulator();
    const store = new DynamoDecisionLogStore({ client, table, meter, now: () => T0 });
    const r = (fields: Partial<DecisionRecord>): DecisionRecord => ({ ...who, eventId: "ev-1", reason: "sent", policyVersion: "p1.r1", at: T0, ...fields });
    // A send on two channels, a blocked channel and a deferral: 5 records of one event, 2 notification ids.
    const call = () => [
      r({ notificationId: "n-app", channel: "in_app" }),
      r({ notificationId: "n-push", channel: "mobile_push" }),
      r({ channel: "sms", reason: "suppressed:preference", detail: "no verified phone" }),
      r({ channel: "email", reason: "deferred:quiet_hours", detail: "until 07:00" }),
      r({ notificationId: "n-push", channel: "web_push" }),
    ];
    await store.append(call());
    const items = await partition(`d#${who.tenant}#${who.userId}`);
    expect(items.map((i) => i.sk.S!.replace(/#[0-9a-f]{16}$/, ""))).toEqual([`t#${String(T0).padStart(16, "0")}`]);
    expect(items[0].k.SS!.sort()).toEqual(["e:ev-1", "n:n-app", "n:n-push"]);
    expect(meter.snapshot().total.write).toBe(1);
    // A replay writes the same item, nothing new.
    await store.append(call());
    expect(await partition(`d#${who.tenant}#${who.userId}`)).toHaveLength(1);
    expect((await store.byNotification(who.tenant, who.userId, "n-push")).map((x) => x.channel)).toEqual(["mobile_push", "web_push"]);
    expect((await store.byEvent(who.tenant, who.userId, "ev-1", { since: T0 })).map((x) => x.channel).sort()).toEqual(["email", "in_app", "mobile_push", "sms", "web_push"]);
  });

  it("serves a lookup from the user's bundles filtered server side, reading from `since` only", async () => {
    const who = user();
    const meter = new CapacityAccumulator();
    const store = new DynamoDecisionLogStore({ client, table, meter, now: () => T0 + 600_000 });
    // 300 engine calls a second apart, each its own event and notification, ~300 B a bundle.
    const calls = Array.from({ length: 300 }, (_, k): DecisionRecord => ({ ...who, eventId: `ev-${k}`, notificationId: `n-${k}`, channel: "in_app", reason: "sent", policyVersion: "p1.r1", at: T0 + k * 1000, detail: `call ${k} `.repeat(20) }));
    for (let i = 0; i < calls.length; i += 25) await store.append(calls.slice(i, i + 25));
    const read = () => meter.snapshot().total.read;
    const before = read();
    expect(await store.byNotification(who.tenant, who.userId, "n-7")).toEqual([calls[7]]);
    const whole = read() - before;
    expect(await store.byNotification(who.tenant, who.userId, "n-290", { since: calls[290].at })).toEqual([calls[290]]);
    const bounded = read() - before - whole;
    // The whole range costs what its bytes cost (strongly consistent: 1 unit per 4 KB); from `since`, a few units.
    expect(whole).toBeGreaterThan(10);
    expect(bounded).toBeLessThanOrEqual(2);
  });

  it("keeps finding bundles of the layout before (index copies under e# and n#, no k)", async () => {
    const who = user();
    const pk = `d#${who.tenant}#${who.userId}`;
    const store = new DynamoDecisionLogStore({ client, table, now: () => T0 });
    const recs: DecisionRecord[] = [
      { ...who, eventId: "ev-a", notificationId: "n-a", channel: "in_app", reason: "sent", policyVersion: "p", at: T0 - 5000 },
      { ...who, eventId: "ev-a", channel: "email", reason: "deferred:quiet_hours", policyVersion: "p", at: T0 - 5000 },
    ];
    const body = { b: { B: packRecords(recs) }, expiresAt: { N: String(Math.ceil((T0 + 30 * 86_400_000) / 1000)) } };
    const at = String(T0 - 5000).padStart(16, "0");
    for (const [sk, part] of [[`t#${at}#00000000000000aa`, recs], [`e#ev-a#${at}#00000000000000aa`, recs], [`n#n-a#${at}#00000000000000aa`, [recs[0]]]] as const) {
      await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, sk: { S: sk }, ...body, b: { B: packRecords(part) } } }));
    }
    const fresh: DecisionRecord = { ...who, eventId: "ev-a", notificationId: "n-a", channel: "email", reason: "sent", policyVersion: "p", at: T0 };
    await store.append([fresh]);
    expect(await store.byEvent(who.tenant, who.userId, "ev-a")).toEqual([recs[1], recs[0], fresh]);
    expect(await store.byNotification(who.tenant, who.userId, "n-a")).toEqual([recs[0], fresh]);
    expect(await store.byNotification(who.tenant, who.userId, "n-a", { since: T0 - 4999 })).toEqual([fresh]);
    expect((await store.byUser(who.tenant, who.userId, { limit: 10 })).records).toEqual([fresh, recs[0], recs[1]]);
  });

  it("keeps finding records of the layout before (one item per record and index), cursors included", async () => {
    const who = user();
    const pk = `d#${who.tenant}#${who.userId}`;
    const store = new DynamoDecisionLogStore({ client, table, now: () => T0 });
    const old = (k: number): DecisionRecord => ({ ...who, eventId: `ev-${k % 2}`, notificationId: `n-${k}`, reason: "sent", policyVersion: "p", at: T0 - 1000 + k * 100 });
    for (let k = 0; k < 6; k++) {
      const rec = old(k);
      const body = { r: { S: JSON.stringify(rec) }, expiresAt: { N: String(Math.ceil((rec.at + 30 * 86_400_000) / 1000)) } };
      for (const sk of [`t#${decisionKey(rec)}`, `e#${rec.eventId}#${decisionKey(rec)}`, `n#${rec.notificationId}#${decisionKey(rec)}`]) {
        await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, sk: { S: sk }, ...body } }));
      }
    }
    const fresh = Array.from({ length: 4 }, (_, k) => ({ ...old(k), notificationId: `m-${k}`, at: T0 - 950 + k * 200 }));
    await store.append(fresh);
    const all = [...Array.from({ length: 6 }, (_, k) => old(k)), ...fresh].sort((a, b) => (decisionKey(a) < decisionKey(b) ? 1 : -1));
    const pages: DecisionRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.byUser(who.tenant, who.userId, { limit: 3, ...(cursor ? { cursor } : {}) });
      pages.push(...page.records);
      cursor = page.cursor;
    } while (cursor);
    expect(pages).toEqual(all);
    expect(await store.byEvent(who.tenant, who.userId, "ev-1")).toEqual(all.filter((r) => r.eventId === "ev-1").reverse());
    expect(await store.byNotification(who.tenant, who.userId, "n-3")).toEqual([old(3)]);
  });
});
