import { DOC_ID_PATTERN, ID_PATTERN, WeftError } from "./core.js";
import { WeftDoc } from "./doc.js";
import type { DocHost } from "./doc-host.js";
import { Emitter } from "./emitter.js";
import { HttpTransport, type ChangeTransport } from "./net/change-transport.js";
import { Connection } from "./net/connection.js";
import { HttpApi } from "./net/http-api.js";
import { SocketTransport } from "./net/socket-transport.js";
import { TokenSource } from "./net/tokens.js";
import { defaultStorage } from "./storage/default-storage.js";
import type { OutboxStorage } from "./storage/storage.js";
import type { ClientOptions, Status, WebSocketConstructor } from "./types.js";

export interface ClientEvents extends Record<string, unknown> {
  status: Status;
  /** Something went wrong that the SDK is working around (a failed request being retried, a server error message, storage failures). */
  error: unknown;
}

/** Client ids leave room in op ids (`<clientId>-<n>_<k>`, at most 64 characters). */
const MAX_CLIENT_ID = 40;

/** Creates a client: one WebSocket and one outbox storage shared by its documents. */
export function createClient(options: ClientOptions): WeftClient {
  return new WeftClient(options);
}

export class WeftClient {
  /** This client's id (op ids are `<clientId>-<n>`). */
  readonly clientId: Promise<string>;
  /** Test hooks (not for applications): see dropConnection. */
  readonly hooks: { dropConnection(): void; readonly tokenCalls: number };
  private readonly docs = new Map<string, WeftDoc>();
  private readonly events = new Emitter<ClientEvents>();
  private readonly abort = new AbortController();
  private readonly connection: Connection;
  private readonly host: DocHost;

  constructor(options: ClientOptions) {
    const o = checkOptions(options);
    const storage: OutboxStorage = o.storage ?? defaultStorage();
    const tokens = new TokenSource(o.getToken);
    const backoff = o.backoff ?? { initialMs: 250, maxMs: 10_000 };
    const onError = (err: unknown) => this.events.emit("error", err);
    const http = new HttpApi({
      base: o.url.replace(/\/+$/, ""),
      tokens,
      fetch: o.fetch ?? ((...args) => globalThis.fetch(...args)),
      backoff,
      signal: this.abort.signal,
      onError,
    });
    this.connection = new Connection({
      wsUrl: o.wsUrl,
      tokens,
      WebSocket: (o.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket)!,
      pingIntervalMs: o.pingIntervalMs ?? 30_000,
      backoff,
      onStatus: (s) => {
        if (s !== "open") for (const d of this.docs.values()) d.onDisconnect();
        this.events.emit("status", s);
      },
      onOpen: () => {
        for (const d of this.docs.values()) d.onOpen();
      },
      onMessage: (msg) => this.route(msg),
      onError,
    });
    this.clientId = resolveClientId(o.clientId, storage);
    this.clientId.catch(onError);
    const ackTimeoutMs = o.ackTimeoutMs ?? 3000;
    const transport: ChangeTransport =
      o.opsTransport === "socket" ? new SocketTransport({ connection: this.connection, ackTimeoutMs, backoff }) : new HttpTransport(http);
    const docs = this.docs;
    const closing = new Map<string, Promise<void>>();
    this.host = {
      http,
      connection: this.connection,
      transport,
      storage,
      clientId: this.clientId,
      ackTimeoutMs,
      sendIntervalMs: o.sendIntervalMs ?? 0,
      backoff,
      mergeEdits: o.mergeEdits ?? true,
      onError,
      removeDoc: (doc, stored) => {
        if (docs.get(doc.docId) === doc) docs.delete(doc.docId);
        const done = stored.then(() => {
          if (closing.get(doc.docId) === done) closing.delete(doc.docId);
        });
        closing.set(doc.docId, done);
      },
      closing: (docId) => closing.get(docId) ?? Promise.resolve(),
    };
    const connection = this.connection;
    this.hooks = {
      dropConnection: () => connection.drop(),
      get tokenCalls() {
        return tokens.calls;
      },
    };
    this.connection.start();
  }

