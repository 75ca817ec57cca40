import { afterAll, beforeAll, expect, inject, test } from "vitest";
import { NO_FUNCTION, type UsageUnit } from "@weft/core/cost/usage";
import { processUsage } from "@weft/functions/adapters/billing/usage-context";
import { freshDoc, token } from "../../../test/e2e/http.js";
import { LOCAL_EVENT_BUS } from "../src/event-bus/index.js";
import { invoke, localDurations, localFunction, platformLogBytes } from "../src/lambda.js";
import { LAMBDA_LOGGING } from "../../../infra/manifest.js";
import { startStack, type Stack } from "../src/stack.js";
import { openClient } from "./ws-fixture.js";

/*
 * Usage metering of the whole local stack, run in this process (as the cost benchmark runs
 * it) so its usage meter is readable here: one change posted over HTTP, then one WebSocket
 * session, and the units each function spent.
 */

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ port: 0, data: "memory", dynamoEndpoint: inject("dynamoEndpoint"), quiet: true, env: { WEFT_STRUCTURED_LOGS: "off" } });
});
afterAll(() => stack?.stop());

const total = (unit: UsageUnit, fn?: string) => processUsage.total(unit, fn);
const quantity = (unit: UsageUnit, fn: string, resource: string) =>
  processUsage.snapshot().find((l) => l.unit === unit && l.fn === fn && l.resource === resource)?.quantity ?? 0;

/** Polls the meter (no HTTP: requests would count) until `done`; a bounded wait, never an assertion on time. */
async function until(what: string, done: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(processUsage.snapshot())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("one change over HTTP: every function it runs meters its invocations, duration, requests, DynamoDB units and events", async () => {
  processUsage.reset();
  localDurations.clear();
  const docId = freshDoc("usage");
  const res = await fetch(`${stack.url}/v1/docs/${docId}/ops`, {
    method: "POST",
    headers: { authorization: `Bearer ${await token({ sub: "meter", tid: "usage-tenant" })}`, "content-type": "application/json" },
    body: JSON.stringify({ clientId: "c1", base: 0, ops: [{ id: "u1", seq: 1, type: "insert", pos: 0, text: "hello" }] }),
  });
  expect(res.status).toBe(202);
  await until("the change to go through the pipeline", () =>
    ["materializer", "broadcaster", "search", "notify"].every((fn) => total("lambda.invocations", fn) > 0) && total("eventbridge.events", "materializer") > 0,
  );

  // The one request, under the route's function, and its one invocation.
  expect(processUsage.snapshot().filter((l) => l.unit === "apigw.httpRequests")).toEqual([{ unit: "apigw.httpRequests", fn: "http", quantity: 1 }]);
  // Its response body went out to the internet (the receipts of the change).
  const answer = await res.text();
  expect(total("transfer.outBytes", "http")).toBe(Buffer.byteLength(answer));
  expect(total("lambda.invocations", "http")).toBe(1);
  expect(total("lambda.ms", "http")).toBeGreaterThanOrEqual(1);
  expect(localDurations.get("http")).toMatchObject({ invocations: 1 });
  expect(localDurations.get("http")!.awsCalls).toBeGreaterThan(0);
  // The stream-triggered functions, and what they wrote: the sequencer commits to the log table.
  expect(total("lambda.invocations", "sequencer")).toBeGreaterThan(0);
  expect(quantity("dynamodb.writeUnits", "http", stack.tables.inbox)).toBeGreaterThan(0);
  expect(quantity("dynamodb.writeUnits", "sequencer", stack.tables.log)).toBeGreaterThan(0);
  expect(quantity("eventbridge.events", "materializer", LOCAL_EVENT_BUS)).toBeGreaterThanOrEqual(1);
  // Lambda's own log lines: none for a successful invocation at the manifest's system log level WARN.
  expect(LAMBDA_LOGGING.systemLogLevel).toBe("WARN");
  for (const fn of ["http", "sequencer", "materializer"]) expect(total("logs.bytes", fn)).toBe(0);
  // Everything DynamoDB billed was spent inside a function (the stream pollers read outside any, for free).
  expect(processUsage.snapshot().filter((l) => l.unit.startsWith("dynamodb.") && l.fn === NO_FUNCTION)).toEqual([]);
  // The schedules run all along (locally every few hundred ms).
  await until("a scheduled run", () => total("scheduler.invocations", "timers") > 0);
  // Its invocation is counted when it ends.
  await until("the scheduled run's invocation", () => total("lambda.invocations", "timers") > 0);
});

test("one WebSocket session: messages both ways counted once each, and its connection minute", async () => {
  processUsage.reset();
  const tok = await token({ sub: "meter", tid: "usage-tenant" });
  const client = await openClient(`${stack.url.replace(/^http/, "ws")}/ws?token=${tok}`);
  client.ws.send('{"action":"ping"}');
  expect(JSON.parse(await client.next(0))).toEqual({ type: "pong" });
  client.ws.close();
  await client.closed;
  await until("the connection's minute and $disconnect", () => total("apigw.wsConnectionMinutes") > 0 && total("lambda.invocations", "ws") >= 3);

  // The ping (received by the gateway) and the pong (posted by the ws function through @connections).
  expect(processUsage.snapshot().filter((l) => l.unit.startsWith("apigw."))).toEqual([
    { unit: "apigw.wsConnectionMinutes", fn: "ws", quantity: 1 },
    { unit: "apigw.wsMessages", fn: "ws", quantity: 2 },
  ]);
  // Only the pong left AWS: data in is free.
  expect(processUsage.snapshot().filter((l) => l.unit === "transfer.outBytes")).toEqual([{ unit: "transfer.outBytes", fn: "ws", quantity: Buffer.byteLength('{"type":"pong"}') }]);
  expect(total("lambda.invocations", "wsAuthorizer")).toBe(1);
  expect(total("lambda.invocations", "ws")).toBe(3); // $connect, ping, $disconnect
});

test("Lambda's own log lines are metered as the manifest's logging settings write them", async () => {
  // The model: text at INFO writes START/END/REPORT, JSON at INFO its platform events, WARN nothing but a failure's report.
  expect(platformLogBytes({ format: "text", systemLogLevel: "INFO" }, true)).toBe(270);
  expect(platformLogBytes({ format: "json", systemLogLevel: "INFO" }, true)).toBe(450);
  expect(platformLogBytes({ format: "json", systemLogLevel: "WARN" }, true)).toBe(0);
  expect(platformLogBytes({ format: "json", systemLogLevel: "WARN" }, false)).toBe(330);
  // Invoked locally: what the handler writes, plus the platform bytes of its outcome.
  // (The stack installed the log metering: what a handler writes counts.)
  {
    const quiet = localFunction("logTestOk", async () => ({ fine: true }));
    const chatty = localFunction("logTestChatty", async () => {
      process.stdout.write("\n");
      return null;
    });
    const failing = localFunction("logTestFail", async () => {
      throw new Error("boom");
    });
    expect((await invoke(quiet, {}, "us-east-1")).ok).toBe(true);
    expect((await invoke(chatty, {}, "us-east-1")).ok).toBe(true);
    expect((await invoke(failing, {}, "us-east-1")).ok).toBe(false);
    expect(total("logs.bytes", "logTestOk")).toBe(platformLogBytes(LAMBDA_LOGGING, true));
    expect(total("logs.bytes", "logTestChatty")).toBe(1 + platformLogBytes(LAMBDA_LOGGING, true));
    expect(total("logs.bytes", "logTestFail")).toBe(platformLogBytes(LAMBDA_LOGGING, false));
  }
});
