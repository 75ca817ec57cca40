import { ListRulesCommand, PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { eventBridgeClient } from "@weft/functions/adapters/eventbridge/bus";
import type { EventBridgeEvent } from "../../src/event-bus/index.js";
import { localFunction } from "../../src/lambda.js";
import { startBusServer, type BusServer } from "./harness.js";

/** The local PutEvents endpoint driven by the real EventBridge SDK over HTTP: what it accepts and how it refuses. */
let server: BusServer;
let client: EventBridgeClient;
const got: EventBridgeEvent[] = [];
const sink = localFunction("sink", async (e: EventBridgeEvent) => void got.push(e));

beforeAll(async () => {
  server = await startBusServer();
  client = eventBridgeClient(server.url);
});
afterAll(async () => {
  client.destroy();
  await server.close();
});
beforeEach(async () => {
  await server.bus()?.stop();
  got.length = 0;
  server.use({
    name: "test-bus",
    rules: [{ name: "all", pattern: { source: [{ exists: true }] }, target: sink, retry: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 }, deadLetter: sink }],
  });
});

const ok = (over: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  EventBusName: "test-bus",
  Source: "weft",
  DetailType: "weft.ops.committed",
  Detail: JSON.stringify({ tenant: "acme", docId: "d1" }),
  ...over,
});

describe("local PutEvents endpoint", () => {
  it("accepts valid entries: an id each, and the event EventBridge would deliver", async () => {
    const out = await client.send(
      new PutEventsCommand({ Entries: [ok({ Time: new Date(1_760_000_000_999) }), ok({ EventBusName: "arn:aws:events:us-east-1:000000000000:event-bus/test-bus", Resources: ["r1"] })] }),
    );
    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries).toHaveLength(2);
    for (const e of out.Entries!) expect(e.EventId).toMatch(/^[0-9a-f-]{36}$/);
    await server.bus().drain();
    const first = got.find((e) => e.id === out.Entries![0].EventId)!;
    expect(first).toEqual({
      version: "0",
      id: out.Entries![0].EventId,
      "detail-type": "weft.ops.committed",
      source: "weft",
      account: "000000000000",
      time: "2025-10-09T08:53:20Z",
      region: "us-east-1",
      resources: [],
      detail: { tenant: "acme", docId: "d1" },
    });
    expect(got.find((e) => e.id === out.Entries![1].EventId)!.resources).toEqual(["r1"]);
  });

  it("reports bad entries one by one with EventBridge's error codes and delivers only the good ones", async () => {
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          ok({ Source: undefined }),
          ok({ DetailType: "" }),
          ok({ Detail: undefined }),
          ok({ Detail: "{not json" }),
          ok({ Detail: "[1,2]" }),
          ok({ Detail: '"text"' }),
          ok({ EventBusName: "no-such-bus" }),
          ok({ EventBusName: undefined }),
          ok(),
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(8);
    const codes = out.Entries!.map((e) => e.ErrorCode ?? "ok");
    expect(codes).toEqual(["InvalidArgument", "InvalidArgument", "InvalidArgument", "MalformedDetail", "MalformedDetail", "MalformedDetail", "InvalidArgument", "InvalidArgument", "ok"]);
    expect(out.Entries![0].ErrorMessage).toMatch(/Source/);
    expect(out.Entries![2].ErrorMessage).toMatch(/Detail is a required argument/);
    expect(out.Entries![6].ErrorMessage).toBe("Event bus no-such-bus does not exist.");
    expect(out.Entries![7].ErrorMessage).toBe("Event bus default does not exist.");
    await server.bus().drain();
    expect(got.map((e) => e.id)).toEqual([out.Entries![8].EventId]);
  });

  it("refuses more than 10 entries, none, or over 256 KB in all with ValidationException", async () => {
    const refused = async (Entries: PutEventsRequestEntry[]) => {
      const err = await client.send(new PutEventsCommand({ Entries })).then(() => undefined, (e: Error & { $metadata?: { httpStatusCode?: number } }) => e);
      expect(err?.name).toBe("ValidationException");
      expect(err?.$metadata?.httpStatusCode).toBe(400);
      return err!.message;
    };
    expect(await refused(Array.from({ length: 11 }, () => ok()))).toMatch(/less than or equal to 10/);
    expect(await refused([])).toMatch(/greater than or equal to 1/);
    const half = JSON.stringify({ pad: "x".repeat(130 * 1024) });
    expect(await refused([ok({ Detail: half }), ok({ Detail: half })])).toMatch(/Total size of the entries/);
    // Exactly 256 KB in all is accepted: 2 x (4 source + 18 detail type + detail) = 262144.
    const exact = JSON.stringify({ pad: "y".repeat(128 * 1024 - 22 - 10) });
    const out = await client.send(new PutEventsCommand({ Entries: [ok({ Detail: exact }), ok({ Detail: exact })] }));
    expect(out.FailedEntryCount).toBe(0);
    await server.bus().drain();
    expect(got).toHaveLength(2);
  });

  it("answers other operations with UnknownOperationException and a non-JSON body with SerializationException", async () => {
    await expect(client.send(new ListRulesCommand({}))).rejects.toMatchObject({ name: "UnknownOperationException" });
    const res = await fetch(server.url, { method: "POST", headers: { "x-amz-target": "AWSEvents.PutEvents", "content-type": "application/x-amz-json-1.1" }, body: "{oops" });
    expect(res.status).toBe(400);
    expect(res.headers.get("x-amzn-errortype")).toBe("SerializationException");
    expect(await res.json()).toMatchObject({ __type: "SerializationException" });
  });

  it("leaves requests without the EventBridge target header to the other routes", async () => {
    const res = await fetch(server.url, { method: "POST", body: "{}" });
    expect(res.status).toBe(404);
    expect(got).toEqual([]);
  });
});
