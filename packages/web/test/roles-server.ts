import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import WebSocket, { WebSocketServer } from "ws";
import {
  aclAfter,
  applyEntries,
  effectiveRole,
  emptyState,
  foldAcl,
  mayRead,
  WeftError,
  type AclRole,
  type Change,
  type DocAcl,
  type LogEntry,
} from "@weft/core";
import { createClient, type ClientOptions, type WeftClient } from "../src/index.js";
import { MemoryServer } from "./memory-server.js";

/**
 * The SDK's access-control behaviour needs the server's role messages, which the local stack
 * does not send yet: this is a small real HTTP + WebSocket server (node:http and `ws`) in
 * front of MemoryServer, i.e. core's real ingest (authorization from the ACL) and sequencer
 * (the exact gate), for the one document `d` of tenant `t`. The SDK under test talks to it
 * over real sockets. What it adds is the live protocol of docs/protocol.md, minimally:
 * `subscribed` with the caller's role, `role` and `unsubscribed` (reason `forbidden`) when an
 * acl entry changes a subscriber's role (nothing after the revoking entry is sent), `forbidden`
 * for a non-reader's subscribe or presence, `rejected` for ops the sequencer rejected, and
 * `token_expired` (`expire`). Tokens are unsigned JWT-shaped strings (`tokenFor`).
 *
 * Sequencing runs after every accepted POST unless `autoSequence` is off (then `sequence()`
 * runs it), so a test can stage what is accepted before what is committed.
 */
export class RolesServer {
  readonly mem = new MemoryServer();
  autoSequence = true;
  /** Every POST: who, the op ids, and the HTTP status answered. */
  readonly posts: Array<{ user: string; ids: string[]; status: number }> = [];
  /** Users whose requests and sockets fail like a dead network. */
  readonly offline = new Set<string>();
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  /** Every receipt read (`GET /v1/docs/d/ops/{opId}`): the op ids. */
  readonly receiptReads: string[] = [];
  private readonly subs = new Map<WebSocket, { user: string; sent: number; role: AclRole }>();
  private readonly sockets = new Map<WebSocket, string>();
  /** Accepted op ids not yet committed or rejected, and their submitters (told of rejections). */
  protected readonly unsettled = new Map<string, string>();
  private chain: Promise<void> = Promise.resolve();

