import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import * as Y from "yjs";
import { DocStates, ManualClock, MemoryDocStateStore, MemoryLogStore, type DocRef, type LogBatch, type LogEntry } from "../packages/core/src/index.js";
import { traceFile, type Trace } from "../packages/core/test/traces.js";

/**
 * `npm run bench -- replay [--traces automerge-paper,seph-blog1] [--batch 100] [--runs 5]`:
 * the server-side job of keeping a document's state current, on real editing traces
 * (../shared/traces, CC BY 4.0), weft against Yjs in the same process.
 *
 * - weft: every trace edit becomes committed log entries (a patch's delete, then its insert),
 *   cut into log batches of --batch entries and decoded from JSON as the materializer decodes
 *   a stream record, appended to the memory LogStore (all untimed); then each run applies the
 *   batches one by one through a fresh DocStates on a fresh memory DocStateStore (timed): what
 *   the materializer does per stream batch, with the default snapshot policy and cache, so
 *   head writes, snapshots (canonical encoding) and LRU bookkeeping are inside the figure.
 * - yjs: one update per edit (txn), pre-encoded by applying the trace to a client Y.Doc
 *   (untimed); each run applies all of them to a fresh server Y.Doc (timed).
 *
 * Each side runs --runs times after a garbage collection; the median and best runs are
 * printed (wall ms and the process's CPU ms: this host is shared, CPU time is steadier).
 * Throughput is in edits (txns) per second for both, so the ratio compares the same work.
 * Both final texts must equal endContent. Peak memory (rss, heapUsed) is sampled during runs.
 */
export async function main(args: Record<string, string>): Promise<void> {
  const names = (args.traces ?? "automerge-paper,seph-blog1").split(",");
  const batchSize = Number(args.batch ?? 100);
  const runs = Number(args.runs ?? 5);
  const log = (m: string) => process.stderr.write(`[bench replay] ${m}\n`);
  const results = [];
  for (const name of names) {
    const file = traceFile(name);
    if (!file.present) throw new Error(`../shared/traces/${name}.json.gz not found next to the repository`);
    // Each side holds only its own input while it runs (the trace is loaded again for Yjs), so
    // neither pays for marking the other's data in its garbage collections.
    const { endContent, txns } = (() => {
      const t = file.load();
      return { endContent: t.endContent, txns: t.txns.length };
    })();
    const edits = txns;
    const weftInput = await prepareWeft(file.load(), batchSize);
    const weft = await measure(runs, (sample) => replayWeft(weftInput, endContent, sample));
    const weftShape = { entries: weftInput.entries, batches: weftInput.batches.length };
    weftInput.batches = [];
    weftInput.log = new MemoryLogStore();
    log(`${name}: weft median ${rate(edits, weft.median.ms)} edits/s`);
    const updates = encodeYjs(file.load());
    const yjs = await measure(runs, async (sample) => replayYjs(updates, endContent, sample));
    log(`${name}: yjs median ${rate(edits, yjs.median.ms)} edits/s`);
    results.push({
      trace: name,
      edits,
      weft: { ...summary(edits, weft), ...weftShape, ...weft.extra },
      yjs: { ...summary(edits, yjs), updateBytes: updates.reduce((n, u) => n + u.length, 0) },
      ratio: round(yjs.median.ms / weft.median.ms, 1),
      ratioCpu: round(yjs.median.cpuMs / weft.median.cpuMs, 1),
    });
  }
  console.log(JSON.stringify({ bench: "replay", batch: batchSize, runs, node: process.version, results }));
}

interface Run {
  ms: number;
  cpuMs: number;
  peakRssMiB: number;
  peakHeapUsedMiB: number;
  extra?: Record<string, number>;
}

const gc: () => void = (() => {
  setFlagsFromString("--expose_gc");
  return runInNewContext("gc");
})();

/** `once` does the timed work and returns an untimed check (which may report extra figures). */
type Once = (sample: () => void) => Promise<() => Promise<Record<string, number> | void>>;

async function measure(runs: number, once: Once) {
  const all: Run[] = [];
  for (let r = 0; r < runs; r++) {
    gc();
    let rss = 0;
    let heap = 0;
    const sample = () => {
      const m = process.memoryUsage();
      rss = Math.max(rss, m.rss);
      heap = Math.max(heap, m.heapUsed);
    };
    sample();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const check = await once(sample);
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    sample();
    const extra = await check();
    all.push({ ms, cpuMs: (c.user + c.system) / 1000, peakRssMiB: rss / 2 ** 20, peakHeapUsedMiB: heap / 2 ** 20, extra: extra ?? undefined });
  }
  const sorted = [...all].sort((a, b) => a.ms - b.ms);
  return { median: sorted[Math.floor((sorted.length - 1) / 2)], best: sorted[0], extra: all[0].extra, peak: { rss: Math.max(...all.map((x) => x.peakRssMiB)), heap: Math.max(...all.map((x) => x.peakHeapUsedMiB)) } };
}

