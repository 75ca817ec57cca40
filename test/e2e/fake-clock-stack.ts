import { afterAll, beforeAll } from "vitest";
import WebSocket from "ws";
import { DynamoConnectionStore } from "../../packages/functions/src/adapters/dynamo/connection-store.js";
import { DynamoTimerStore } from "../../packages/functions/src/adapters/dynamo/timer-store.js";
import { dynamoClient } from "../../packages/functions/src/adapters/dynamo/client.js";
import { fakeClock } from "../../packages/functions/src/clock.js";
import { startStack, type Stack } from "../../packages/local/src/stack.js";
import { token, type Reply, type TokenOptions } from "./http.js";

/**
 * A local stack of its own, with the test clock on (WEFT_FAKE_CLOCK=1), for the notification
 * scenarios: real HTTP, WebSocket, event bus, timers and the local outbox, with every window,
 * quiet hour, retry and wake driven by `setClock` / `advance` (POST /v1/dev/clock).
 *
 * One per test file (vitest runs each file in its own process, and one process holds one
 * stack). The clock only moves forward, and it starts at the real time, so a scenario date in
 * the past (2025) is set on the process's fake clock before the stack starts; every later
 * move goes through the HTTP route. Scenarios sharing a stack must therefore run in time
 * order, each with users of its own.
 *
 * DynamoDB Local's TTL sweeper deletes expired items by the wall clock, which knows nothing
 * of the test clock: records stamped in 2025 with a 7- or 30-day retention (decisions, dedupe
 * keys) would vanish within seconds. So TTL is switched off on this stack's tables; the
 * stores still hide expired items by the test clock on every read.
 */
export interface FakeClockStack {
  stack: Stack;
  url: string;
  tenant: string;
  call<T = any>(method: string, path: string, opts?: { token?: string; body?: unknown }): Promise<Reply<T>>;
  /** A user token of this stack's tenant. */
  userToken(userId: string, opts?: TokenOptions): Promise<string>;
  /** A tenant-admin token (POST /v1/notify, /v1/admin/*). */
  adminToken(): Promise<string>;
  now(): Promise<number>;
  /**
   * Moves the clock to `at` (ms or ISO; never back) as time would pass: it stops at every
   * notify wake-up due before `at` and lets it run there (a wake due at 11:00:01 runs at
   * 11:00:01, not late at `at`), then sets `at` without waiting, so an event posted next goes
   * before work due at that very instant (the engine's order at one instant).
   */
  setClock(at: number | string): Promise<number>;
  advance(ms: number): Promise<number>;
  outbox(filter?: { userId?: string; channel?: string; notificationId?: string }): Promise<{ deliveries: any[]; failures: any[] }>;
  setFaults(faults: Record<string, unknown>[]): Promise<void>;
  /**
   * Waits until no notify wake-up is due at the current (fake) time: every wake that was due
   * ran (a wake is removed only after it ran) and none it scheduled is due yet.
   */
  timersIdle(timeoutMs?: number): Promise<void>;
  /** Sets how the user may be reached by email and SMS (PUT /v1/admin/users/{userId}/contacts). */
  setContacts(userId: string, contacts: { name?: string; email?: { address: string; verified: boolean }; phone?: { number: string; verified: boolean } }): Promise<void>;
  /** Waits until the user has no live connection on record (its `$disconnect` ran). */
  offline(userId: string): Promise<void>;
  /** Opens a WebSocket as `userId` and waits until it is open. */
  connect(userId: string): Promise<LiveSocket>;
  stop(): Promise<void>;
}

export const SCENARIO_TENANT = "scen";

