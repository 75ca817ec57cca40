import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { RECORD_FILE, stopLeftovers } from "../src/dynamo-leftovers.js";
import { processInfo } from "../src/process-table.js";
import { memoryLogger } from "./helpers.js";
import { docsClient, dynamoLocalsWith, eventually, killEverything, readyUrl, runStack, signal, watchdogsOf, type StackRun } from "./stack-process.js";

/**
 * However `npm start` ends, it leaves no DynamoDB Local behind, or the next start on the same
 * data directory stops the leftover before starting its own: never two on one directory.
 * Real processes throughout: main.ts (or crash-entry.ts, the same startup plus a crash) in a
 * process group of its own, ended the way a terminal, a crash or `kill -9` ends it; DynamoDB
 * Locals are counted by their argv in /proc, so these tests run on Linux only.
 */
const onLinux = process.platform === "linux";
const dirs: string[] = [];
const javas: number[] = [];
const bystanders: number[] = [];

function dataDir(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "weft-hygiene-")));
  dirs.push(dir);
  return dir;
}

/** A process that has nothing to do with DynamoDB Local (killed in afterAll). */
function bystander(argv: string[] = ["sleep", "300"]) {
  const child = spawn(argv[0], argv.slice(1), { stdio: "ignore" });
  bystanders.push(child.pid!);
  return child;
}

type Started = { run: StackRun; url: string; java: number };

/** Waits for `run`'s ready line and finds its one DynamoDB Local (by the port it logged). */
async function started(run: StackRun): Promise<Started> {
  const url = await readyUrl(run);
  const port = /"msg":"dynamodb local started","endpoint":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(run.stdout())![1];
  const found = dynamoLocalsWith("-port", port);
  expect(found).toHaveLength(1);
  javas.push(found[0]);
  return { run, url, java: found[0] };
}

const start = (data: string, entry?: string, args?: string[]) => started(runStack({ WEFT_PORT: "0", WEFT_DATA: data }, entry, args));

/** After `run` exited: neither its DynamoDB Local, nor its watchdog, nor its record is left. */
async function expectNothingLeft(java: number, dir?: string): Promise<void> {
  expect(await eventually(() => processInfo(java) === undefined, 5_000), `DynamoDB Local ${java} still runs`).toBe(true);
  if (dir) expect(dynamoLocalsWith(dir)).toEqual([]);
  expect(await eventually(() => watchdogsOf(java).length === 0, 5_000), "watchdog still runs").toBe(true);
  if (dir) expect(existsSync(join(dir, RECORD_FILE))).toBe(false);
}

/** Sends `sig` to the stack's process group, as a terminal does, and expects a clean stop. */
async function expectCleanStop(s: { run: StackRun; java: number }, sig: NodeJS.Signals, dir?: string): Promise<void> {
  signal(-s.run.pid, sig);
  const { code } = await s.run.exited;
  expect(code, s.run.stderr()).toBe(0);
  expect(s.run.stdout()).toContain(`"msg":"stopping","signal":"${sig}"`);
  await expectNothingLeft(s.java, dir);
}

