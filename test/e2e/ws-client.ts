import { inject } from "vitest";
import WebSocket from "ws";
import { DynamoConnectionStore } from "../../packages/functions/src/adapters/dynamo/connection-store.js";
import { dynamoClient } from "../../packages/functions/src/adapters/dynamo/client.js";
import { stackUrl, token, type TokenOptions } from "./http.js";

/** The stack's WebSocket URL (`ws://127.0.0.1:<port>/ws`), derived from its HTTP URL. */
export function wsUrl(): string {
  return stackUrl().replace(/^http/, "ws") + "/ws";
}

/** The room tier's WebSocket URL (`ws://127.0.0.1:<port>/ws`, docs/rooms.md). */
export function roomsUrl(): string {
  const url = inject("roomsUrl");
  if (!url) throw new Error("the local stack's room tier is not running (global setup did not start it)");
  return url;
}

/**
 * A real WebSocket client of the local stack that keeps every message it receives (decoded)
 * and lets a test wait for the ones it expects.
 */
export class WsClient {
  /** Every message received, decoded (a non-JSON message as `{ raw }`), in order. */
  readonly received: any[] = [];
  /** Every message received as its text, in order. */
  readonly texts: string[] = [];
  /** Resolves when the socket is closed (either side). */
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data, isBinary) => {
      const text = isBinary ? Buffer.from(data as Buffer).toString("utf8") : data.toString();
      this.texts.push(text);
      this.received.push(decode(text));
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) =>
      ws.once("close", (code, reason) => {
        for (const w of this.waiters.splice(0)) w();
        resolve({ code, reason: reason.toString() });
      }),
    );
  }

  /**
   * Opens a connection with a token for `opts` (default user alice of tenant acme) and waits
   * until it is open: to the stack's API Gateway WebSocket API, or to `opts.url` (the room tier's, roomsUrl()).
   */
  static async open(opts: TokenOptions & { url?: string } = {}): Promise<WsClient> {
    const t = await token(opts);
    const ws = new WebSocket(`${opts.url ?? wsUrl()}?token=${encodeURIComponent(t)}`);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    return new WsClient(ws);
  }

  send(message: unknown): void {
    this.ws.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** Waits until a received message (from index `from` on) matches, and returns it with its index. */
  async waitFor(what: string, match: (m: any) => boolean, opts: { from?: number; timeoutMs?: number } = {}): Promise<any> {
    const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
    for (;;) {
      const i = this.received.findIndex((m, k) => k >= (opts.from ?? 0) && match(m));
      if (i >= 0) return this.received[i];
      const left = deadline - Date.now();
      if (left <= 0 || this.ws.readyState === WebSocket.CLOSED) {
        throw new Error(`no ${what} (received ${this.received.length}: ${JSON.stringify(this.received.slice(-5))})`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends a message and returns its reply: the first message received after it that matches. */
  async request(message: unknown, match: (m: any) => boolean, what = "reply"): Promise<any> {
    const from = this.received.length;
    this.send(message);
    return this.waitFor(what, match, { from });
  }

  /**
   * Waits for the answer to a ping sent now and removes it: afterwards every message the
   * server posted before it handled the ping has arrived (posts to one connection keep their order).
   */
  async settle(): Promise<void> {
    const from = this.received.length;
    this.send({ action: "ping" });
    await this.waitFor("pong", (m) => m.type === "pong", { from });
    const pong = this.received.findIndex((m, k) => k >= from && m.type === "pong");
    this.received.splice(pong, 1);
    this.texts.splice(pong, 1);
  }

  /** Subscribes and waits for `subscribed`; returns its version. */
  async subscribe(docId: string, after?: number): Promise<number> {
    const message = { action: "subscribe", docId, ...(after === undefined ? {} : { after }) };
    const m = await this.request(message, (x) => x.type === "subscribed" && x.docId === docId, `subscribed to ${docId}`);
    return m.version;
  }

  /** The seqs of every `ops` message received for `docId`, in arrival order. */
  seqs(docId: string): number[] {
    return this.received.filter((m) => m.type === "ops" && m.docId === docId).flatMap((m) => m.ops.map((e: any) => e.seq));
  }

  /** Waits until every seq 1..n of `docId` has arrived at least once. */
  async waitForSeqs(docId: string, n: number, after = 0, timeoutMs = 20_000): Promise<void> {
    await this.waitFor(`seqs ${after + 1}..${n} of ${docId}`, () => {
      const got = new Set(this.seqs(docId));
      for (let s = after + 1; s <= n; s++) if (!got.has(s)) return false;
      return true;
    }, { timeoutMs });
  }

  async close(): Promise<void> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close();
    await this.closed;
  }

  /** Drops the TCP connection without a close handshake (a network failure). */
  async kill(): Promise<void> {
    this.ws.terminate();
    await this.closed;
  }
}

function decode(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return { raw: text };
  }
}

/** The HTTP status the stack refuses a WebSocket upgrade with (or 101 if it accepted it). */
export async function upgradeStatus(query: string): Promise<number> {
  const ws = new WebSocket(`${wsUrl()}${query}`);
  return new Promise<number>((resolve, reject) => {
    ws.once("open", () => {
      ws.close();
      resolve(101);
    });
    ws.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.once("error", (err) => {
      if (!/Unexpected server response/.test(err.message)) reject(err);
    });
  });
}

/**
 * The stack's connections table, read and written with the real adapter: what the tests
 * check cleanup against (and how a connection that lost its `$disconnect` is staged).
 */
export function stackConnections(): DynamoConnectionStore {
  const endpoint = inject("stackDynamoEndpoint");
  const table = inject("stackTables")?.connections;
  if (!endpoint || !table) throw new Error("the global setup did not provide the stack's DynamoDB endpoint and tables");
  return new DynamoConnectionStore({ client: dynamoClient(endpoint), table });
}

/** The connection id of `client`, found as the only subscriber of a fresh document it subscribes to. */
export async function connectionIdOf(client: WsClient, tenant: string, probeDoc: string): Promise<string> {
  await client.subscribe(probeDoc);
  const subs = await stackConnections().subscribers({ tenant, docId: probeDoc });
  if (subs.length !== 1) throw new Error(`expected one subscriber of ${probeDoc}, found ${subs.length}`);
  return subs[0].connectionId;
}

declare module "vitest" {
  export interface ProvidedContext {
    stackDynamoEndpoint: string;
    stackTables: Record<string, string>;
  }
}

/** Polls `probe` until it is true (cleanup is asynchronous: stream pollers, $disconnect). */
export async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
