import { PutEventsCommand, type EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { committedEntries, type LogBatch } from "@weft/core";
import { EventBridgeBus, eventBridgeClient } from "@weft/functions/adapters/eventbridge/bus";
import { COMMITTED_EVENT, rules as manifestRules } from "../../../../infra/manifest.js";
import { LocalEventBus, TargetFaults, type EventBridgeEvent, type LocalRule } from "../../src/event-bus/index.js";
import { localFunction, type LocalFunction } from "../../src/lambda.js";
import { startBusServer, type BusServer } from "./harness.js";

/** Rule matching and delivery of the local bus, fed through the real SDK over HTTP. */
let server: BusServer;
let client: EventBridgeClient;

beforeAll(async () => {
  server = await startBusServer();
  client = eventBridgeClient(server.url);
});
afterAll(async () => {
  client.destroy();
  await server.close();
});

/** A target function that records what it got, failing while `fail(n)` (n = 1-based invocation) is true. */
function recorder(name: string, fail: (n: number) => boolean = () => false) {
  const events: EventBridgeEvent[] = [];
  const at: number[] = [];
  const fn: LocalFunction = localFunction(name, async (e: EventBridgeEvent) => {
    events.push(e);
    at.push(performance.now());
    if (fail(events.length)) throw new Error(`${name} failed on call ${events.length}`);
  });
  return { fn, events, at };
}

const put = (bus: string, entries: Array<{ source?: string; detailType?: string; detail: unknown }>) =>
  client.send(
    new PutEventsCommand({
      Entries: entries.map((e) => ({ EventBusName: bus, Source: e.source ?? "weft", DetailType: e.detailType ?? "weft.ops.committed", Detail: JSON.stringify(e.detail) })),
    }),
  );

const batch = (docId: string, seqStart = 1): LogBatch => ({
  doc: { tenant: "acme", docId },
  seqStart,
  seqEnd: seqStart,
  entries: [{ seq: seqStart, id: `op${seqStart}`, clientId: "c1", clientSeq: seqStart, userId: "u1", serverTs: 1_760_000_000_000, type: "insert", pos: 0, text: "hi" }],
  lenAfter: 2,
  clients: [{ clientId: "c1", next: seqStart + 1 }],
  committedAt: 1_760_000_000_000,
});

describe("rule matching", () => {
  it("routes committed events to the manifest's rules and nothing else to them", async () => {
    const targets = { search: recorder("search"), notify: recorder("notify") };
    const dlq = recorder("dlq");
    const bus = server.use({
      name: "b-manifest",
      rules: Object.entries(manifestRules).map(([name, r]): LocalRule => ({ name, pattern: r.pattern, target: targets[r.target].fn, retry: r.retry, deadLetter: dlq.fn })),
    });
    const publisher = new EventBridgeBus({ client, eventBusName: "b-manifest" });
    await publisher.publish(committedEntries([batch("doc-a"), batch("doc-b", 7)]));
    await put("b-manifest", [{ source: "other", detail: { tenant: "acme" } }, { detailType: "weft.ops.rejected", detail: { tenant: "acme" } }]);
    await bus.drain();
    for (const t of Object.values(targets)) {
      expect(t.events.map((e) => [e.source, e["detail-type"], e.detail.docId, e.detail.seqStart])).toEqual(
        expect.arrayContaining([
          [COMMITTED_EVENT.source, COMMITTED_EVENT.detailType, "doc-a", 1],
          [COMMITTED_EVENT.source, COMMITTED_EVENT.detailType, "doc-b", 7],
        ]),
      );
      expect(t.events).toHaveLength(2);
    }
    expect(dlq.events).toEqual([]);
  });

  it("matches prefix, anything-but, numeric, exists and $or patterns with EventBridge semantics", async () => {
    const names = ["prefix", "anythingBut", "numeric", "exists", "notExists", "or"] as const;
    const t = Object.fromEntries(names.map((n) => [n, recorder(n)])) as Record<(typeof names)[number], ReturnType<typeof recorder>>;
    const retry = { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 };
    const patterns: Record<(typeof names)[number], unknown> = {
      prefix: { detail: { docId: [{ prefix: "spec-" }] } },
      anythingBut: { detail: { tenant: [{ "anything-but": ["acme", "globex"] }] } },
      numeric: { detail: { seqEnd: [{ numeric: [">=", 10, "<", 20] }] } },
      exists: { detail: { opsRef: { after: [{ exists: true }] } } },
      notExists: { detail: { tenant: [{ exists: false }] } },
      or: { $or: [{ source: ["audit-tool"] }, { detail: { seqStart: [{ numeric: ["=", 3] }] } }] },
    };
    const bus = server.use({
      name: "b-patterns",
      rules: names.map((n) => ({ name: n, pattern: patterns[n], target: t[n].fn, retry, deadLetter: t[n].fn })),
    });
    await put("b-patterns", [
      { detail: { tenant: "acme", docId: "spec-1", seqStart: 1, seqEnd: 1, ops: [] } },
      { detail: { tenant: "initech", docId: "other", seqStart: 3, seqEnd: 12, opsRef: { after: 2, until: 12 } } },
      { detail: { tenant: "globex", docId: "Spec-2", seqStart: 20, seqEnd: 20, ops: [] } },
      { detail: { tenant: "umbrella", docId: "x", seqStart: "10", seqEnd: "15", ops: [] } },
      { source: "audit-tool", detail: { docId: "spec-9" } },
    ]);
    await bus.drain();
    const docs = (n: (typeof names)[number]) => t[n].events.map((e) => e.detail.docId).sort();
    expect(docs("prefix")).toEqual(["spec-1", "spec-9"]);
    // A missing tenant never matches anything-but.
    expect(docs("anythingBut")).toEqual(["other", "x"]);
    // "15" is a string: numeric matches numbers only.
    expect(docs("numeric")).toEqual(["other"]);
    expect(docs("exists")).toEqual(["other"]);
    expect(docs("notExists")).toEqual(["spec-9"]);
    expect(docs("or")).toEqual(["other", "spec-9"]);
  });

  it("refuses to start with an invalid pattern, naming the rule", () => {
    const t = recorder("t");
    const retry = { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 };
    expect(() => new LocalEventBus({ name: "x", rules: [{ name: "broken", pattern: { detail: { n: [{ numeric: [">", "five"] }] } }, target: t.fn, retry, deadLetter: t.fn }] })).toThrow(
      /rule "broken": invalid event pattern/,
    );
    expect(() => new LocalEventBus({ name: "x", rules: [{ name: "empty", pattern: { source: [] }, target: t.fn, retry, deadLetter: t.fn }] })).toThrow(/rule "empty"/);
  });
});

describe("delivery, retries and dead letters", () => {
  const attribute = (e: SQSEvent, name: string) => e.Records[0].messageAttributes[name]?.stringValue;

  it("retries a failing target with growing backoff until it succeeds", async () => {
    const target = recorder("flaky", (n) => n <= 3);
    const dlq = recorder("dlq");
    const bus = server.use({
      name: "b-retry",
      backoff: { baseMs: 20, maxMs: 1000 },
      rules: [{ name: "r", pattern: { source: ["weft"] }, target: target.fn, retry: { maximumRetryAttempts: 5, maximumEventAgeInSeconds: 60 }, deadLetter: dlq.fn }],
    });
    await put("b-retry", [{ detail: { docId: "d" } }]);
    await bus.drain();
    expect(target.events).toHaveLength(4);
    expect(new Set(target.events.map((e) => e.id)).size).toBe(1);
    // Retry n waits at least half of 20 ms * 2^(n-1).
    const gaps = target.at.slice(1).map((t, i) => t - target.at[i]);
    gaps.forEach((g, i) => expect(g).toBeGreaterThanOrEqual(10 * 2 ** i - 1));
    expect(dlq.events).toEqual([]);
    expect(bus.counters).toMatchObject({ accepted: 1, invocations: 4, retries: 3, deadLettered: 0 });
  });

  it("dead-letters after maximumRetryAttempts with the SQS message EventBridge writes", async () => {
    const target = recorder("broken", () => true);
    const dlqEvents: SQSEvent[] = [];
    const dlq = localFunction("dlq", async (e: SQSEvent) => void dlqEvents.push(e));
    const bus = server.use({
      name: "b-dlq",
      backoff: { baseMs: 5, maxMs: 20 },
      rules: [{ name: "to-broken", pattern: { source: ["weft"] }, target: target.fn, retry: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 60 }, deadLetter: dlq }],
    });
    const out = await put("b-dlq", [{ detail: { tenant: "acme", docId: "d" } }]);
    await bus.drain();
    expect(target.events).toHaveLength(3);
    expect(dlqEvents).toHaveLength(1);
    const [record] = dlqEvents[0].Records;
    expect(JSON.parse(record.body)).toEqual(target.events[0]);
    expect(JSON.parse(record.body).id).toBe(out.Entries![0].EventId);
    expect(record.eventSource).toBe("aws:sqs");
    expect(attribute(dlqEvents[0], "RULE_ARN")).toBe("arn:aws:events:us-east-1:000000000000:rule/b-dlq/to-broken");
    expect(attribute(dlqEvents[0], "TARGET_ARN")).toBe("arn:aws:lambda:us-east-1:000000000000:function:broken");
    expect(attribute(dlqEvents[0], "ERROR_CODE")).toBe("FUNCTION_ERROR");
    expect(attribute(dlqEvents[0], "ERROR_MESSAGE")).toBe("broken failed on call 3");
    expect(attribute(dlqEvents[0], "RETRY_ATTEMPTS")).toBe("2");
  });

  it("dead-letters an event older than maximumEventAgeInSeconds without further retries", async () => {
    const target = recorder("slow", () => true);
    const dlqEvents: SQSEvent[] = [];
    const bus = server.use({
      name: "b-age",
      backoff: { baseMs: 5, maxMs: 20 },
      rules: [
        {
          name: "aged",
          pattern: { source: ["weft"] },
          target: localFunction("slow", async (e: EventBridgeEvent) => {
            await new Promise((r) => setTimeout(r, 30));
            return target.fn.load().then((h) => h(e, {} as never));
          }),
          retry: { maximumRetryAttempts: 100, maximumEventAgeInSeconds: 0 },
          deadLetter: localFunction("dlq", async (e: SQSEvent) => void dlqEvents.push(e)),
        },
      ],
    });
    await put("b-age", [{ detail: { docId: "d" } }]);
    await bus.drain();
    expect(target.events).toHaveLength(1);
    expect(attribute(dlqEvents[0], "ERROR_CODE")).toBe("EVENT_EXPIRED");
  });

  it("injects target faults only on the local stage, for the first K deliveries of each batch", async () => {
    const env = { WEFT_STAGE: "local", WEFT_FAULT_FAIL_TARGET: "search:bus-fault-" };
    const faults = new TargetFaults(env);
    const event = (docId: string, seqStart = 1) => ({ detail: { tenant: "t", docId, seqStart } }) as unknown as EventBridgeEvent;
    const outcomes = [1, 2, 3].map(() => faults.check("search", event("bus-fault-2-a")) !== undefined);
    expect(outcomes).toEqual([true, true, false]);
    expect(faults.check("search", event("bus-fault-2-a", 5))).toBeInstanceOf(Error);
    expect(faults.check("notify", event("bus-fault-2-b"))).toBeUndefined();
    expect(faults.check("search", event("plain-doc"))).toBeUndefined();
    expect(faults.check("search", event("bus-fault-x"))).toBeUndefined();
    // The packed form: a document batch inside `detail.batches`.
    const packed = { detail: { tenant: "t", batches: [{ docId: "plain-doc", seqStart: 1 }, { docId: "bus-fault-1-p", seqStart: 4 }] } } as unknown as EventBridgeEvent;
    expect([1, 2].map(() => faults.check("search", packed)?.message)).toEqual(["injected fault: delivery 1 of 1 to search fails for bus-fault-1-p", undefined]);
    const onAws = new TargetFaults({ ...env, WEFT_STAGE: "production" });
    expect(onAws.check("search", event("bus-fault-2-c"))).toBeUndefined();
  });

  it("stop() finishes in-flight deliveries at once, skipping backoff waits", async () => {
    const target = recorder("never", () => true);
    const dlq = recorder("dlq");
    const bus = server.use({
      name: "b-stop",
      backoff: { baseMs: 60_000, maxMs: 60_000 },
      rules: [{ name: "r", pattern: { source: ["weft"] }, target: target.fn, retry: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 }, deadLetter: dlq.fn }],
    });
    await put("b-stop", [{ detail: { docId: "d" } }]);
    const started = performance.now();
    await bus.stop();
    // Waiting out the backoff would take 3 minutes: a bound far below it, not a speed goal.
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(target.events).toHaveLength(4);
    expect(dlq.events).toHaveLength(1);
    expect(() => bus.put({ Entries: [] })).toThrow(/stopped/);
  });
});
