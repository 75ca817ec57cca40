import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EventBridgeBus, PutEventsError, eventBridgeClient } from "../../src/adapters/eventbridge/bus.js";

/**
 * The adapter's batching and per-entry retry, through the real SDK against a scripted PutEvents
 * endpoint: EventBridge's transient per-entry failures (ThrottlingException, InternalFailure)
 * cannot be provoked from the real service or the local bus, so this endpoint answers from a
 * script. Everything else about the adapter runs against the local bus (Bus conformance suite).
 */
type Answer = (entries: Array<Record<string, unknown>>, call: number) => Array<{ EventId?: string; ErrorCode?: string; ErrorMessage?: string }>;

let server: Server;
let url: string;
let answer: Answer;
const calls: Array<Array<Record<string, unknown>>> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { Entries: Array<Record<string, unknown>> };
      calls.push(body.Entries);
      const entries = answer(body.Entries, calls.length);
      const text = JSON.stringify({ FailedEntryCount: entries.filter((e) => e.ErrorCode).length, Entries: entries });
      res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
      res.end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  calls.length = 0;
  answer = (entries) => entries.map((_, i) => ({ EventId: `id-${i}` }));
});

const sleeps: number[] = [];
const bus = (maxAttempts = 4) =>
  new EventBridgeBus({ client: eventBridgeClient(url), eventBusName: "weft-bus", maxAttempts, baseDelayMs: 8, maxDelayMs: 40, sleep: async (ms) => void sleeps.push(ms) });
const entry = (i: number, pad = 0) => ({ source: "weft", detailType: "t", detail: { i, pad: "x".repeat(pad) }, time: 1_760_000_000_000 });

describe("EventBridgeBus", () => {
  it("sends at most 10 entries and 256 KB per call, in order, to the configured bus", async () => {
    await bus().publish(Array.from({ length: 23 }, (_, i) => entry(i)));
    expect(calls.map((c) => c.length)).toEqual([10, 10, 3]);
    expect(calls.flat().map((e) => JSON.parse(e.Detail as string).i)).toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect(calls[0][0]).toMatchObject({ EventBusName: "weft-bus", Source: "weft", DetailType: "t", Time: 1_760_000_000 });
    calls.length = 0;
    await bus().publish([entry(0, 100_000), entry(1, 100_000), entry(2, 100_000)]);
    expect(calls.map((c) => c.length)).toEqual([2, 1]);
  });

  it("re-sends only the entries that failed, with jittered exponential backoff", async () => {
    sleeps.length = 0;
    answer = (entries, call) => entries.map((e, i) => (call <= 2 && JSON.parse(e.Detail as string).i % 2 === 1 ? { ErrorCode: "ThrottlingException", ErrorMessage: "slow down" } : { EventId: `id-${call}-${i}` }));
    await bus().publish([entry(0), entry(1), entry(2), entry(3)]);
    expect(calls.map((c) => c.map((e) => JSON.parse(e.Detail as string).i))).toEqual([[0, 1, 2, 3], [1, 3], [1, 3]]);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeLessThanOrEqual(8);
    expect(sleeps[1]).toBeLessThanOrEqual(16);
  });

  it("throws PutEventsError once retries are spent, naming the failures", async () => {
    answer = (entries) => entries.map(() => ({ ErrorCode: "InternalFailure", ErrorMessage: "try later" }));
    const err = await bus(3).publish([entry(0)]).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(PutEventsError);
    expect((err as PutEventsError).message).toMatch(/still failing after 3 attempts\): InternalFailure try later/);
    expect(calls).toHaveLength(3);
  });

  it("throws at once for a non-retryable per-entry code", async () => {
    answer = (entries) => entries.map((_, i) => (i === 1 ? { ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed." } : { EventId: "ok" }));
    await expect(bus().publish([entry(0), entry(1)])).rejects.toThrow(/non-retryable.*MalformedDetail/);
    expect(calls).toHaveLength(1);
  });

  it("refuses a bad entry before sending anything", async () => {
    await expect(bus().publish([entry(0), { source: "weft", detailType: "t", detail: [1, 2] }])).rejects.toMatchObject({ code: "invalid_request" });
    expect(calls).toEqual([]);
  });
});
