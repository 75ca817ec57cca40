import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { dynamoClient } from "@weft/functions/adapters/dynamo/client";
import { ensureTables, tableNames } from "@weft/functions/adapters/dynamo/create-tables";
import {
  ENV,
  functions,
  kinesisStreams,
  kinesisSubscriptions,
  LAMBDA_LOGGING,
  routes,
  rules,
  schedules,
  subscriptions,
  webSocket as webSocketSpec,
} from "../../../infra/manifest.js";
import { fileCheckpoints } from "./checkpoints.js";
import { startDynamoLocal, type DynamoLocal } from "./dynamo-local.js";
import { LOCAL_EVENT_BUS, LocalEventBus, eventBusEndpoint } from "./event-bus/index.js";
import { demoServer } from "./demo-server.js";
import { linkEnvironment } from "@weft/functions/linked";
import { installLogMetering } from "@weft/functions/adapters/billing/log-metering";
import { devClockApp } from "./dev-clock.js";
import { honoHook } from "./hono-hook.js";
import { Outbox, outboxApp } from "./outbox/index.js";
import { fakeClock } from "@weft/functions/clock";
import { jsonLineSink, systemClock } from "@weft/core";
import { createHttpGateway, type HttpGateway } from "./http-gateway.js";
import { createWebSocketGateway, type WebSocketGateway } from "./ws-gateway.js";
import { manifestFunction, type LocalFunction } from "./lambda.js";
import { createLogger } from "./log.js";
import { startScheduler, type Scheduler } from "./scheduler.js";
import { StreamPoller } from "./stream-poller.js";
import { KinesisPoller } from "./kinesis-poller.js";
import { createLocalStreams, localStreamName } from "./kinesis-streams.js";
import { startKinesisLocal, type KinesisLocal } from "./kinesis-local/kinesis-server.js";
import { createLocalBuckets } from "./s3-buckets.js";
import { startS3Local, type S3Local } from "./s3-local/index.js";
import { startRoomServer, type RoomServer } from "@weft/functions/rooms/room-server";
import { roomWiring } from "@weft/functions/rooms/room-wiring";
import { authConfigFromEnv, createAuthenticator } from "@weft/functions/http/auth";
import { gatewayFromEnv } from "@weft/functions/adapters/apigw/routing-gateway";
import { wiring } from "@weft/functions/wiring";

/** The repository root: manifest handler paths are relative to it. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** The JWT secret the local stack uses unless WEFT_JWT_SECRET is set (never use it on AWS). */
export const LOCAL_JWT_SECRET = "weft-local-dev-secret";

const REGION = "us-east-1";

export interface StackOptions {
  /** HTTP port on 127.0.0.1; 0 picks a free one. Default 8787. */
  port?: number;
  /** In-memory DynamoDB Local, or one keeping its data (and stream checkpoints) in `dir`. */
  data: "memory" | { dir: string };
  /** Use this DynamoDB (Local) instead of starting one; tables then get a unique prefix. */
  dynamoEndpoint?: string;
  /** No info logs (warnings and errors still go to stderr). */
  quiet?: boolean;
  /** Extra environment for the handlers (applied last). */
  env?: Record<string, string>;
  /** WebSocket idle timeout (default: env WEFT_WS_IDLE_TIMEOUT_MS, else API Gateway's 10 minutes). */
  webSocketIdleTimeoutMs?: number;
  /** Port of the room tier's WebSocket server on 127.0.0.1 (docs/rooms.md); 0 picks one. Default: `port` + 1, or 0 when `port` is 0. */
  roomsPort?: number;
  /**
   * Room tasks to run (default 1), each a room server of its own in this process as a task
   * would run it (its own sockets, caches, group commit, leases and private port), the first on
   * `roomsPort`, the others on ports picked by the system: `Stack.roomsUrls`. What a load
   * balancer spreading a document's clients over tasks looks like (the cost bench's `--roomTasks`).
   */
  roomTasks?: number;
  /**
   * What handlers write to stdout/stderr: always counted as "logs.bytes" (billing/log-metering.ts);
   * "write" (default) also writes it, "count-only" does not (a benchmark whose stdout is its result).
   */
  handlerLogs?: "write" | "count-only";
}