export async function startFakeClockStack(opts: { startAt: number | string; tenant?: string; env?: Record<string, string> }): Promise<FakeClockStack> {
  const tenant = opts.tenant ?? SCENARIO_TENANT;
  fakeClock().set(typeof opts.startAt === "number" ? opts.startAt : Date.parse(opts.startAt));
  const stack = await startStack({
    port: 0,
    data: "memory",
    quiet: true,
    env: { WEFT_FAKE_CLOCK: "1", WEFT_STRUCTURED_LOGS: "off", ...opts.env },
  });
  const client = dynamoClient(stack.dynamoEndpoint);
  const wakes = new DynamoTimerStore({ client, table: stack.tables.notify, prefix: "notify-timers" });

  const call = async <T = any>(method: string, path: string, o: { token?: string; body?: unknown } = {}): Promise<Reply<T>> => {
    const headers: Record<string, string> = {};
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    if (o.body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(stack.url + path, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) });
    const text = await res.text();
    let body: any;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.status, body, text };
  };
  const ok = async <T = any>(method: string, path: string, o: { token?: string; body?: unknown } = {}): Promise<T> => {
    const r = await call<T>(method, path, o);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
    return r.body;
  };
  const clock = async (body: unknown) => (await ok<{ nowMs: number }>("POST", "/v1/dev/clock", { body })).nowMs;

  const self: FakeClockStack = {
    stack,
    url: stack.url,
    tenant,
    call,
    userToken: (userId, o = {}) => token({ sub: userId, tid: tenant, ...o }),
    adminToken: () => token({ sub: "scenario-admin", tid: tenant, role: "admin" }),
    now: async () => (await ok<{ nowMs: number }>("GET", "/v1/dev/clock")).nowMs,
    setClock: async (at) => {
      const target = typeof at === "number" ? at : Date.parse(at);
      for (;;) {
        await self.timersIdle();
        const [next] = await wakes.due(target - 1, 1);
        if (!next) break;
        if (next.dueAt > fakeClock().now()) await clock({ nowMs: next.dueAt });
      }
      return clock({ nowMs: target });
    },
    advance: async (ms) => self.setClock(fakeClock().now() + ms),
    outbox: (f = {}) => {
      const q = new URLSearchParams({ tenant, ...Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) } as Record<string, string>);
      return ok("GET", `/v1/dev/outbox?${q}`);
    },
    setFaults: async (faults) => {
      await ok("PUT", "/v1/dev/outbox/faults", { body: { faults } });
    },
    timersIdle: async (timeoutMs = 20_000) => {
      // Twice in a row (a tick may be between reading its due list and removing what it ran).
      let clear = 0;
      await until("the notify wake-ups due now to have run", async () => {
        const due = await wakes.due(fakeClock().now(), 1);
        clear = due.length === 0 ? clear + 1 : 0;
        if (clear < 2) await pause(150);
        return clear >= 2 ? true : undefined;
      }, timeoutMs);
    },
    setContacts: async (userId, contacts) => {
      await ok("PUT", `/v1/admin/users/${encodeURIComponent(userId)}/contacts`, { token: await self.adminToken(), body: contacts });
    },
    offline: async (userId) => {
      const connections = new DynamoConnectionStore({ client, table: stack.tables.connections });
      await until(`${userId} to be offline`, async () => ((await connections.userPresence(tenant, userId)).connections.length === 0 ? true : undefined));
    },
    connect: async (userId) => LiveSocket.open(stack.url.replace(/^http/, "ws") + "/ws", await self.userToken(userId)),
    stop: async () => {
      client.destroy();
      await stack.stop();
    },
  };
  return self;
}

export function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `probe` until it returns a value (not undefined); a bounded wait, never an assertion on time. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await pause(50);
  }
}

/** A WebSocket of the stack that keeps every message it receives (decoded). */
export class LiveSocket {
  readonly received: any[] = [];
  readonly closed: Promise<void>;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const text = data.toString();
      try {
        this.received.push(JSON.parse(text));
      } catch {
        this.received.push({ raw: text });
      }
    });
    this.closed = new Promise((resolve) => ws.once("close", () => resolve()));
  }

  static async open(url: string, tok: string): Promise<LiveSocket> {
    const ws = new WebSocket(`${url}?token=${encodeURIComponent(tok)}`);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    return new LiveSocket(ws);
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  /** Waits for a message (from index `from` on) that matches. */
  waitFor(what: string, match: (m: any) => boolean, opts: { from?: number; timeoutMs?: number } = {}): Promise<any> {
    return until(what, async () => this.received.find((m, k) => k >= (opts.from ?? 0) && match(m)), opts.timeoutMs);
  }

  /** Round-trips a ping: afterwards, every message posted to this connection before it has arrived. */
  async settle(): Promise<void> {
    const from = this.received.length;
    this.send({ action: "ping" });
    await this.waitFor("pong", (m) => m.type === "pong", { from });
    const i = this.received.findIndex((m, k) => k >= from && m.type === "pong");
    this.received.splice(i, 1);
  }

  async close(): Promise<void> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close();
    await this.closed;
  }
}