  get status(): Status {
    return this.connection.status;
  }

  on<K extends keyof ClientEvents>(event: K, fn: (value: ClientEvents[K]) => void): () => void {
    return this.events.on(event, fn);
  }

  /** The document `docId` (one instance per id while it is open). */
  doc(docId: string): WeftDoc {
    if (this.connection.status === "closed") throw new WeftError("invalid_request", "the client is closed");
    if (typeof docId !== "string" || !DOC_ID_PATTERN.test(docId)) {
      throw new WeftError("invalid_request", "docId must match [A-Za-z0-9_.-]{1,128}", [{ path: "docId", issue: `got ${JSON.stringify(docId)}` }]);
    }
    let doc = this.docs.get(docId);
    if (!doc) this.docs.set(docId, (doc = new WeftDoc(this.host, docId)));
    return doc;
  }

  /** Closes every document (their outboxes stay stored), the socket and pending requests. */
  async close(): Promise<void> {
    const docs = [...this.docs.values()];
    const flushed = docs.map((d) => d.closeAndFlush());
    this.abort.abort();
    this.connection.close();
    await Promise.allSettled(flushed);
    this.events.clear();
  }

  /** A server message to its document: answers to a socket `submit` (`submitted`, an `error` with a `ref`) go to the document's sender. */
  private route(msg: Record<string, unknown>): void {
    const doc = typeof msg.docId === "string" ? this.docs.get(msg.docId) : undefined;
    try {
      if (doc && (msg.type === "submitted" || (msg.type === "error" && typeof msg.ref === "string"))) doc.sender.answer(msg);
      else if (doc) doc.onMessage(msg);
      else if (msg.type === "error") this.events.emit("error", Object.assign(new Error(`server: ${String(msg.message)}`), { code: msg.code }));
    } catch (err) {
      // A message the document cannot use (it never should happen) must not take the socket down.
      this.events.emit("error", err);
    }
  }
}

function checkOptions(o: ClientOptions): ClientOptions {
  const bad = (path: string, issue: string): never => {
    throw new WeftError("invalid_request", `createClient: ${path} ${issue}`, [{ path, issue }]);
  };
  if (!o || typeof o !== "object") bad("options", "must be an object");
  if (typeof o.url !== "string" || !/^https?:\/\//.test(o.url)) bad("url", "must be an http(s) URL");
  if (typeof o.wsUrl !== "string" || !/^wss?:\/\//.test(o.wsUrl)) bad("wsUrl", "must be a ws(s) URL");
  if (typeof o.getToken !== "function") bad("getToken", "must be a function returning a token");
  if (!o.WebSocket && typeof (globalThis as { WebSocket?: unknown }).WebSocket !== "function") {
    bad("WebSocket", "is required where there is no global WebSocket (Node 20: pass the ws package's WebSocket class)");
  }
  if (o.opsTransport !== undefined && o.opsTransport !== "http" && o.opsTransport !== "socket") bad("opsTransport", 'must be "http" or "socket"');
  if (o.clientId !== undefined && (typeof o.clientId !== "string" || !ID_PATTERN.test(o.clientId) || o.clientId.length > MAX_CLIENT_ID)) {
    bad("clientId", `must match [A-Za-z0-9_-]{1,${MAX_CLIENT_ID}}`);
  }
  return o;
}

/** The given id, else the one stored under `clientId`, else a new random one (stored). */
async function resolveClientId(given: string | undefined, storage: OutboxStorage): Promise<string> {
  if (given) return given;
  const stored = await storage.get("clientId");
  if (stored && ID_PATTERN.test(stored)) return stored;
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  const id = `c${Array.from(bytes, (b) => b.toString(36).padStart(2, "0")).join("")}`;
  await storage.set("clientId", id);
  return id;
}