// Whatever failed, nothing this file started keeps running.
afterAll(() => {
  if (onLinux) killEverything(dirs);
  if (onLinux) for (const pid of dynamoLocalsWith().filter((p) => javas.includes(p))) signal(pid, "SIGKILL");
  for (const pid of bystanders) signal(pid, "SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const MINUTE = 60_000;

describe.runIf(onLinux)("ending by SIGKILL of the node process alone", () => {
  const dir = dataDir();
  let first: Started;
  let second: Started;

  test("its watchdog stops its DynamoDB Local within seconds", async () => {
    first = await start(dir);
    expect(dynamoLocalsWith(dir)).toEqual([first.java]);
    expect(watchdogsOf(first.java)).toHaveLength(1);
    await (await docsClient(first.url)).write("kept-a", "written before SIGKILL");
    signal(first.run.pid, "SIGKILL");
    expect((await first.run.exited).signal).toBe("SIGKILL");
    expect(await eventually(() => dynamoLocalsWith(dir).length === 0, 10_000)).toBe(true);
    expect(await eventually(() => watchdogsOf(first.java).length === 0, 5_000)).toBe(true);
  }, 2 * MINUTE);

  test("a restart ignores a stale record naming an unrelated process, runs one DynamoDB Local, and reads the data", async () => {
    // The record names a live process that is not DynamoDB Local (as after pid reuse), with
    // that process's own start time: only the command line check stands between it and a kill.
    const unrelated = bystander();
    const record = JSON.parse(readFileSync(join(dir, RECORD_FILE), "utf8"));
    writeFileSync(join(dir, RECORD_FILE), JSON.stringify({ ...record, pid: unrelated.pid, startTime: processInfo(unrelated.pid!)!.startTime }));
    second = await start(dir);
    expect(dynamoLocalsWith(dir)).toEqual([second.java]);
    expect(second.run.stderr()).not.toContain("stopped a DynamoDB Local");
    expect(unrelated.exitCode).toBeNull();
    expect(processInfo(unrelated.pid!)).toBeDefined();
    const log = await (await docsClient(second.url)).readLog("kept-a");
    expect(log.ops.map((e: any) => e.text)).toContain("written before SIGKILL");
  }, MINUTE);

  test("a second start on the directory while that stack lives is refused, naming its pid", async () => {
    const refused = runStack({ WEFT_PORT: "0", WEFT_DATA: dir });
    expect((await refused.exited).code).toBe(1);
    expect(refused.stderr()).toContain(`weft: another local stack is using ${dir} (pid ${second.run.pid})`);
    expect(refused.stdout()).not.toContain("ready");
    expect(dynamoLocalsWith(dir)).toEqual([second.java]);
    expect((await fetch(`${second.url}/health`)).status).toBe(200);
  }, MINUTE);

  test("then SIGINT (Ctrl-C) to its process group stops it: exit 0, nothing left", () => expectCleanStop(second, "SIGINT", dir), MINUTE);
});

describe.runIf(onLinux)("ending by SIGKILL of the whole process group", () => {
  const dir = dataDir();
  let second: Started;

  test("two immediate restarts on the directory: one runs exactly one DynamoDB Local with the data, the other is refused", async () => {
    const first = await start(dir);
    await (await docsClient(first.url)).write("kept-b", "written before kill -9 of the group");
    signal(-first.run.pid, "SIGKILL");
    await first.run.exited;
    const runs = [0, 1].map(() => runStack({ WEFT_PORT: "0", WEFT_DATA: dir }));
    const outcomes = await Promise.all(runs.map((run) => started(run).catch(() => undefined)));
    const winners = outcomes.filter((o): o is Started => o !== undefined);
    expect(winners, runs.map((r) => r.stderr()).join("\n")).toHaveLength(1);
    second = winners[0];
    const loser = runs.find((r) => r !== second.run)!;
    expect((await loser.exited).code).toBe(1);
    expect(loser.stderr()).toContain(`weft: another local stack is using ${dir} (pid ${second.run.pid})`);
    expect(dynamoLocalsWith(dir)).toEqual([second.java]);
    expect(processInfo(first.java)).toBeUndefined();
    const log = await (await docsClient(second.url)).readLog("kept-b");
    expect(log.ops.map((e: any) => e.text)).toContain("written before kill -9 of the group");
  }, 2 * MINUTE);

  test("then SIGTERM to its process group stops it: exit 0, nothing left", () => expectCleanStop(second, "SIGTERM", dir), MINUTE);
});

describe.runIf(onLinux)("ending by SIGKILL of the process group and of the watchdog (DynamoDB Local left running)", () => {
  const dir = dataDir();
  let second: Started;

  test("the restart stops the leftover named by its record before starting its own, and reads the data", async () => {
    const first = await start(dir);
    await (await docsClient(first.url)).write("kept-c", "written before everything but Java was killed");
    for (const w of watchdogsOf(first.java)) signal(w, "SIGKILL");
    signal(-first.run.pid, "SIGKILL");
    await first.run.exited;
    await new Promise((r) => setTimeout(r, 1000));
    expect(dynamoLocalsWith(dir)).toEqual([first.java]); // what the tester saw
    second = await start(dir);
    expect(dynamoLocalsWith(dir)).toEqual([second.java]);
    const warning = second.run.stderr().split("\n").find((l) => l.includes("stopped a DynamoDB Local left running"));
    expect(JSON.parse(warning!)).toMatchObject({ level: "warn", pid: first.java, dir, foundBy: `ownership record (stack pid ${first.run.pid})` });
    const log = await (await docsClient(second.url)).readLog("kept-c");
    expect(log.ops.map((e: any) => e.text)).toContain("written before everything but Java was killed");
  }, 2 * MINUTE);

  test("then SIGHUP (a closed terminal) to its process group stops it: exit 0, nothing left", () => expectCleanStop(second, "SIGHUP", dir), MINUTE);
});

// Independent of each other: run side by side.
describe.runIf(onLinux).concurrent("ending by a crash", () => {
  const crashes = [
    { how: "exception", what: "uncaught exception", message: "test crash: thrown", data: "a directory" },
    { how: "rejection", what: "unhandled promise rejection", message: "test crash: rejected", data: "memory" },
  ];
  for (const { how, what, message, data } of crashes) {
    test(`an ${what} exits 1 with the error on stderr and leaves nothing (data in ${data})`, async () => {
      const dir = data === "memory" ? undefined : dataDir();
      const s = await start(dir ?? "memory", "packages/local/test/crash-entry.ts", [how]);
      signal(s.run.pid, "SIGUSR2");
      expect((await s.run.exited).code).toBe(1);
      expect(s.run.stderr()).toContain(`weft: crashed (${what}), stopping DynamoDB Local and exiting`);
      expect(s.run.stderr()).toContain(message);
      await expectNothingLeft(s.java, dir);
    }, MINUTE);
  }
});

test.runIf(onLinux)("with WEFT_DATA=memory, SIGKILL of the process group: the watchdog stops DynamoDB Local", async () => {
  const s = await start("memory");
  signal(-s.run.pid, "SIGKILL");
  await s.run.exited;
  await expectNothingLeft(s.java);
}, MINUTE);

test.runIf(onLinux)("stopLeftovers stops DynamoDB Local on the directory without a record, and nothing else", async () => {
  const dir = dataDir();
  const other = dataDir();
  const lookalike = (d: string) => bystander([process.execPath, "-e", "setInterval(() => {}, 1e6)", "--", "-jar", "DynamoDBLocal.jar", "-dbPath", d]);
  const leftover = lookalike(dir);
  const onOtherDir = lookalike(other);
  const unrelated = bystander();
  await eventually(() => dynamoLocalsWith(dir).length === 1 && dynamoLocalsWith(other).length === 1);
  const leftoverExit = new Promise((resolve) => leftover.once("exit", (_code, sig) => resolve(sig)));
  writeFileSync(join(dir, RECORD_FILE), JSON.stringify({ pid: unrelated.pid, startTime: processInfo(unrelated.pid!)!.startTime, command: "java", ownerPid: 1 }));
  const log = memoryLogger();
  await stopLeftovers(dir, log);
  expect(await leftoverExit).toBe("SIGTERM");
  expect(log.entries).toMatchObject([{ level: "warn", fields: { pid: leftover.pid, dir, foundBy: "process table" } }]);
  expect(onOtherDir.exitCode).toBeNull();
  expect(unrelated.exitCode).toBeNull();
  expect(existsSync(join(dir, RECORD_FILE))).toBe(false);
});
