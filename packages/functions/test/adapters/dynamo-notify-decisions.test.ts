import { randomUUID } from "node:crypto";
import { PutItemCommand, QueryCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { decisionKey } from "@weft/core/notify/stores/index";
import type { DecisionRecord } from "@weft/core/notify/vocabulary";
import { CapacityAccumulator } from "../../src/adapters/dynamo/capacity.js";
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
  it("stores one engine call's records as one item per index: 1 + events + notification ids, a write unit each", async () => {
    const who = user();
    const meter = new CapacityAccumulator();
    const store = new DynamoDecisionLogStore({ client, table, meter, now: () => T0 });
    const r = (fields: Partial<DecisionRecord>): DecisionRecord => ({ ...who, eventId: "ev-1", reason: "sent", policyVersion: "p1.r1", at: T0, ...fields });
    // A send on two channels, a blocked channel and a deferral: 5 records of one event, 2 notification ids.
    await store.append([
      r({ notificationId: "n-app", channel: "in_app" }),
      r({ notificationId: "n-push", channel: "mobile_push" }),
      r({ channel: "sms", reason: "suppressed:preference", detail: "no verified phone" }),
      r({ channel: "email", reason: "deferred:quiet_hours", detail: "until 07:00" }),
      r({ notificationId: "n-push", channel: "web_push" }),
    ]);
    const items = await partition(`d#${who.tenant}#${who.userId}`);
    expect(items.map((i) => i.sk.S!.replace(/#[0-9a-f]{16}$/, "")).sort()).toEqual([
      `e#ev-1#${String(T0).padStart(16, "0")}`,
      `n#n-app#${String(T0).padStart(16, "0")}`,
      `n#n-push#${String(T0).padStart(16, "0")}`,
      `t#${String(T0).padStart(16, "0")}`,
    ]);
    expect(meter.snapshot().total.write).toBe(4);
    // A replay writes the same items, nothing new.
    await store.append([r({ notificationId: "n-app", channel: "in_app" }), r({ notificationId: "n-push", channel: "mobile_push" }), r({ channel: "sms", reason: "suppressed:preference", detail: "no verified phone" }), r({ channel: "email", reason: "deferred:quiet_hours", detail: "until 07:00" }), r({ notificationId: "n-push", channel: "web_push" })]);
    expect(await partition(`d#${who.tenant}#${who.userId}`)).toHaveLength(4);
    expect((await store.byNotification(who.tenant, who.userId, "n-push")).map((x) => x.channel)).toEqual(["mobile_push", "web_push"]);
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
