import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { createBucket, deleteBucket, deleteObjects, headBucket, listBuckets } from "./bucket-operations.js";
import { DiskStore } from "./disk-store.js";
import { listObjectsV2 } from "./list-objects.js";
import { deleteObject, getObject, headObject, putObject } from "./object-operations.js";
import { ObjectStore } from "./object-store.js";
import { operationOf, parseTarget, type Operation, type Reply, type S3Request, type Served } from "./requests.js";
import { S3Error } from "./s3-errors.js";
import { document, el } from "./xml.js";

/**
 * A local Amazon S3 endpoint that the real `@aws-sdk/client-s3` talks to unchanged, with
 * `forcePathStyle: true`, any region and dummy credentials: signatures are not checked. REST-XML
 * over plain HTTP/1.1 (node:http), path-style addressing only. See docs/s3-local.md for what
 * is served and what is not.
 *
 * A refusal is S3's XML error (s3-errors.ts) with its status; an unexpected failure is a 500
 * InternalError (the SDK retries those). Each request's body is read whole (at most
 * MAX_BODY_BYTES; more is read to its end, not kept, and refused with EntityTooLarge), then
 * its operation runs synchronously, so every operation sees a consistent store and, with
 * `dataDir`, its changes are on disk before it is answered (disk-store.ts).
 */
export interface S3LocalOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Where buckets and objects persist across restarts; without it everything is in memory. */
  dataDir?: string;
}

export interface S3Local {
  /** `http://host:port`, for the SDK's `endpoint` option (with `forcePathStyle: true`). */
  endpoint: string;
  port: number;
  /** Closes the server and every socket (idle keep-alive ones too). Idempotent. */
  stop(): Promise<void>;
}

/** The largest request body kept (S3's single PUT allows 5 GiB; this endpoint holds bodies in memory). */
export const MAX_BODY_BYTES = 512 * 1024 * 1024;

const operations: Record<Served, Operation> = {
  ListBuckets: listBuckets,
  CreateBucket: createBucket,
  HeadBucket: headBucket,
  DeleteBucket: deleteBucket,
  ListObjectsV2: listObjectsV2,
  DeleteObjects: deleteObjects,
  PutObject: putObject,
  GetObject: getObject,
  HeadObject: headObject,
  DeleteObject: deleteObject,
};

export async function startS3Local(options: S3LocalOptions = {}): Promise<S3Local> {
  const store = new ObjectStore(options.dataDir !== undefined ? new DiskStore(resolve(options.dataDir)) : undefined);
  let stopped: Promise<void> | undefined;

  const server = createServer((req, res) => {
    readBody(req).then(
      (body) => {
        if (stopped) return void req.destroy();
        respond(req, res, () => dispatch(req, body));
      },
      () => req.destroy(), // the client went away mid-request
    );
  });
  server.keepAliveTimeout = 60_000;

  function dispatch(req: IncomingMessage, body: Buffer | undefined): Reply {
    const target = parseTarget(req.url ?? "/");
    const request: S3Request = { method: req.method ?? "GET", ...target, headers: req.headers, body: body ?? Buffer.alloc(0), now: Date.now() };
    const operation = operations[operationOf(request)];
    if (!body) throw new S3Error("EntityTooLarge", 400, `Your proposed upload exceeds the maximum allowed size of the local endpoint (${MAX_BODY_BYTES} bytes).`);
    return operation(store, request);
  }

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", fail);
      done();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://${displayHost(host)}:${port}`,
    port,
    stop: () =>
      (stopped ??= new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      })),
  };
}

/** The body, or undefined when it is over MAX_BODY_BYTES (read to its end, not kept). */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => done(size <= MAX_BODY_BYTES ? Buffer.concat(chunks) : undefined));
    req.on("error", fail);
  });
}

function respond(req: IncomingMessage, res: ServerResponse, run: () => Reply): void {
  const requestId = randomBytes(8).toString("hex").toUpperCase();
  let reply: Reply;
  try {
    reply = run();
  } catch (err) {
    const known = err instanceof S3Error ? err : new S3Error("InternalError", 500, `We encountered an internal error: ${(err as Error)?.message ?? String(err)}`);
    let resource = req.url ?? "/";
    try {
      resource = parseTarget(resource).resource;
    } catch {
      // an undecodable URL: keep it as sent
    }
    const extra = Object.entries(known.extra).map(([name, value]) => el(name, value)).join("");
    const body = document("Error", el("Code", known.code) + el("Message", known.message) + extra + el("Resource", resource) + el("RequestId", requestId)).replace(/ xmlns="[^"]*"/, "");
    reply = { status: known.status, headers: { "content-type": "application/xml", ...known.headers }, body };
  }
  const body = req.method === "HEAD" || reply.status === 304 || reply.status === 204 ? undefined : reply.body;
  const headers: Record<string, string> = { "x-amz-request-id": requestId, "x-amz-id-2": requestId, server: "weft-s3-local", ...reply.headers };
  if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
  else if (headers["content-length"] === undefined && reply.status !== 304 && reply.status !== 204) headers["content-length"] = "0";
  res.writeHead(reply.status, headers);
  res.end(body);
}

function displayHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}
