import { randomUUID } from "node:crypto";
import {
  applyEntries,
  BUSY_INDEX_MS,
  emptyState,
  ManualClock,
  indexDocument,
  indexOnCommit,
  indexWhenDue,
  parseQuery,
  searchDocuments,
  tokenize,
  type DocState,
  type LogEntry,
} from "../packages/core/src/index.js";
import { proseGenerator } from "../packages/core/test/conformance/prose.js";
import { traceFile } from "../packages/core/test/traces.js";
import { CapacityAccumulator } from "../packages/functions/src/adapters/dynamo/capacity.js";
import { dynamoClient } from "../packages/functions/src/adapters/dynamo/client.js";
import { ensureTables, tableNames } from "../packages/functions/src/adapters/dynamo/create-tables.js";
import { DynamoSearchIndexStore } from "../packages/functions/src/adapters/dynamo/search-index-store.js";
import { DynamoTimerStore } from "../packages/functions/src/adapters/dynamo/timer-store.js";
import { SEARCH_DEBOUNCE_MS } from "../packages/functions/src/handlers/search.js";
import { startDynamoLocal } from "../packages/local/src/dynamo-local.js";
import { toEntries } from "./trace-entries.js";

/**
 * `npm run bench -- consumers [--trace automerge-paper] [--batch 10] [--sample 200] [--queries 50]`:
 * what the search consumer costs per committed batch, on DynamoDB Local with the real adapters
 * (capacity from ReturnConsumedCapacity on every call). (The audit trail has no consumer any
 * more: its records are derived from the log on read.)
 *
 * The trace's edits become log entries (a patch's delete, then its insert) cut into batches of
 * --batch entries, i.e. one bus event each. Two windows of --sample consecutive batches are run
 * through the consumer: at the start (a small, growing document) and at the end (the whole
 * paper, after one initial index of the text before the window, reported on its own). Per
 * window: write and read units and ms per batch, postings written per batch;
 * then the cost of a replayed event (every batch of the window again) and of --queries searches.
 * Side by side, the same window through the search consumer's debounced path (indexOnCommit and
 * its timers, on a manual clock with one batch every --intervalMs): what the consumer really
 * writes when a document is typed into continuously, with every due timer indexing (busyMs 0,
 * the former behaviour) and as deployed (a document typed into waits for a pause, BUSY_INDEX_MS).
 */
