import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import WebSocket from "ws";

/**
 * The load side of `bench notify`'s live part, in its own thread (not the stack's event loop):
 * one real WebSocket per user (connected, no subscribe: a connected user gets its in-app
 * notifications), and `POST /v1/notify` of one-recipient events, open loop at `rate` events/s
 * for `durationMs` (sends are not held back by slow answers, so queueing shows in the
 * latencies). Posts and receipts are timed by this thread's monotonic clock.
 * Protocol with the parent (so it can meter the events alone, not the sockets' connects and
 * closes): the worker posts "ready" once every socket is open and waits for "go"; it posts its
 * result after the drain and waits for "close"; it posts "closed" once the sockets are closed.
 */
export interface NotifyLiveParams {
  url: string;
  adminToken: string;
  /** Recipients, in order (event i goes to users[i % users.length]), with their tokens. */
  users: Array<{ userId: string; token: string }>;
  rate: number;
  durationMs: number;
  runId: string;
  /** How long to wait after the last answer for the last receipts. */
  drainMs: number;
}

export interface NotifyLiveResult {
  sent: number;
  accepted: number;
  /** Non-202 answers by status ("network" for a failed fetch), and the first few bodies. */
  refused: Record<string, number>;
  refusedSamples: string[];
  elapsedMs: number;
  /** POST sent -> 202 received, per accepted event. */
  acceptMs: number[];
  /** POST sent -> the recipient's WebSocket message naming the event, per received event. */
  postToReceiptMs: number[];
  /** 202 received -> WebSocket receipt (negative: the notification came before the answer). */
  acceptToReceiptMs: number[];
  receivedBeforeAccept: number;
  received: number;
  duplicates: number;
  /** Notifications naming one of this run's events received by another user's socket. */
  misrouted: number;
  /** Every frame the sockets received, by message type. */
  frames: Record<string, number>;
  /** Most events awaiting their answer at once. */
  maxInFlight: number;
  drainedMs: number;
}

interface EventTimes {
  userId: string;
  sentAt: number;
  acceptedAt?: number;
  receivedAt?: number;
}

async function run(p: NotifyLiveParams, port: MessagePort): Promise<void> {
  const next = () => new Promise<unknown>((resolve) => port.once("message", resolve));
  const res: NotifyLiveResult = {
    sent: 0, accepted: 0, refused: {}, refusedSamples: [], elapsedMs: 0, acceptMs: [], postToReceiptMs: [], acceptToReceiptMs: [],
    receivedBeforeAccept: 0, received: 0, duplicates: 0, misrouted: 0, frames: {}, maxInFlight: 0, drainedMs: 0,
  };
  const events = new Map<string, EventTimes>();
  const wsBase = `${p.url.replace(/^http/, "ws")}/ws?token=`;

  const open = (userId: string, token: string) =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(wsBase + encodeURIComponent(token));
      ws.once("open", () => resolve(ws));
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, r) => reject(new Error(`upgrade refused for ${userId}: ${r.statusCode}`)));
      ws.on("message", (data: Buffer) => {
        const at = performance.now();
        const msg = JSON.parse(data.toString()) as { type?: string; notification?: { userId?: string; eventIds?: string[] } };
        const type = String(msg.type);
        res.frames[type] = (res.frames[type] ?? 0) + 1;
        if (type !== "notification") return;
        for (const eventId of msg.notification?.eventIds ?? []) {
          const e = events.get(eventId);
          if (!e) continue; // not this run's
          if (e.userId !== userId) {
            res.misrouted++;
            continue;
          }
          if (e.receivedAt !== undefined) {
            res.duplicates++;
            continue;
          }
          e.receivedAt = at;
          res.received++;
        }
      });
    });
  // A few connects at a time ($connect is a handler writing the connections table).
  const sockets: WebSocket[] = [];
  for (let i = 0; i < p.users.length; i += 20) sockets.push(...(await Promise.all(p.users.slice(i, i + 20).map((u) => open(u.userId, u.token)))));

  port.postMessage("ready");
  await next();

  const headers = { authorization: `Bearer ${p.adminToken}`, "content-type": "application/json" };
  const total = Math.round((p.rate * p.durationMs) / 1000);
  const interval = 1000 / p.rate;
  let inFlight = 0;
  const answers: Promise<void>[] = [];
  const post = async (i: number) => {
    const user = p.users[i % p.users.length].userId;
    const eventId = `${p.runId}-${i}`;
    const body = JSON.stringify({ eventId, class: "transactional", topic: "tasks", recipients: [user], title: `Task ${i} assigned to you`, body: "Review the draft before Friday." });
    const e: EventTimes = { userId: user, sentAt: performance.now() };
    events.set(eventId, e);
    res.sent++;
    res.maxInFlight = Math.max(res.maxInFlight, ++inFlight);
    try {
      const r = await fetch(`${p.url}/v1/notify`, { method: "POST", headers, body });
      const text = await r.text();
      if (r.status === 202) {
        e.acceptedAt = performance.now();
        res.accepted++;
      } else refuse(String(r.status), text);
    } catch (err) {
      refuse("network", String(err));
    } finally {
      inFlight--;
    }
    if (e.acceptedAt === undefined) events.delete(eventId);
  };
  const refuse = (key: string, text: string) => {
    res.refused[key] = (res.refused[key] ?? 0) + 1;
    if (res.refusedSamples.length < 5) res.refusedSamples.push(`${key}: ${text.slice(0, 300)}`);
  };

  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const wait = start + i * interval - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    answers.push(post(i));
  }
  await Promise.all(answers);
  res.elapsedMs = Math.round(performance.now() - start);

  const drainStart = performance.now();
  while (res.received < res.accepted && performance.now() - drainStart < p.drainMs) await new Promise((r) => setTimeout(r, 50));
  res.drainedMs = Math.round(performance.now() - drainStart);
  for (const e of events.values()) {
    if (e.acceptedAt === undefined) continue;
    res.acceptMs.push(e.acceptedAt - e.sentAt);
    if (e.receivedAt === undefined) continue;
    res.postToReceiptMs.push(e.receivedAt - e.sentAt);
    res.acceptToReceiptMs.push(e.receivedAt - e.acceptedAt);
    if (e.receivedAt < e.acceptedAt) res.receivedBeforeAccept++;
  }
  port.postMessage(res);
  await next();
  await Promise.all(sockets.map((ws) => new Promise((r) => (ws.once("close", r), ws.close()))));
  port.postMessage("closed");
}

if (parentPort) await run(workerData as NotifyLiveParams, parentPort);