/** What a notification scenario posts: a social mention for one user unless told otherwise. */
export interface NotifyInput {
  eventId: string;
  recipients: string[] | { docId: string };
  class?: "critical" | "transactional" | "social" | "marketing";
  topic?: string;
  title?: string;
  body?: string;
  url?: string;
  data?: Record<string, unknown>;
}

/** The notification API as the scenarios use it (every call must succeed). */
export class NotifyApi {
  constructor(private readonly s: FakeClockStack) {}

  private async ok(method: string, path: string, opts: { token?: string; body?: unknown }): Promise<any> {
    const r = await this.s.call(method, path, opts);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
    return r.body;
  }

  /** POST /v1/notify as the tenant admin. */
  async notify(input: NotifyInput): Promise<any> {
    const body = { class: "social", topic: "mentions", title: `event ${input.eventId}`, body: "", ...input };
    return this.ok("POST", "/v1/notify", { token: await this.s.adminToken(), body });
  }

  /** Every decision for (user, event), oldest first, through the admin decisions route. */
  async decisions(userId: string, eventId: string): Promise<any[]> {
    const q = new URLSearchParams({ userId, eventId });
    const body = await this.ok("GET", `/v1/admin/notifications/decisions?${q}`, { token: await this.s.adminToken() });
    const list: any[] = Array.isArray(body) ? body : (body.decisions ?? body.items);
    return [...list].sort((a, b) => a.at - b.at);
  }

  /**
   * The decisions of (user, event) once `done` holds for them. Sends go out before their
   * decision records are appended (the `sent` record is the proof of a first-attempt send), so
   * a test that saw a delivery waits here for the records that go with it.
   */
  async decisionsWhen(userId: string, eventId: string, done: (reasons: string[]) => boolean): Promise<any[]> {
    return until(`the decisions of ${userId}/${eventId}`, async () => {
      const list = await this.decisions(userId, eventId);
      return done(list.map((r) => r.reason)) ? list : undefined;
    });
  }

  /** GET /v1/me/notifications/{id}/explain as the user. */
  async explain(userId: string, id: string): Promise<any> {
    return this.ok("GET", `/v1/me/notifications/${encodeURIComponent(id)}/explain`, { token: await this.s.userToken(userId) });
  }

  /** The user's feed (first page). */
  async feed(userId: string, unread = false): Promise<any[]> {
    const body = await this.ok("GET", `/v1/me/notifications${unread ? "?unread=true" : ""}`, { token: await this.s.userToken(userId) });
    return body.items ?? body.notifications;
  }

  async markRead(userId: string, target: { ids: string[] } | { all: true }): Promise<any> {
    return this.ok("POST", "/v1/me/notifications/read", { token: await this.s.userToken(userId), body: target });
  }

  /** Registers a web push subscription for the user; returns the device. */
  async addWebPush(userId: string): Promise<any> {
    const body = { kind: "web_push", endpoint: `https://push.example.test/${this.s.tenant}/${userId}`, keys: { p256dh: `p256-${userId}`, auth: `auth-${userId}` } };
    return this.ok("POST", "/v1/me/devices", { token: await this.s.userToken(userId), body });
  }

  async putPreferences(userId: string, prefs: Record<string, unknown>): Promise<any> {
    return this.ok("PUT", "/v1/me/preferences", { token: await this.s.userToken(userId), body: prefs });
  }

  /** The user's web push deliveries in the outbox, in delivery order. */
  async pushes(userId: string): Promise<any[]> {
    return (await this.s.outbox({ userId, channel: "web_push" })).deliveries;
  }
}