  constructor() {
    this.mem.policy.newDocumentEveryone = "none";
    this.http = createServer((req, res) => void this.route(req, res).catch((err) => send(res, 500, { error: { code: "internal", message: String(err) } })));
    this.wss = new WebSocketServer({ server: this.http, verifyClient: (info, done) => done(!this.offline.has(userOf(info.req.url ?? "")), 503) });
    this.wss.on("connection", (ws, req) => this.connected(ws, userOf(req.url ?? "")));
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.http.listen(0, "127.0.0.1", r));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const ws of this.sockets.keys()) ws.terminate();
    await new Promise((r) => this.wss.close(r));
    this.http.closeAllConnections();
    await new Promise((r) => this.http.close(r));
  }

  /** A client of this server acting as `user` (fast retries, memory storage unless given). */
  client(user: string, opts: Partial<ClientOptions> = {}): WeftClient {
    return createClient({
      url: this.url,
      wsUrl: `${this.url.replace(/^http/, "ws")}/ws`,
      getToken: () => tokenFor(user),
      WebSocket: WebSocket as unknown as ClientOptions["WebSocket"],
      backoff: { initialMs: 20, maxMs: 200 },
      ackTimeoutMs: 200,
      ...opts,
    });
  }

  /** Cuts `user` off (sockets closed, requests fail) or back on. */
  setOffline(user: string, off: boolean): void {
    if (off) this.offline.add(user);
    else this.offline.delete(user);
    if (off) for (const [ws, u] of this.sockets) if (u === user) ws.terminate();
  }

  /** Sends `token_expired` to `user`'s sockets and closes them, as the server does at a token's exp. */
  expire(user: string): void {
    for (const [ws, u] of this.sockets) {
      if (u !== user) continue;
      ws.send(JSON.stringify({ type: "error", code: "token_expired", message: "your token has expired" }));
      ws.close();
    }
  }

  async entries(): Promise<LogEntry[]> {
    return this.mem.entries();
  }

  /** Runs the sequencer over what was accepted and fans the new entries and rejections out. */
  sequence(): Promise<void> {
    this.chain = this.chain.then(async () => {
      await this.mem.sequence();
      await this.fanOut();
      await this.afterFanOut();
    });
    return this.chain;
  }

  /** Runs in the sequencing chain after each fan-out (a subclass answers what is now decided). */
  protected async afterFanOut(): Promise<void> {}

  private async acl(through = Infinity): Promise<DocAcl | undefined> {
    return foldAcl(undefined, (await this.mem.entries()).filter((e) => e.seq <= through));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const user = userOf(req.headers.authorization ?? "");
    if (this.offline.has(user)) return void req.socket.destroy();
    const url = new URL(req.url ?? "/", "http://x");
    const m = /^\/v1\/docs\/d(\/ops(?:\/([^/]+))?)?$/.exec(url.pathname);
    if (!m) return send(res, 404, { error: { code: "not_found", message: url.pathname } });
    const body = await new Promise<string>((r) => {
      let b = "";
      req.on("data", (c) => (b += c)).on("end", () => r(b));
    });
    if (req.method === "POST") return this.post(user, body, res);
    const entries = await this.mem.entries();
    const acl = foldAcl(undefined, entries);
    const role = effectiveRole(acl, { userId: user }).role;
    if (acl && !mayRead(role)) return send(res, 403, { error: { code: "forbidden", message: "you have no access to document d" } });
    if (m[2]) {
      this.receiptReads.push(decodeURIComponent(m[2]));
      const receipt = await this.mem.receipt(decodeURIComponent(m[2]));
      return receipt ? send(res, 200, receipt) : send(res, 404, { error: { code: "not_found", message: "no such op" } });
    }
    if (m[1]) {
      const after = Number(url.searchParams.get("after") ?? 0);
      return send(res, 200, { version: entries.length, ops: entries.filter((e) => e.seq > after) });
    }
    if (entries.length === 0) return send(res, 404, { error: { code: "not_found", message: "no such document" } });
    const s = applyEntries(emptyState(), entries);
    send(res, 200, { docId: "d", version: s.version, text: s.text, spans: s.spans, threads: s.threads, tasks: s.tasks, acl: s.acl, role, updatedAt: s.updatedAt });
  }

  private async post(user: string, body: string, res: ServerResponse): Promise<void> {
    const r = await this.ingest(user, JSON.parse(body) as Change);
    if (r instanceof WeftError) return send(res, statusOf(r), { error: { code: r.code, message: r.message, details: r.details } });
    send(res, 202, { results: r });
    if (this.autoSequence) void this.sequence();
  }

  /** Core's ingest of `user`'s change, recorded in `posts` with the HTTP status it gets; accepted ops are watched for rejections. */
  protected async ingest(user: string, change: Change): Promise<Array<{ id: string; status: string }> | WeftError> {
    const r = await this.mem.post(change, user);
    const ids = change.ops.map((o) => o.id);
    this.posts.push({ user, ids, status: r instanceof WeftError ? statusOf(r) : 202 });
    if (!(r instanceof WeftError)) for (const id of ids) this.unsettled.set(id, user);
    return r;
  }

  private connected(ws: WebSocket, user: string): void {
    this.sockets.set(ws, user);
    ws.on("close", () => {
      this.sockets.delete(ws);
      this.subs.delete(ws);
    });
    ws.on("message", (data) => void this.message(ws, user, JSON.parse(String(data)) as Record<string, unknown>));
  }

  protected async message(ws: WebSocket, user: string, m: Record<string, unknown>): Promise<void> {
    const forbidden = { type: "error", code: "forbidden", message: "you have no access to document d", docId: "d" };
    if (m.action === "ping") return ws.send(JSON.stringify({ type: "pong" }));
    await this.chain; // judged against a settled log, like the real server's consistent reads
    const entries = await this.mem.entries();
    const acl = foldAcl(undefined, entries);
    const role = effectiveRole(acl, { userId: user }).role;
    if (m.action === "subscribe") {
      if (acl && !mayRead(role)) return ws.send(JSON.stringify(forbidden));
      const after = typeof m.after === "number" ? m.after : entries.length;
      this.subs.set(ws, { user, sent: entries.length, role });
      ws.send(JSON.stringify({ type: "subscribed", docId: "d", version: entries.length, role }));
      const catchUp = entries.filter((e) => e.seq > after);
      if (catchUp.length > 0) ws.send(JSON.stringify({ type: "ops", docId: "d", ops: catchUp }));
    } else if (m.action === "unsubscribe") {
      this.subs.delete(ws);
      ws.send(JSON.stringify({ type: "unsubscribed", docId: "d" }));
    } else if (m.action === "presence") {
      if (acl && !mayRead(role)) return ws.send(JSON.stringify(forbidden));
      for (const other of this.subs.keys()) {
        if (other !== ws) other.send(JSON.stringify({ type: "presence", docId: "d", userId: user, connectionId: `c-${user}`, state: m.state }));
      }
    }
  }

  /** Per subscriber: the new entries in order; an acl entry that changes its role sends `role`, or ends it (`unsubscribed`) before anything after. */
  private async fanOut(): Promise<void> {
    const entries = await this.mem.entries();
    for (const [ws, sub] of this.subs) {
      let acl = await this.acl(sub.sent);
      const batch: LogEntry[] = [];
      const flush = () => batch.length > 0 && ws.send(JSON.stringify({ type: "ops", docId: "d", ops: batch.splice(0) }));
      for (const e of entries.filter((x) => x.seq > sub.sent)) {
        acl = aclAfter(acl, e);
        const role = effectiveRole(acl, { userId: sub.user }).role;
        if (!mayRead(role)) {
          flush();
          ws.send(JSON.stringify({ type: "unsubscribed", docId: "d", reason: "forbidden", seq: e.seq }));
          this.subs.delete(ws);
          break;
        }
        batch.push(e);
        sub.sent = e.seq;
        if (role !== sub.role) {
          flush();
          sub.role = role;
          ws.send(JSON.stringify({ type: "role", docId: "d", role, seq: e.seq }));
        }
      }
      flush();
    }
    for (const [id, user] of this.unsettled) {
      const receipt = await this.mem.receipt(id);
      if (!receipt || receipt.status === "pending") continue;
      this.unsettled.delete(id);
      if (receipt.status !== "rejected") continue;
      for (const [ws, u] of this.sockets) if (u === user) ws.send(JSON.stringify({ type: "rejected", docId: "d", id, reason: receipt.reason }));
    }
  }
}

/** An unsigned JWT-shaped token for `user` (`exp` in epoch seconds when given): this server trusts it as is. */
export function tokenFor(user: string, exp?: number): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  return `${part({ alg: "none" })}.${part({ sub: user, ...(exp !== undefined ? { exp } : {}) })}.x`;
}

/** The user of a bearer header or a `?token=` URL. */
function userOf(s: string): string {
  const token = s.startsWith("Bearer ") ? s.slice(7) : (new URL(s, "http://x").searchParams.get("token") ?? "");
  try {
    return String((JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as { sub?: string }).sub ?? "");
  } catch {
    return "";
  }
}

/** The HTTP status of an ingest refusal. */
export function statusOf(err: WeftError): number {
  return err.code === "forbidden" ? 403 : err.code === "payload_too_large" ? 413 : 400;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/** Resolves when `probe` returns true (polled every 10 ms), or fails after `ms`. */
export async function until(what: string, probe: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
