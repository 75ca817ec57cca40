import { committedEntries, busEntrySize, MAX_INLINE_ENTRY_BYTES, type LogBatch, type LogEntry } from "../packages/core/src/index.js";
import { traceFile } from "../packages/core/test/traces.js";
import { EventBridgeBus, eventBridgeClient } from "../packages/functions/src/adapters/eventbridge/bus.js";
import { createHttpGateway } from "../packages/local/src/http-gateway.js";
import { LocalEventBus, eventBusEndpoint } from "../packages/local/src/event-bus/index.js";
import { localFunction } from "../packages/local/src/lambda.js";
import { createLogger } from "../packages/local/src/log.js";
import { toEntries } from "./trace-entries.js";

/**
 * `npm run bench -- fanout [--trace automerge-paper] [--batches 1,10,100,500] [--publish 300]`:
 * what event fan-out costs per op, and how fast the local bus is.
 *
 * - size: the trace's edits become log entries (a patch's delete, then its insert), cut into
 *   document batches of N entries; committedEntries makes one bus entry per batch. Printed per
 *   N: ops per entry, mean entry bytes, the share of entries that point to the log (> 64 KB),
 *   64 KB billing units per million ops, and the price of a million ops at EventBridge's
 *   custom-event price ($1.00 per million 64 KB units, us-east-1; an assumption, check it).
 * - local: --publish batches of 10 entries are published one after another with the real SDK
 *   through the local PutEvents endpoint (a rule with a no-op target): PutEvents latency
 *   percentiles and publish -> target delivery latency.
 */
export async function main(args: Record<string, string>): Promise<void> {
  const log = (m: string) => process.stderr.write(`[bench fanout] ${m}\n`);
  const name = args.trace ?? "automerge-paper";
  const file = traceFile(name);
  if (!file.present) throw new Error(`../shared/traces/${name}.json.gz not found next to the repository`);
  const entries = toEntries(file.load());
  log(`${name}: ${entries.length} entries`);
  const sizes = (args.batches ?? "1,10,100,500").split(",").map(Number).map((n) => sizeFigures(entries, n));
  const local = await localFigures(entries, Number(args.publish ?? 300));
  console.log(JSON.stringify({ bench: "fanout", trace: name, node: process.version, pricePerMillionUnitsUsd: 1, sizes, local }));
}

function batchesOf(entries: LogEntry[], n: number): LogBatch[] {
  const out: LogBatch[] = [];
  for (let i = 0; i < entries.length; i += n) {
    const part = entries.slice(i, i + n);
    out.push({ doc: { tenant: "bench", docId: "trace" }, seqStart: part[0].seq, seqEnd: part.at(-1)!.seq, entries: part, lenAfter: 0, clients: [], committedAt: 1_760_000_000_000 });
  }
  return out;
}

function sizeFigures(entries: LogEntry[], n: number) {
  const bus = committedEntries(batchesOf(entries, n));
  const bytes = bus.map(busEntrySize);
  const units = bytes.reduce((a, b) => a + Math.ceil(b / MAX_INLINE_ENTRY_BYTES), 0);
  const pointers = bus.filter((e) => "opsRef" in (e.detail as object)).length;
  const perMillionOps = (units / entries.length) * 1e6;
  return {
    opsPerBatch: n,
    entries: bus.length,
    opsPerEntry: round(entries.length / bus.length),
    meanEntryBytes: Math.round(bytes.reduce((a, b) => a + b, 0) / bus.length),
    pointerShare: round(pointers / bus.length, 3),
    unitsPerMillionOps: Math.round(perMillionOps),
    usdPerMillionOps: round(perMillionOps / 1e6, 4),
  };
}

async function localFigures(entries: LogEntry[], calls: number) {
  const delivered = new Map<string, number>();
  const target = localFunction("noop", async (e: { detail: { seqStart: number } }) => void delivered.set(String(e.detail.seqStart), performance.now()));
  const bus = new LocalEventBus({
    name: "bench",
    log: createLogger({ quiet: true }),
    rules: [{ name: "all", pattern: { source: ["weft"] }, target, retry: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 }, deadLetter: target }],
  });
  const gateway = createHttpGateway({ routes: [], resolve: () => Promise.reject(new Error("none")), log: createLogger({ quiet: true }) });
  gateway.use(eventBusEndpoint(bus, createLogger({ quiet: true })));
  const url = await gateway.listen(0);
  const client = eventBridgeClient(url);
  const publisher = new EventBridgeBus({ client, eventBusName: "bench" });
  const batches = batchesOf(entries, 10).slice(0, calls * 10);
  const putMs: number[] = [];
  const sentAt = new Map<string, number>();
  for (let i = 0; i < Math.min(calls, Math.floor(batches.length / 10)); i++) {
    const group = batches.slice(i * 10, i * 10 + 10);
    const t0 = performance.now();
    for (const b of group) sentAt.set(String(b.seqStart), t0);
    await publisher.publish(committedEntries(group));
    putMs.push(performance.now() - t0);
  }
  await bus.drain();
  const deliverMs = [...sentAt].map(([k, t]) => (delivered.get(k) ?? NaN) - t);
  client.destroy();
  await bus.stop();
  await gateway.close();
  return { putEventsCalls: putMs.length, entriesPerCall: 10, putEventsMs: pct(putMs), publishToDeliveryMs: pct(deliverMs), undelivered: deliverMs.filter(Number.isNaN).length };
}

function pct(xs: number[]) {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const at = (p: number) => round(s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN, 2);
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
