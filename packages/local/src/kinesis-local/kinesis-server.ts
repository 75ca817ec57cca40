import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { controlPlane } from "./control-plane.js";
import { dataPlane } from "./data-plane.js";
import { listenDualProtocol, type AnyRequest, type AnyResponse } from "./dual-protocol-server.js";
import { KinesisError, type Input, type Operation, type RequestContext } from "./requests.js";
import { StreamLog } from "./stream-log.js";
import { StreamStore } from "./streams.js";

/**
 * A local Amazon Kinesis Data Streams endpoint that the real `@aws-sdk/client-kinesis` talks to
 * unchanged (awsJson1_1: POST /, `X-Amz-Target: Kinesis_20131202.<Operation>`, JSON bodies with
 * base64 blobs and epoch-second timestamps), with any region and dummy credentials: signatures
 * are not checked, the region is read from the SigV4 credential scope only to build ARNs. The
 * port speaks HTTP/1.1 and cleartext HTTP/2, which the SDK's default handler uses
 * (dual-protocol-server.ts).
 * See docs/kinesis-local.md for what is served and what is not.
 *
 * Refusals are HTTP 400 `{"__type": "<Code>", "message"}` (plus `x-amzn-ErrorType`), which the
 * SDK throws as the exception of that name; a body that is not a JSON object is a
 * ValidationException and an unknown target an UnknownOperationException. An unexpected
 * failure is a 500 InternalFailure (the SDK retries those).
 *
 * Operations run synchronously one request at a time, so every request sees a consistent store
 * and, with `dataDir`, its changes are in the stream logs before it is answered (stream-log.ts).
 */
export interface KinesisLocalOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Where streams and records persist across restarts; without it everything is in memory. */
  dataDir?: string;
  /** The clock (epoch ms) for arrival times, retention and iterator expiry; default Date.now. */
  now?: () => number;
  /** Test hooks: `failPutRecords` makes that many of the next PutRecords records fail (see failNextRecords). */
  faults?: { failPutRecords?: number };
}

export interface KinesisLocal {
  /** `http://host:port`, for the SDK's `endpoint` option. */
  endpoint: string;
  port: number;
  /**
   * Test hook: the next `n` records sent with PutRecords (counted across calls, first ones
   * first) fail with ProvisionedThroughputExceededException in the per-record results and are
   * not stored, so callers' retries of failed records can be exercised. Replaces any count left.
   */
  failNextRecords(n: number): void;
  /** Closes the server and every socket (keep-alive ones too) and flushes persistence. Idempotent. */
  stop(): Promise<void>;
}

const TARGET_PREFIX = "Kinesis_20131202.";
const JSON_11 = "application/x-amz-json-1.1";
/** Bodies over this are read to their end but not kept, and refused: PutRecords' 5 MiB of records is under 7 MiB as base64 JSON. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
const DEFAULT_REGION = "us-east-1";

const operations: Record<string, Operation> = { ...controlPlane, ...dataPlane };

export async function startKinesisLocal(options: KinesisLocalOptions = {}): Promise<KinesisLocal> {
  const clock = options.now ?? Date.now;
  const now = () => Math.floor(clock());
  const log = options.dataDir !== undefined ? new StreamLog(resolve(options.dataDir)) : undefined;
  const store = new StreamStore(log);
  if (log) for (const stream of log.load(now())) store.restore(stream);
  const faults = { failPutRecords: Math.max(0, Math.floor(options.faults?.failPutRecords ?? 0)) };
  let stopped: Promise<void> | undefined;

  const handler = (req: AnyRequest, res: AnyResponse) => {
    readBody(req).then(
      (body) => {
        if (stopped) return void req.destroy();
        const ctx: RequestContext = { region: regionOf(req), now: now(), faults };
        respond(res, () => dispatch(req.headers["x-amz-target"], body, ctx));
      },
      () => req.destroy(), // the client went away mid-request
    );
  };

  function dispatch(target: string | string[] | undefined, body: Buffer | undefined, ctx: RequestContext): unknown {
    const name = typeof target === "string" && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
    const operation = name !== undefined && Object.hasOwn(operations, name) ? operations[name] : undefined;
    if (!operation) throw new KinesisError("UnknownOperationException", `Operation ${String(target)} is not served by the local Kinesis endpoint.`);
    if (!body) throw new KinesisError("InvalidArgumentException", `The request body is over ${MAX_REQUEST_BYTES} bytes.`);
    return operation(store, parseInput(body), ctx);
  }

  const host = options.host ?? "127.0.0.1";
  const server = await listenDualProtocol(handler, options.port ?? 0, host).catch((err) => {
    log?.close();
    throw err;
  });
  const { port } = server;

  return {
    endpoint: `http://${displayHost(host)}:${port}`,
    port,
    failNextRecords: (n) => void (faults.failPutRecords = Number.isFinite(n) ? Math.max(0, Math.floor(n)) : 0),
    stop: () => (stopped ??= server.close().then(() => log?.close())),
  };
}

/** The body, or undefined when it is over MAX_REQUEST_BYTES (read to its end, not kept). */
function readBody(req: AnyRequest): Promise<Buffer | undefined> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    req.on("end", () => done(size <= MAX_REQUEST_BYTES ? Buffer.concat(chunks) : undefined));
    req.on("error", fail);
  });
}

function parseInput(body: Buffer): Input {
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch {
    throw new KinesisError("ValidationException", "The request body is not valid JSON.");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new KinesisError("ValidationException", "The request body must be a JSON object.");
  return value as Input;
}

/** The region of the SigV4 credential scope (`Credential=<key>/<date>/<region>/kinesis/aws4_request`). */
function regionOf(req: AnyRequest): string {
  const m = /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\//.exec(req.headers.authorization ?? "");
  return m ? m[1] : DEFAULT_REGION;
}

function respond(res: AnyResponse, run: () => unknown): void {
  let status = 200;
  let body: unknown;
  const headers: Record<string, string> = {};
  try {
    body = run();
  } catch (err) {
    const known = err instanceof KinesisError;
    status = known ? 400 : 500;
    const type = known ? err.type : "InternalFailure";
    headers["x-amzn-errortype"] = type;
    body = { __type: type, message: (err as Error)?.message ?? String(err) };
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": JSON_11, "content-length": Buffer.byteLength(text), "x-amzn-requestid": randomUUID(), ...headers });
  res.end(text);
}

function displayHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}