/** "sent" when the event's first external outcome was a send, "deferred" when the cap held it. */
export function firstOutcome(decisions: readonly any[]): "sent" | "deferred" | "none" {
  const first = decisions.find((r) => (r.reason === "sent" && r.channel !== "in_app") || r.reason === "deferred:cap");
  return first?.reason === "deferred:cap" ? "deferred" : first ? "sent" : "none";
}

/** The most sends inside any rolling window of `windowMs` (times ascending or not). */
export function maxInRollingWindow(times: readonly number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < t.length; j++) {
    while (t[j] - t[i] >= windowMs) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

/** Writes one document as several users over HTTP: each user is one client, its ops numbered in turn. */
export class DocWriter {
  private readonly seqs = new Map<string, number>();
  private readonly shares = new Map<string, number>();

  constructor(
    private readonly s: FakeClockStack,
    readonly docId: string,
  ) {}

  /** POSTs `ops` (without id and seq) as `userId` on base 0 (the server transforms them to the head). */
  async post(userId: string, ops: Record<string, unknown>[]): Promise<void> {
    const n = this.seqs.get(userId) ?? 0;
    this.seqs.set(userId, n + ops.length);
    const body = { clientId: `${userId}-client`, base: 0, ops: ops.map((op, k) => ({ id: `${userId}-${n + k + 1}`, seq: n + k + 1, ...op })) };
    const r = await this.s.call("POST", `/v1/docs/${this.docId}/ops`, { token: await this.s.userToken(userId), body });
    if (r.status !== 202) throw new Error(`POST ops: ${r.status} ${r.text}`);
  }

  comment(userId: string, body: string, threadId = "t1"): Promise<void> {
    return this.post(userId, [{ type: "comment", threadId, body }]);
  }

  /**
   * Has `ownerId` set `target`'s role on the document and waits until that acl op is committed.
   * It goes from a client of its own (`<ownerId>-share`, op ids `<ownerId>-share-<n>`), so the
   * ids of `post` stay as they were. On a document with no op yet this creates it: `ownerId`'s
   * owner entry is seq 1, the share seq 2.
   */
  async share(ownerId: string, target: { userId: string } | { groupId: string } | { everyone: true }, role: string): Promise<void> {
    const n = (this.shares.get(ownerId) ?? 0) + 1;
    this.shares.set(ownerId, n);
    const id = `${ownerId}-share-${n}`;
    const tok = await this.s.userToken(ownerId);
    const body = { clientId: `${ownerId}-share`, base: 0, ops: [{ id, seq: n, type: "acl", role, ...target }] };
    const r = await this.s.call("POST", `/v1/docs/${this.docId}/ops`, { token: tok, body });
    if (r.status !== 202) throw new Error(`POST acl op: ${r.status} ${r.text}`);
    const receipt = await until(`${id} to be sequenced`, async () => {
      const got = await this.s.call("GET", `/v1/docs/${this.docId}/ops/${id}`, { token: tok });
      return got.status === 200 && got.body.status !== "pending" ? got.body : undefined;
    });
    if (receipt.status !== "committed") throw new Error(`acl op ${id} was not committed: ${JSON.stringify(receipt)}`);
  }
}

/**
 * A fake-clock stack and its NotifyApi for one test file: started before its tests at
 * `startAt`, stopped after them. Read `s` and `api` inside tests (they exist once started).
 */
export function fakeClockStackForFile(startAt: number): { readonly s: FakeClockStack; readonly api: NotifyApi } {
  let stack: FakeClockStack | undefined;
  let api: NotifyApi | undefined;
  beforeAll(async () => {
    stack = await startFakeClockStack({ startAt });
    api = new NotifyApi(stack);
  });
  afterAll(async () => {
    await stack?.stop();
  });
  return {
    get s() {
      if (!stack) throw new Error("the fake-clock stack is not started: read it inside a test");
      return stack;
    },
    get api() {
      if (!api) throw new Error("the fake-clock stack is not started: read it inside a test");
      return api;
    },
  };
}