export async function main(args: Record<string, string>): Promise<void> {
  const log = (m: string) => process.stderr.write(`[bench consumers] ${m}\n`);
  const name = args.trace ?? "automerge-paper";
  const file = traceFile(name);
  if (!file.present) throw new Error(`../shared/traces/${name}.json.gz not found next to the repository`);
  const batchSize = Number(args.batch ?? 10);
  const sample = Number(args.sample ?? 200);
  const intervalMs = Number(args.intervalMs ?? 100);
  const entries = toEntries(file.load());
  const batches: LogEntry[][] = [];
  for (let i = 0; i < entries.length; i += batchSize) batches.push(entries.slice(i, i + batchSize));
  log(`${name}: ${entries.length} entries, ${batches.length} batches of ${batchSize}`);

  const dynamo = await startDynamoLocal();
  try {
    const client = dynamoClient(dynamo.endpoint);
    const tables = tableNames(`bench-${randomUUID().slice(0, 6)}`);
    await ensureTables(client, tables);
    const meter = new CapacityAccumulator();
    const index = new DynamoSearchIndexStore({ client, table: tables.search, meter });
    const units = () => meter.snapshot().byTable;
    const take = (table: string) => ({ read: units()[table]?.read ?? 0, write: units()[table]?.write ?? 0 });

    const runWindow = async (label: string, from: number) => {
      const doc = { tenant: "bench", docId: `${label}-${randomUUID().slice(0, 6)}` };
      let state: DocState = emptyState();
      for (const b of batches.slice(0, from)) state = applyEntries(state, b);
      let initial;
      if (from > 0) {
        const t0 = performance.now();
        const before = take(tables.search);
        const r = await indexDocument({ store: index, now: Date.now, newId: randomUUID }, doc, state);
        const after = take(tables.search);
        initial = { textChars: state.text.length, terms: r.status === "indexed" ? r.put : 0, writeUnits: round(after.write - before.write), ms: Math.round(performance.now() - t0) };
      }
      const window = batches.slice(from, from + sample);
      const states: DocState[] = [];
      const s0 = take(tables.search);
      let postings = 0;
      const t = performance.now();
      for (const b of window) {
        state = applyEntries(state, b);
        states.push(state);
        const r = await indexDocument({ store: index, now: Date.now, newId: randomUUID }, doc, state);
        if (r.status === "indexed") postings += r.put + r.removed;
      }
      const searchMs = performance.now() - t;
      const s1 = take(tables.search);
      // Replays: every event of the window again (the index holds a newer version).
      for (const s of states) await indexDocument({ store: index, now: Date.now, newId: randomUUID }, doc, s);
      const s2 = take(tables.search);
      const n = window.length;
      const debounced = await runDebounced(from, window, 0);
      const debouncedBusy = await runDebounced(from, window, BUSY_INDEX_MS);
      return {
        window: label,
        batches: n,
        textCharsAtEnd: state.text.length,
        ...(initial ? { initialIndex: initial } : {}),
        search: {
          writeUnitsPerBatch: round((s1.write - s0.write) / n),
          readUnitsPerBatch: round((s1.read - s0.read) / n),
          postingsWrittenPerBatch: round(postings / n),
          msPerBatch: round(searchMs / n),
        },
        debounced,
        debouncedBusy,
        replay: {
          searchWriteUnitsPerEvent: round((s2.write - s1.write) / n),
          searchReadUnitsPerEvent: round((s2.read - s1.read) / n),
        },
        doc,
      };
    };

    const timers = new DynamoTimerStore({ client, table: tables.search, meter, prefix: "search-timers" });
    /** The window again on a fresh document, through indexOnCommit with a batch every intervalMs and the timers fired when due. */
    // busyMs 0: every due timer indexes; BUSY_INDEX_MS: a document typed into waits for a pause (as deployed).
    const runDebounced = async (from: number, window: LogEntry[][], busyMs: number) => {
      const doc = { tenant: "bench", docId: `debounced-${randomUUID().slice(0, 6)}` };
      const clock = new ManualClock(Date.now());
      let state: DocState = emptyState();
      for (const b of batches.slice(0, from)) state = applyEntries(state, b);
      // Each batch is committed at the clock's time (the trace's own timestamps are not this clock's).
      let committedAt = clock.now();
      const readState = async () => ({ ...state, updatedAt: committedAt });
      const deps = { store: index, timers, now: () => clock.now(), newId: randomUUID, readState, debounceMs: SEARCH_DEBOUNCE_MS, busyMs };
      if (from > 0) await indexDocument(deps, doc, state);
      clock.advance(SEARCH_DEBOUNCE_MS);
      const fire = async () => {
        for (const t of await timers.due(clock.now(), 100)) {
          await indexWhenDue(deps, t.doc, t.dueAt);
          await timers.remove(t.doc, t.dueAt);
        }
      };
      const s0 = take(tables.search);
      let writes = 0;
      for (const b of window) {
        state = applyEntries(state, b);
        committedAt = clock.now();
        const r = await indexOnCommit(deps, doc, state.version);
        if (r.status === "indexed") writes++;
        clock.advance(intervalMs);
        await fire();
      }
      // Drain: the window after a large write is longer than debounceMs (it grows with what was written).
      for (let due = await timers.due(Number.MAX_SAFE_INTEGER, 1); due.length > 0; due = await timers.due(Number.MAX_SAFE_INTEGER, 1)) {
        clock.set(Math.max(clock.now(), due[0].dueAt));
        await fire();
      }
      const s1 = take(tables.search);
      const indexed = await index.head(doc);
      if (indexed.meta?.version !== state.version) throw new Error(`debounced index ended at ${indexed.meta?.version}, not ${state.version}`);
      const n = window.length;
      return {
        debounceMs: SEARCH_DEBOUNCE_MS,
        busyMs,
        batchEveryMs: intervalMs,
        writeUnitsPerBatch: round((s1.write - s0.write) / n),
        readUnitsPerBatch: round((s1.read - s0.read) / n),
        indexWritesAtOnce: writes,
      };
    };

    const start = await runWindow("start", 0);
    log(`start window done`);
    const end = await runWindow("end", Math.max(0, batches.length - sample));
    log(`end window done`);
    const queries = await queryFigures(index, end.doc.tenant, Number(args.queries ?? 50), take.bind(null, tables.search));
    const tokenizer = tokenizeFigures();
    console.log(
      JSON.stringify({ bench: "consumers", trace: name, opsPerBatch: batchSize, node: process.version, windows: [start, end].map(({ doc, ...w }) => w), queries, tokenizer }),
    );
  } finally {
    await dynamo.stop();
  }
}

async function queryFigures(index: DynamoSearchIndexStore, tenant: string, n: number, take: () => { read: number }) {
  const qs = ["crdt", "collaborative editing", "conflict resol", "the", "peer to peer", "automerge json"];
  const ms: number[] = [];
  const r0 = take().read;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await searchDocuments(index, tenant, parseQuery(qs[i % qs.length]), { limit: 10, now: Date.now() });
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { count: n, readUnitsPerQuery: round((take().read - r0) / n), p50Ms: round(ms[Math.floor(n / 2)]), p95Ms: round(ms[Math.floor(n * 0.95)]) };
}

/**
 * Tokenizer speed on the two kinds of text: 2 MiB of English prose (property regex only) and
 * one million Chinese characters (ICU's dictionary segmenter). Best of three runs each.
 */
function tokenizeFigures() {
  const english = proseGenerator(7)(2 * 1024 * 1024);
  const chinese = "我们是中国人，我们爱和平。今天天气很好，我们去公园散步吧。".repeat(Math.ceil(1_000_000 / 29)).slice(0, 1_000_000);
  const best = (text: string) => {
    let ms = Infinity;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      tokenize(text);
      ms = Math.min(ms, performance.now() - t);
    }
    return Math.round(ms);
  };
  return { englishProse2MiBMs: best(english), chinese1MCharsMs: best(chinese) };
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