export interface Stack {
  /** Base URL of the HTTP API. */
  url: string;
  dynamoEndpoint: string;
  /** Physical table name per manifest table. */
  tables: Record<string, string>;
  /** The room tier's WebSocket URL (`ws://127.0.0.1:<port>/ws`): the same protocol plus `submit` (docs/rooms.md). */
  roomsUrl: string;
  /** Every room task's WebSocket URL (`roomsUrl` first; StackOptions.roomTasks). */
  roomsUrls: string[];
  /** The local Kinesis endpoint (kinesis-local) serving the manifest's streams. */
  kinesis: KinesisLocal;
  /** The local S3 endpoint (s3-local) serving the manifest's buckets. */
  s3: S3Local;
  /** Physical bucket name per manifest bucket. */
  buckets: Record<string, string>;
  /** Stops the gateway, the scheduler, the pollers (after in-flight work), then DynamoDB Local if started here. */
  stop(): Promise<void>;
}

let running = false;

/** A stop phase slower than this is logged with its time. */
const SLOW_STOP_PHASE_MS = 2000;
/** How long the stop waits for in-flight requests and invocations before stopping the bus and DynamoDB Local anyway (within main.ts's 15 s). */
const SERVING_STOP_MS = 8000;

/**
 * The whole backend on this machine, wired from infra/manifest.ts exactly as on AWS: tables
 * in DynamoDB Local, every function's handler run in this process, one stream poller per
 * subscription, the schedules, and the HTTP API. Resolves once requests are served.
 *
 * Handlers read configuration from process.env (WEFT_DYNAMO_ENDPOINT, the tables' links SST_RESOURCE_<Name>Table,
 * AWS_REGION, WEFT_STAGE=local, WEFT_JWT_SECRET, WEFT_METRICS_FLUSH_MS=0 unless set, AWS_LAMBDA_LOG_LEVEL as the manifest sets it, plus `env`), which is set here before any
 * handler module is imported. Because that environment is process-wide, only one stack can
 * run per process: a second `startStack` before `stop()` throws.
 *
 * Handler modules are imported up front, but one that is missing or fails to import is only
 * warned about and imported again on its next invocation (so the stack still starts while a
 * handler is being written).
 */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const roomTasks = opts.roomTasks ?? 1;
  if (!Number.isInteger(roomTasks) || roomTasks < 1) throw new Error(`roomTasks: expected a whole number >= 1, got ${opts.roomTasks}`);
  if (running) throw new Error("a local stack is already running in this process (handlers share process.env)");
  running = true;
  const log = createLogger({ quiet: opts.quiet });
  let gateway: HttpGateway | undefined;
  let webSocket: WebSocketGateway | undefined;
  let dynamo: DynamoLocal | undefined;
  let scheduler: Scheduler | undefined;
  const pollers: Array<StreamPoller | KinesisPoller> = [];
  let kinesis: KinesisLocal | undefined;
  let s3: S3Local | undefined;
  let eventBus: LocalEventBus | undefined;
  const rooms: RoomServer[] = [];
  let stopping: Promise<void> | undefined;
  const uninstallLogMetering = installLogMetering({ passThrough: opts.handlerLogs !== "count-only" });
  // A stop phase slower than this is logged (stderr) with its time: what to look at when a stop is slow.
  const timed = async (phase: string, work: Promise<unknown> | undefined) => {
    const started = Date.now();
    const slow = setTimeout(() => log.warn("slow stop phase, still waiting", { phase, ms: Date.now() - started }), SLOW_STOP_PHASE_MS);
    try {
      await work;
    } finally {
      clearTimeout(slow);
    }
    const ms = Date.now() - started;
    if (ms > SLOW_STOP_PHASE_MS) log.warn("slow stop phase", { phase, ms });
  };
  const stop = () =>
    (stopping ??= (async () => {
      // Everything that serves or invokes stops together, each letting its in-flight work finish
      // (a $disconnect, a poller's or a schedule's invocation) while the tables are still up:
      // the stop takes the slowest of them, not their sum.
      // Bounded: work still in flight after SERVING_STOP_MS is cut off by what stops next.
      let bounded: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all([
          timed("rooms", Promise.all(rooms.map((r) => r.close()))),
          timed("websocket", webSocket?.close()),
          timed("http", gateway?.close()),
          timed("schedules", scheduler?.stop()),
          timed("stream pollers", Promise.all(pollers.map((p) => p.stop()))),
        ]),
        new Promise<void>((resolve) => (bounded = setTimeout(() => {
          log.warn("stop: in-flight work did not finish in time; stopping the rest", { ms: SERVING_STOP_MS });
          resolve();
        }, SERVING_STOP_MS))),
      ]);
      clearTimeout(bounded);
      // After the pollers (the materializer publishes): in-flight deliveries finish, retries without waiting.
      await timed("event bus", eventBus?.stop());
      await timed("dynamodb local", dynamo?.stop());
      await timed("kinesis local", kinesis?.stop());
      await timed("s3 local", s3?.stop());
      uninstallLogMetering();
      running = false;
    })());

  let setUp!: (ok: boolean) => void;
  const up = new Promise<boolean>((resolve) => (setUp = resolve));
  try {
    const fns: Record<string, LocalFunction> = {};
    for (const [name, spec] of Object.entries(functions)) fns[name] = manifestFunction(REPO_ROOT, name, spec);
    // Bind the port first (a busy port fails fast); requests wait until the stack is up.
    gateway = createHttpGateway({
      routes,
      region: REGION,
      log,
      resolve: async (name) => {
        if (!(await up)) throw new Error("the local stack failed to start");
        return fns[name];
      },
    });
    // The WebSocket API at /ws and its management API (/@connections) on the same server.
    webSocket = createWebSocketGateway({
      server: gateway.server,
      spec: webSocketSpec,
      region: REGION,
      log,
      idleTimeoutMs: opts.webSocketIdleTimeoutMs ?? (Number(process.env.WEFT_WS_IDLE_TIMEOUT_MS) || undefined),
      resolve: async (name) => {
        if (!(await up)) throw new Error("the local stack failed to start");
        return fns[name];
      },
    });
    gateway.use(webSocket.managementHook);
    const url = await gateway.listen(opts.port ?? 8787);
    // The local EventBridge (PutEvents on this server; rules from the manifest, patterns validated here).
    eventBus = new LocalEventBus({
      name: LOCAL_EVENT_BUS,
      region: REGION,
      log,
      rules: Object.entries(rules).map(([name, r]) => ({ name, pattern: r.pattern, target: fns[r.target], retry: r.retry, deadLetter: fns[r.deadLetter] })),
    });
    gateway.use(eventBusEndpoint(eventBus, log));
    // The demo editor at `/` and the local-only GET /dev/token (packages/local/src/demo-server.ts).
    gateway.use(demoServer({ secret: () => process.env.WEFT_JWT_SECRET ?? LOCAL_JWT_SECRET, log }));
    // The test clock (local only): POST /v1/dev/clock moves the handlers' clock when WEFT_FAKE_CLOCK=1.
    const fakeClockOn = () => process.env.WEFT_FAKE_CLOCK === "1" || opts.env?.WEFT_FAKE_CLOCK === "1";
    gateway.use(honoHook(devClockApp(fakeClockOn), ["/v1/dev/clock"]));
    // Every external notification channel delivers into the local outbox (/v1/dev/outbox, /dev/outbox).
    const outbox = new Outbox({ clock: fakeClockOn() ? fakeClock() : systemClock });
    gateway.use(honoHook(outboxApp(outbox), ["/v1/dev/outbox", "/dev/outbox"]));

    if (!opts.dynamoEndpoint) {
      dynamo = await startDynamoLocal({ dataDir: opts.data === "memory" ? undefined : opts.data.dir });
      log.info("dynamodb local started", { endpoint: dynamo.endpoint, data: opts.data });
    }
    const endpoint = opts.dynamoEndpoint ?? dynamo!.endpoint;
    const persist = opts.data !== "memory" && !opts.dynamoEndpoint ? opts.data.dir : undefined;
    // The manifest's Kinesis streams, on a local endpoint the real SDK client talks to. Its
    // arrival times are the stack's clock (the test clock when on), as AWS's are the tasks' time:
    // the log writer judges a batch's lease deadline (the handlers' clock) against them.
    kinesis = await startKinesisLocal({ dataDir: persist ? join(persist, "kinesis") : undefined, ...(fakeClockOn() ? { now: () => fakeClock().now() } : {}) });
    await createLocalStreams(kinesis.endpoint, kinesisStreams, REGION);
    // The manifest's S3 buckets (the log's segment bodies), likewise.
    s3 = await startS3Local({ dataDir: persist ? join(persist, "s3") : undefined });
    const buckets = await createLocalBuckets(s3.endpoint, REGION);
    const tables = tableNames(opts.dynamoEndpoint ? `weft-local-${randomBytes(4).toString("hex")}` : "weft-local");
    const client = dynamoClient(endpoint);
    try {
      // With the test clock, expiry is judged by the stores on that clock: DynamoDB Local's TTL
      // sweeper runs on wall time and would delete items (dedupe keys, decisions) the clock
      // says are young.
      await ensureTables(client, tables, { ttl: !fakeClockOn() });
    } finally {
      client.destroy();
    }

    Object.assign(process.env, {
      WEFT_DYNAMO_ENDPOINT: endpoint,
      AWS_REGION: REGION,
      WEFT_STAGE: "local",
      [ENV.webSocketEndpoint]: url,
      [ENV.eventBus]: LOCAL_EVENT_BUS,
      [ENV.eventsEndpoint]: url,
      [ENV.outboxEndpoint]: url,
      WEFT_JWT_SECRET: process.env.WEFT_JWT_SECRET ?? LOCAL_JWT_SECRET,
      // What Lambda sets from the functions' application log level: structured lines below it
      // (routine DEBUG summaries) are not written (core metrics/recorder.ts jsonLineSink).
      AWS_LAMBDA_LOG_LEVEL: process.env.AWS_LAMBDA_LOG_LEVEL ?? LAMBDA_LOGGING.applicationLogLevel,
      // Admin metrics written at the end of every invocation, so they are exact right after
      // an action (tests, the demo); deployed functions flush every 10 s. The cost bench
      // passes the deployed value in `env` to measure what AWS would bill.
      [ENV.metricsFlushMs]: process.env[ENV.metricsFlushMs] ?? "0",
      [ENV.kinesisEndpoint]: kinesis.endpoint,
      [ENV.committedStream]: localStreamName("committed"),
      [ENV.s3Endpoint]: s3.endpoint,
      // The log writer writes its shadow of the log from the committed stream (docs/durable-order.md).
      [ENV.logWriter]: process.env[ENV.logWriter] ?? "shadow",
      // Tables are linked the way SST links them outside a bundle (SST_RESOURCE_<Name>), so the
      // handlers read them exactly as on AWS (packages/functions/src/linked.ts).
      ...linkEnvironment({ app: { name: "weft", stage: "local" }, tables, buckets }),
      ...opts.env,
    });
    await Promise.all(
      Object.values(fns).map((fn) =>
        fn.load().catch((err: Error) => log.warn("handler not importable yet; retried on each invocation", { function: fn.name, error: err.message })),
      ),
    );

    for (const [name, sub] of Object.entries(subscriptions)) {
      const { table, function: fn, onFailure, ...settings } = sub;
      const poller = new StreamPoller({
        endpoint,
        tableName: tables[table],
        settings,
        fn: fns[fn],
        onFailure: fns[onFailure],
        region: REGION,
        log,
        checkpoints: persist ? fileCheckpoints(join(persist, `stream-checkpoints-${name}.json`)) : undefined,
      });
      pollers.push(poller);
      await poller.start();
    }
    for (const [name, sub] of Object.entries(kinesisSubscriptions)) {
      const { stream, function: fn, ...settings } = sub;
      const poller = new KinesisPoller({
        endpoint: kinesis.endpoint,
        streamName: localStreamName(stream),
        settings,
        fn: fns[fn],
        region: REGION,
        log,
        checkpoints: persist ? fileCheckpoints(join(persist, `stream-checkpoints-${name}.json`)) : undefined,
      });
      pollers.push(poller);
      await poller.start();
    }
    scheduler = startScheduler(
      Object.entries(schedules).map(([name, s]) => ({ name, fn: fns[s.function], everyMs: s.localEveryMs })),
      { region: REGION, log },
    );
    // The room tier, in this process as a task would run it (same wiring, same environment).
    for (let k = 0; k < roomTasks; k++) {
      const firstPort = opts.roomsPort ?? (opts.port === 0 ? 0 : (opts.port ?? 8787) + 1);
      rooms.push(
        await startRoomServer({
          port: k === 0 ? firstPort : 0,
          privatePort: 0,
          host: "127.0.0.1",
          authenticate: createAuthenticator(authConfigFromEnv()),
          // Each task has its own group commit, caches, subscriber lists and leases (roomWiring);
          // the process's adapters (and their ACL and policy caches) are shared.
          wire: (gateway, privateAddress) => roomWiring(wiring(), gateway, process.env, privateAddress),
          logSink: jsonLineSink,
          elsewhere: gatewayFromEnv(),
        }),
      );
    }
    log.info("room tier listening", { urls: rooms.map((r) => r.url) });
    setUp(true);
    return { url, dynamoEndpoint: endpoint, tables, roomsUrl: rooms[0].url, roomsUrls: rooms.map((r) => r.url), kinesis, s3, buckets, stop };
  } catch (err) {
    setUp(false);
    await stop();
    throw err;
  }
}
