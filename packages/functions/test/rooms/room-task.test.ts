import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, inject, test } from "vitest";
import WebSocket from "ws";
import { SignJWT } from "jose";
import { linkEnvironment } from "../../src/linked.js";

/**
 * The room tier's container entry (packages/functions/src/rooms/main.ts) as a task runs it: its
 * own process with only the environment infra/rooms.ts gives it (table links, the JWT setting,
 * PORT and WEFT_ROOMS_PRIVATE_PORT), against the test stack's DynamoDB Local. It logs one ready
 * line, serves /health, takes a change over a socket and answers it decided, and on SIGTERM
 * (a deploy or a scale-in) closes its sockets and exits 0.
 */
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const SECRET = "room-task-test-secret";
let child: ChildProcess | undefined;

afterAll(() => {
  child?.kill("SIGKILL");
});

function start(): Promise<{ url: string; privateUrl: string; lines: string[] }> {
  const tables = inject("stackTables");
  child = spawn(process.execPath, ["--import", "tsx", "packages/functions/src/rooms/main.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      WEFT_STAGE: "local",
      AWS_REGION: "us-east-1",
      WEFT_DYNAMO_ENDPOINT: inject("stackDynamoEndpoint"),
      WEFT_JWT_SECRET: SECRET,
      PORT: "0",
      WEFT_ROOMS_PRIVATE_PORT: "0",
      WEFT_STRUCTURED_LOGS: "on",
      ...linkEnvironment({ app: { name: "weft", stage: "local" }, tables }),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line: ${lines.join("\n")}`)), 30_000);
    const onData = (data: Buffer) => {
      for (const line of data.toString().split("\n").filter(Boolean)) {
        lines.push(line);
        try {
          const parsed = JSON.parse(line) as { kind?: string; url?: string; privateUrl?: string };
          if (parsed.kind === "room_task_ready") {
            clearTimeout(timer);
            resolve({ url: parsed.url!, privateUrl: parsed.privateUrl!, lines });
          }
        } catch {
          // not a JSON line
        }
      }
    };
    child!.stdout!.on("data", onData);
    child!.stderr!.on("data", onData);
    child!.once("exit", (code) => reject(new Error(`exited ${code}: ${lines.join("\n")}`)));
  });
}

describe("a room task process (rooms/main.ts)", () => {
  test("starts from its environment, serves /health and a submit, and exits 0 on SIGTERM after closing its sockets", async () => {
    const task = await start();
    expect(task.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
    const health = await fetch(task.url.replace(/^ws/, "http").replace(/\/ws$/, "/health"));
    expect(await health.json()).toMatchObject({ ok: true, connections: 0 });

    const token = await new SignJWT({ sub: "ann", tid: `room-task-${Date.now().toString(36)}` })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(SECRET));
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

    const exited = new Promise<number | null>((resolve) => child!.once("exit", (code) => resolve(code)));
    child!.kill("SIGTERM");
    expect(await closed).toBe(1001);
    expect(await exited).toBe(0);
    child = undefined;
  }, 60_000);
});
