import { countDynamoCalls } from "./notify-dynamo-calls.js";

/**
 * Part (3) of `bench notify`: one `POST /v1/notify` to N recipients (u0..uN-1, no live
 * sockets, class transactional, topic tasks: in-app only, as the users have no device, email
 * or phone) on a stack started with WEFT_NOTIFY_FANOUT_SPREAD_MS=0, so every chunk is due at
 * once and the time measured is the stack's throughput, not the spread window. Done = the
 * fan-out timers are empty (a chunk's timer is removed after the chunk is decided), watched
 * through the wiring of this process: the stack runs its handlers here, so `wiring()` is
 * the very instance they use. A sample of recipients' feeds is then read over HTTP.
 * Costs per recipient (CPU of this process, DynamoDB requests and units from the process
 * meter) cover everything this process did meanwhile: the stack's background polling and the
 * polls here included. Cut short by the timeout, only whole chunks count as decided while the
 * costs include the chunks in progress (a few percent high).
 */
export interface FanoutFigures {
  recipients: number;
  /** POST sent -> every chunk decided. */
  seconds: number;
  perSecond: number;
  /** POST sent -> 202 (the job and its chunk timers stored). */
  acceptSeconds: number;
  answer: unknown;
  extrapolated100kSeconds?: number;
  /** Set when the run was cut short by --fanoutTimeout: chunks still undecided. */
  timedOutWithChunksLeft?: number;
  /** Node CPU (this process: HTTP, handlers, SDK) per recipient; DynamoDB Local's JVM is another process. */
  nodeCpuMsPerRecipient: number;
  dynamoRequestsPerRecipient: number;
  dynamoRequestsByCallPerRecipient: Record<string, number>;
  dynamoUnitsPerRecipient: { read: number; write: number; byTable: Record<string, { read: number; write: number }> };
  feedSample: { checked: number; withTheEvent: number };
}

export async function fanoutFigures(opts: {
  url: string;
  tables: Record<string, string>;
  tenant: string;
  n: number;
  timeoutMs: number;
  mint: (tid: string, sub: string, role?: string) => Promise<string>;
  log: (m: string) => void;
}): Promise<FanoutFigures> {
  const { n, tenant } = opts;
  // Imported once the stack has set the environment; the same module instance its handlers use.
  const { wiring } = await import("../packages/functions/src/wiring.js");
  const w = wiring();
  const eventId = `fanout-${Date.now().toString(36)}`;
  const body = JSON.stringify({
    eventId,
    class: "transactional",
    topic: "tasks",
    recipients: Array.from({ length: n }, (_, i) => `u${i}`),
    title: "Scheduled maintenance tonight",
    body: "The workspace will be read-only from 22:00 to 22:30 UTC.",
  });
  const calls = countDynamoCalls(opts.tables);
  const before = w.meter.snapshot();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await fetch(`${opts.url}/v1/notify`, {
    method: "POST",
    headers: { authorization: `Bearer ${await opts.mint(tenant, "bench-admin", "admin")}`, "content-type": "application/json" },
    body,
  });
  const answer = await r.json();
  const acceptSeconds = (performance.now() - t0) / 1000;
  if (r.status !== 202) throw new Error(`POST /v1/notify to ${n} recipients: ${r.status} ${JSON.stringify(answer)}`);
  opts.log(`fanout: 202 after ${acceptSeconds.toFixed(1)} s: ${JSON.stringify(answer)}`);

  let left = Infinity;
  let lastLog = t0;
  const chunks = (answer as { chunks?: number }).chunks ?? 0;
  for (;;) {
    left = (await w.notify.fanoutTimers.due(Number.MAX_SAFE_INTEGER, 1000)).filter((t) => t.doc.tenant === tenant).length;
    const now = performance.now();
    if (left === 0 || now - t0 > opts.timeoutMs) break;
    if (now - lastLog > 10_000) {
      lastLog = now;
      const done = chunks - left;
      const eta = done > 0 ? ` (about ${Math.round((((now - t0) / done) * left) / 1000)} s left)` : "";
      opts.log(`fanout: ${done}/${chunks} chunks decided after ${((now - t0) / 1000).toFixed(0)} s${eta}`);
    }
    await new Promise((res) => setTimeout(res, 500));
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const after = w.meter.snapshot();
  const dynamo = calls.stop();
  const decided = left === 0 ? n : Math.round((n * (chunks - left)) / Math.max(1, chunks));
  const perSecond = decided / seconds;

  const byTable: Record<string, { read: number; write: number }> = {};
  for (const [table, t] of Object.entries(after.byTable)) {
    const b = before.byTable[table] ?? { read: 0, write: 0 };
    if (t.read - b.read > 0 || t.write - b.write > 0) byTable[table] = { read: round((t.read - b.read) / decided), write: round((t.write - b.write) / decided) };
  }

  // A spread sample of recipients: does each one's feed hold the event?
  const sample = [...new Set([0, n - 1, ...Array.from({ length: 8 }, (_, k) => Math.floor(((k + 0.5) * n) / 8))])].filter((i) => i < n);
  let withTheEvent = 0;
  for (const i of sample) {
    const res = await fetch(`${opts.url}/v1/me/notifications?limit=5`, { headers: { authorization: `Bearer ${await opts.mint(tenant, `u${i}`)}` } });
    const page = (await res.json()) as { items?: Array<{ eventIds: string[] }> };
    if (page.items?.some((it) => it.eventIds.includes(eventId))) withTheEvent++;
  }

  return {
    recipients: n,
    seconds: round(seconds),
    perSecond: Math.round(perSecond),
    acceptSeconds: round(acceptSeconds),
    answer,
    ...(n < 100_000 || left > 0 ? { extrapolated100kSeconds: Math.round(100_000 / perSecond) } : {}),
    ...(left > 0 ? { timedOutWithChunksLeft: left } : {}),
    nodeCpuMsPerRecipient: round((cpu.user + cpu.system) / 1000 / decided),
    dynamoRequestsPerRecipient: round(dynamo.total / decided),
    dynamoRequestsByCallPerRecipient: Object.fromEntries(Object.entries(dynamo.byCall).map(([op, k]) => [op, round(k / decided)])),
    dynamoUnitsPerRecipient: { read: round((after.total.read - before.total.read) / decided), write: round((after.total.write - before.total.write) / decided), byTable },
    feedSample: { checked: sample.length, withTheEvent },
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
