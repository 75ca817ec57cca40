import { parentPort, workerData } from "node:worker_threads";
import WebSocket from "ws";
import { proseSlicer } from "./prose.js";

/**
 * The load side of `bench live`, in its own thread (not the stack's event loop): per
 * document, S subscribers on real WebSockets (subscribed live, as an editor is) and W writers
 * posting paced changes over HTTP, each with one change in flight and its base = the newest
 * seq its document's first subscriber has seen (as a live client bases its edits). Writers
 * and subscribers share this thread, so "accepted" (POST response) and "received" (WebSocket
 * message) are read on the same clock by the same event loop.
 */
export interface LiveLoadParams {
  url: string;
  token: string;
  docs: string[];
  subscribersPerDoc: number;
  writersPerDoc: number;
  batch: number;
  opChars: number;
  durationMs: number;
  /** Total ops/s across all writers. */
  rate: number;
  runId: string;
  /** How long to wait after the load for the last ops to reach every subscriber. */
  drainMs: number;
}

export interface LiveLoadResult {
  acceptedOps: number;
  postRequests: number;
  errors: number;
  elapsedMs: number;
  /** POST response -> WebSocket receipt, one sample per (op, subscriber). */
  acceptToReceipt: number[];
  /** POST sent -> WebSocket receipt. */
  postToReceipt: number[];
  /** The entry's serverTs (the sequencer's commit time) -> WebSocket receipt. */
  commitToReceipt: number[];
  /** p95 of acceptToReceipt per subscriber. */
  perSubscriberP95: number[];
  expectedDeliveries: number;
  deliveries: number;
  duplicates: number;
  /** Every frame and byte the subscribers received after `subscribed`, ops messages and others. */
  frames: number;
  bytes: number;
  opsMessages: number;
  maxMessageBytes: number;
  drainedMs: number;
}

interface OpTimes {
  sentAt: number;
  acceptedAt?: number;
  /** Receipts that came before the POST response: when, and the receiving subscriber's samples. */
  early: Array<{ at: number; samples: number[] }>;
}

async function run(p: LiveLoadParams): Promise<LiveLoadResult> {
  const text = proseSlicer(p.opChars);
  const headers = { authorization: `Bearer ${p.token}`, "content-type": "application/json" };
  const ops = new Map<string, OpTimes>();
  const res: LiveLoadResult = {
    acceptedOps: 0, postRequests: 0, errors: 0, elapsedMs: 0, acceptToReceipt: [], postToReceipt: [], commitToReceipt: [],
    perSubscriberP95: [], expectedDeliveries: 0, deliveries: 0, duplicates: 0, frames: 0, bytes: 0, opsMessages: 0, maxMessageBytes: 0, drainedMs: 0,
  };
  const heads = new Map(p.docs.map((d) => [d, 0]));
  const wsUrl = `${p.url.replace(/^http/, "ws")}/ws?token=${p.token}`;

  const subscribers = await Promise.all(
    p.docs.flatMap((doc) => Array.from({ length: p.subscribersPerDoc }, (_, i) => subscribe(doc, i === 0))),
  );
  function subscribe(doc: string, tracksHead: boolean) {
    return new Promise<{ ws: WebSocket; seen: Set<string>; samples: number[] }>((resolve, reject) => {
      const ws = new WebSocket(wsUrl);
      const sub = { ws, seen: new Set<string>(), samples: [] as number[] };
      let live = false;
      ws.on("error", reject);
      ws.on("open", () => ws.send(JSON.stringify({ action: "subscribe", docId: doc })));
      ws.on("message", (data: Buffer) => {
        const at = Date.now();
        const msg = JSON.parse(data.toString());
        if (!live) {
          if (msg.type !== "subscribed") return reject(new Error(`expected subscribed, got ${data}`));
          live = true;
          return resolve(sub);
        }
        res.frames++;
        res.bytes += data.length;
        if (msg.type !== "ops") return;
        res.opsMessages++;
        res.maxMessageBytes = Math.max(res.maxMessageBytes, data.length);
        for (const e of msg.ops as Array<{ id: string; seq: number; serverTs: number }>) {
          if (tracksHead && e.seq > heads.get(doc)!) heads.set(doc, e.seq);
          const t = ops.get(e.id);
          if (!t) continue; // not one of this phase's ops
          if (sub.seen.has(e.id)) {
            res.duplicates++;
            continue;
          }
          sub.seen.add(e.id);
          res.deliveries++;
          res.postToReceipt.push(at - t.sentAt);
          res.commitToReceipt.push(at - e.serverTs);
          if (t.acceptedAt === undefined) t.early.push({ at, samples: sub.samples });
          else {
            res.acceptToReceipt.push(at - t.acceptedAt);
            sub.samples.push(at - t.acceptedAt);
          }
        }
      });
    });
  }

  const start = Date.now();
  const end = start + p.durationMs;
  const writers = p.docs.length * p.writersPerDoc;
  const changeInterval = (1000 * p.batch * writers) / p.rate;
  const writer = async (doc: string, w: number) => {
    const clientId = `${p.runId}-w${w}`;
    let seq = 0;
    let nextAt = start + (changeInterval * w) / writers;
    while (Date.now() < end) {
      const wait = nextAt - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      nextAt += changeInterval;
      if (Date.now() >= end) break;
      const batch = Array.from({ length: p.batch }, () => ({ id: `${clientId}-${++seq}`, seq, type: "insert", pos: 0, text: text() }));
      const sentAt = Date.now();
      for (const op of batch) ops.set(op.id, { sentAt, early: [] });
      res.postRequests++;
      try {
        const r = await fetch(`${p.url}/v1/docs/${doc}/ops`, { method: "POST", headers, body: JSON.stringify({ clientId, base: heads.get(doc)!, ops: batch }) });
        const json = (await r.json()) as { results?: Array<{ id: string; status: string }> };
        const acceptedAt = Date.now();
        if (r.status !== 202 || !json.results) {
          res.errors++;
          batch.forEach((op) => ops.delete(op.id));
          continue;
        }
        for (const x of json.results) {
          const t = ops.get(x.id)!;
          if (x.status !== "accepted") {
            ops.delete(x.id);
            continue;
          }
          res.acceptedOps++;
          t.acceptedAt = acceptedAt;
          // A receipt before the POST response counts as 0 ms (the op was visible before its accept arrived).
          for (const e of t.early) {
            res.acceptToReceipt.push(Math.max(0, e.at - acceptedAt));
            e.samples.push(Math.max(0, e.at - acceptedAt));
          }
        }
      } catch {
        res.errors++;
      }
    }
  };
  const tasks: Promise<void>[] = [];
  let w = 0;
  for (const doc of p.docs) for (let i = 0; i < p.writersPerDoc; i++) tasks.push(writer(doc, w++));
  await Promise.all(tasks);
  res.elapsedMs = Date.now() - start;

  res.expectedDeliveries = res.acceptedOps * p.subscribersPerDoc;
  const drainStart = Date.now();
  while (res.deliveries < res.expectedDeliveries && Date.now() - drainStart < p.drainMs) await new Promise((r) => setTimeout(r, 50));
  res.drainedMs = Date.now() - drainStart;
  for (const s of subscribers) {
    s.samples.sort((a, b) => a - b);
    if (s.samples.length > 0) res.perSubscriberP95.push(s.samples[Math.ceil(0.95 * s.samples.length) - 1]);
    s.ws.close();
  }
  return res;
}

if (parentPort) parentPort.postMessage(await run(workerData as LiveLoadParams));
