import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const children: ChildProcess[] = [];

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; ms: number }>;
}

/**
 * `node --import tsx packages/local/src/main.ts`, as `npm start` runs it, with only the given
 * environment. (Not the tsx CLI: it relays signals to a child process and, on a loaded host,
 * could give up waiting and die of the signal itself, exit 143.)
 */
function runMain(env: Record<string, string>): Run {
  const started = Date.now();
  const child = spawn(process.execPath, ["--import", "tsx", "packages/local/src/main.ts"], {
    cwd: ROOT,
    env: { HOME: process.env.HOME ?? "/tmp", PATH: process.env.PATH ?? "", ...env },
  });
  children.push(child);
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += String(d)));
  child.stderr!.on("data", (d) => (err += String(d)));
  const exited = new Promise<{ code: number | null; ms: number }>((resolve) =>
    child.once("exit", (code) => resolve({ code, ms: Date.now() - started })),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function waitForLine(run: Run, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = run.stdout().match(pattern);
    if (m) return m;
    if (run.child.exitCode !== null || Date.now() > deadline) throw new Error(`no ${pattern} in output:\n${run.stdout()}\n${run.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Java processes running DynamoDB Local on `port`. */
function dynamoProcesses(port: string): string[] {
  const ps = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" });
  return ps.split("\n").filter((l) => l.includes("DynamoDBLocal.jar") && new RegExp(`-port ${port}\\b`).test(l));
}

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
});

describe("npm start (packages/local/src/main.ts)", () => {
  test("prints one ready line, serves HTTP, and on SIGTERM exits 0 leaving no DynamoDB Local behind", async () => {
    const run = runMain({ WEFT_PORT: "0", WEFT_DATA: "memory" });
    const [, url] = await waitForLine(run, /^weft local stack ready at (http:\/\/127\.0\.0\.1:\d+)$/m);
    const [, dynamoPort] = await waitForLine(run, /"msg":"dynamodb local started","endpoint":"http:\/\/127\.0\.0\.1:(\d+)"/);
    expect(dynamoProcesses(dynamoPort)).toHaveLength(1);

    const res = await fetch(`${url}/no/such/route`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: "not_found", message: "no route for GET /no/such/route" } });

    run.child.kill("SIGTERM");
    const { code } = await run.exited;
    expect(code).toBe(0);
    expect(run.stdout().split("\n").filter((l) => l.includes("ready"))).toHaveLength(1);
    expect(dynamoProcesses(dynamoPort)).toEqual([]);
  }, 90_000);

  test("keeps data in WEFT_DATA between restarts, and a restart does not sequence anything twice", async () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-data-"));
    const { SignJWT } = await import("jose");
    const token = await new SignJWT({ sub: "alice", tid: "acme" })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode("weft-local-dev-secret"));
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const readLog = async (url: string) => (await (await fetch(`${url}/v1/docs/kept/ops`, { headers })).json()) as any;
    const start = async () => {
      const run = runMain({ WEFT_PORT: "0", WEFT_DATA: dir });
      const [, url] = await waitForLine(run, /^weft local stack ready at (http:\/\/127\.0\.0\.1:\d+)$/m);
      return { run, url };
    };
    try {
      const first = await start();
      const body = JSON.stringify({ clientId: "c1", base: 0, ops: [{ id: "kept1", seq: 1, type: "insert", pos: 0, text: "persisted" }] });
      expect((await fetch(`${first.url}/v1/docs/kept/ops`, { method: "POST", headers, body })).status).toBe(202);
      // The change creates the document: alice's owner entry is seq 1, kept1 seq 2.
      for (let i = 0; i < 100 && (await readLog(first.url)).version < 2; i++) await new Promise((r) => setTimeout(r, 100));
      first.run.child.kill("SIGTERM");
      expect((await first.run.exited).code).toBe(0);

      const second = await start();
      await new Promise((r) => setTimeout(r, 1500)); // give a wrongly rewound poller time to re-sequence
      const log = await readLog(second.url);
      expect(log.version).toBe(2);
      expect(log.ops.map((e: any) => [e.seq, e.id, e.text])).toEqual([[1, "~owner", undefined], [2, "kept1", "persisted"]]);
      second.run.child.kill("SIGTERM");
      expect((await second.run.exited).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test("without Java on PATH exits 1 at once with the install help", async () => {
    const empty = mkdtempSync(join(tmpdir(), "weft-no-java-"));
    try {
      const run = runMain({ WEFT_PORT: "0", WEFT_DATA: "memory", PATH: empty });
      const { code, ms } = await run.exited;
      expect(code).toBe(1);
      expect(run.stderr()).toContain("java was not found");
      expect(run.stderr()).toContain("DynamoDB Local needs Java 17 or newer on PATH");
      expect(run.stdout()).not.toContain("ready");
      expect(ms).toBeLessThan(15_000);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  }, 30_000);

  test("with its port taken exits 1 with a clear message", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    try {
      const port = String((blocker.address() as AddressInfo).port);
      const run = runMain({ WEFT_PORT: port, WEFT_DATA: "memory" });
      const { code } = await run.exited;
      expect(code).toBe(1);
      expect(run.stderr()).toContain(`port ${port} is already in use`);
      expect(run.stderr()).toContain("WEFT_PORT");
    } finally {
      blocker.close();
    }
  }, 30_000);
});