function summary(edits: number, m: Awaited<ReturnType<typeof measure>>) {
  return {
    editsPerSec: rate(edits, m.median.ms),
    bestEditsPerSec: rate(edits, m.best.ms),
    medianMs: round(m.median.ms),
    medianCpuMs: round(m.median.cpuMs),
    peakRssMiB: round(m.peak.rss),
    peakHeapUsedMiB: round(m.peak.heap),
    endContentMatches: true,
  };
}

interface WeftInput {
  doc: DocRef;
  log: MemoryLogStore;
  batches: LogBatch[];
  entries: number;
}

async function prepareWeft(trace: Trace, batchSize: number): Promise<WeftInput> {
  const doc: DocRef = { tenant: "bench", docId: "trace" };
  const entries: LogEntry[] = [];
  const env = () => ({ seq: entries.length + 1, id: `o${entries.length + 1}`, clientId: "trace", clientSeq: entries.length + 1, userId: "author", serverTs: 1_760_000_000_000 + entries.length });
  for (const txn of trace.txns) {
    for (const [pos, del, ins] of txn.patches) {
      if (del > 0) entries.push({ ...env(), type: "delete", pos, len: del });
      if (ins.length > 0) entries.push({ ...env(), type: "insert", pos, text: ins });
    }
  }
  const log = new MemoryLogStore();
  const batches: LogBatch[] = [];
  for (let i = 0; i < entries.length; i += batchSize) {
    // Decoded from JSON, as the materializer gets every batch (logBatchFromImage -> unpackJson).
    const part: LogEntry[] = JSON.parse(JSON.stringify(entries.slice(i, i + batchSize)));
    const batch = { doc, seqStart: part[0].seq, seqEnd: part.at(-1)!.seq, entries: part, lenAfter: 0, clients: [], committedAt: 0 };
    await log.append(batch);
    batches.push(batch);
  }
  return { doc, log, batches, entries: entries.length };
}

async function replayWeft(input: WeftInput, endContent: string, sample: () => void) {
  const store = new CountingStore();
  const states = new DocStates({ log: input.log, store, clock: new ManualClock(0) });
  for (let i = 0; i < input.batches.length; i++) {
    await states.apply(input.doc, [input.batches[i]]);
    if (i % 200 === 0) sample();
  }
  return async () => {
    if ((await states.read(input.doc))!.text !== endContent) throw new Error("weft: the final text differs from endContent");
    // A cold read (another process): head + latest snapshot + the log after it.
    const t0 = performance.now();
    const cold = await new DocStates({ log: input.log, store, clock: new ManualClock(0) }).read(input.doc);
    const coldReadMs = performance.now() - t0;
    if (cold!.text !== endContent) throw new Error("weft: a cold read differs from endContent");
    return { headWrites: store.headWrites, snapshots: store.snapshotWrites, coldReadMs: round(coldReadMs, 1) };
  };
}

function encodeYjs(trace: Trace): Uint8Array[] {
  const client = new Y.Doc();
  const text = client.getText("t");
  const updates: Uint8Array[] = [];
  client.on("update", (u: Uint8Array) => updates.push(u));
  for (const txn of trace.txns) {
    client.transact(() => {
      for (const [pos, del, ins] of txn.patches) {
        if (/[\ud800-\udfff]/.test(ins)) throw new Error("yjs: the trace has astral characters; Y.Text positions would need converting");
        if (del > 0) text.delete(pos, del);
        if (ins.length > 0) text.insert(pos, ins);
      }
    });
  }
  if (updates.length !== trace.txns.length) throw new Error(`yjs: ${updates.length} updates for ${trace.txns.length} edits`);
  return updates;
}

function replayYjs(updates: Uint8Array[], endContent: string, sample: () => void) {
  const server = new Y.Doc();
  for (let i = 0; i < updates.length; i++) {
    Y.applyUpdate(server, updates[i]);
    if (i % 20_000 === 0) sample();
  }
  return async () => {
    if (server.getText("t").toString() !== endContent) throw new Error("yjs: the final text differs from endContent");
  };
}

/** Counts what DocStates writes (the memory adapter underneath). */
class CountingStore extends MemoryDocStateStore {
  headWrites = 0;
  snapshotWrites = 0;
  override async putHead(...a: Parameters<MemoryDocStateStore["putHead"]>) {
    this.headWrites++;
    return super.putHead(...a);
  }
  override async putSnapshot(...a: Parameters<MemoryDocStateStore["putSnapshot"]>) {
    this.snapshotWrites++;
    return super.putSnapshot(...a);
  }
}

function rate(n: number, ms: number): number {
  return Math.round(n / (ms / 1000));
}

function round(n: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
