import { afterAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { startTask, taskToken, type TaskProcess } from "./task-process.js";

/**
 * The room tier's container entry (packages/functions/src/rooms/main.ts) as a task runs it: its
 * own process with only the environment infra/rooms.ts gives it (table links, the JWT setting,
 * PORT and WEFT_ROOMS_PRIVATE_PORT), against the test stack's DynamoDB Local. It logs one ready
 * line, serves /health, takes a change over a socket and answers it decided, and on SIGTERM
 * (a deploy, a scale-in, a Spot reclaim) closes its sockets, spread over its drain, and exits 0.
 */
let task: TaskProcess | undefined;

afterAll(() => {
  task?.child.kill("SIGKILL");
});

describe("a room task process (rooms/main.ts)", () => {
  test("starts from its environment, serves /health and a submit, and exits 0 on SIGTERM after closing its sockets", async () => {
    task = await startTask();
    expect(task.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
    const health = await fetch(task.url.replace(/^ws/, "http").replace(/\/ws$/, "/health"));
    expect(await health.json()).toMatchObject({ ok: true, connections: 0, ownedDocuments: 0, forwards: { forwarded: 0, waits: 0, received: 0, handedOff: 0 } });

    const token = await taskToken("ann", `room-task-${Date.now().toString(36)}`);
    const ws = new WebSocket(`${task.url}?token=${encodeURIComponent(token)}`);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    const messages: any[] = [];
    ws.on("message", (d) => messages.push(JSON.parse(d.toString())));
    const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
    ws.send(JSON.stringify({ action: "submit", docId: "task-doc", ref: "r1", change: { clientId: "c", base: 0, ops: [{ id: "c-1", seq: 1, type: "insert", pos: 0, text: "hi" }] } }));
    await expect.poll(() => messages.find((m) => m.ref === "r1"), { timeout: 15_000 }).toEqual({
      type: "submitted",
      docId: "task-doc",
      ref: "r1",
      results: [{ id: "c-1", status: "accepted" }],
    });

    const { child } = task;
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await closed).toBe(1001);
    expect(await exited).toBe(0);
    task = undefined;
  }, 60_000);

  test("on SIGTERM with a drain, closes its sockets a slice at a time, refusing new ones and failing /health meanwhile", async () => {
    task = await startTask({ WEFT_ROOMS_DRAIN_MS: "3000" });
    const { url, child } = task;
    const healthUrl = url.replace(/^ws/, "http").replace(/\/ws$/, "/health");
    const tenant = `room-drain-${Date.now().toString(36)}`;
    const open = async () => {
      const ws = new WebSocket(`${url}?token=${encodeURIComponent(await taskToken("ann", tenant))}`);
      await new Promise<void>((resolve, reject) => {
        ws.once("open", () => resolve());
        ws.once("error", reject);
      });
      return ws;
    };
    const sockets = await Promise.all([open(), open(), open()]);
    const started = Date.now();
    const closedAt = sockets.map((ws) => new Promise<[number, number]>((resolve) => ws.once("close", (code) => resolve([code, Date.now() - started]))));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    // The first slice goes at once; while the others wait (the last one open for 2 s more), the
    // task is draining.
    await Promise.race(closedAt);
    expect(sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length).toBeGreaterThanOrEqual(1);
    const health = await fetch(healthUrl);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ ok: false, draining: true });
    const refused = new WebSocket(`${url}?token=${encodeURIComponent(await taskToken("ann", tenant))}`);
    expect(await new Promise((resolve) => refused.once("unexpected-response", (_req, res) => resolve(res.statusCode)))).toBe(503);
    const closes = await Promise.all(closedAt);
    expect(closes.map(([code]) => code)).toEqual([1001, 1001, 1001]);
    // Three sockets in three slices, 1 s apart on the task: the last well after the first (a
    // loose bound: the client sees each close a little after the task sends it).
    const times = closes.map(([, ms]) => ms).sort((x, y) => x - y);
    expect(times[2] - times[0]).toBeGreaterThanOrEqual(1000);
    expect(await exited).toBe(0);
    task = undefined;
  }, 60_000);

  test("refuses to start with a drain that is not a number of milliseconds", async () => {
    await expect(startTask({ WEFT_ROOMS_DRAIN_MS: "soon" })).rejects.toThrow(/^exited 1: .*room_task_failed.*WEFT_ROOMS_DRAIN_MS must be a number of milliseconds >= 0, not .*soon/);
  }, 60_000);
});
