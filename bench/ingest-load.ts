import { parentPort, workerData } from "node:worker_threads";
import { proseSlicer } from "./prose.js";

/**
 * The load side of `bench ingest`, in its own thread so it does not share an event loop
 * with the stack it measures. Every writer is one client with one change in flight; each
 * document has a head tracker that polls the committed head, as a live subscriber would
 * learn it, so writers base their changes on a recent head.
 */
export interface LoadParams {
  url: string;
  token: string;
  docs: string[];
  writersPerDoc: number;
  batch: number;
  opChars: number;
  durationMs: number;
  /** Total ops/s across all writers; 0 = as fast as they can. */
  rate: number;
  runId: string;
}

export interface LoadResult {
  acceptedOps: number;
  duplicateOps: number;
  postRequests: number;
  trackerRequests: number;
  errors: number;
  elapsedMs: number;
}

async function run(p: LoadParams): Promise<LoadResult> {
  const text = proseSlicer(p.opChars);
  const headers = { authorization: `Bearer ${p.token}`, "content-type": "application/json" };
  const res: LoadResult = { acceptedOps: 0, duplicateOps: 0, postRequests: 0, trackerRequests: 0, errors: 0, elapsedMs: 0 };
  const heads = new Map(p.docs.map((d) => [d, 0]));
  const start = Date.now();
  const end = start + p.durationMs;
  const writers = p.docs.length * p.writersPerDoc;
  const changeInterval = p.rate > 0 ? (1000 * p.batch * writers) / p.rate : 0;

  // Each document's tracker learns the committed head (the `version` of a log read) every
  // 200 ms, as a live subscriber would from the stream.
  const tracker = async (doc: string) => {
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, 200));
      res.trackerRequests++;
      const r = await fetch(`${p.url}/v1/docs/${doc}/ops?after=${heads.get(doc)}&limit=1`, { headers });
      if (!r.ok) {
        await r.text();
        continue;
      }
      const body = (await r.json()) as { version: number };
      heads.set(doc, body.version);
    }
  };

  const writer = async (doc: string, w: number) => {
    const clientId = `${p.runId}-w${w}`;
    let seq = 0;
    let nextAt = start + (changeInterval * w) / writers;
    while (Date.now() < end) {
      if (changeInterval > 0) {
        const wait = nextAt - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        nextAt += changeInterval;
        if (Date.now() >= end) break;
      }
      const ops = Array.from({ length: p.batch }, () => ({
        id: `${clientId}-${++seq}`,
        seq,
        type: "insert",
        pos: 0,
        text: text(),
      }));
      const body = JSON.stringify({ clientId, base: heads.get(doc)!, ops });
      res.postRequests++;
      try {
        const r = await fetch(`${p.url}/v1/docs/${doc}/ops`, { method: "POST", headers, body });
        const json = (await r.json()) as { results?: Array<{ status: string }> };
        if (r.status !== 202 || !json.results) {
          res.errors++;
          continue;
        }
        for (const x of json.results) x.status === "accepted" ? res.acceptedOps++ : res.duplicateOps++;
      } catch {
        res.errors++;
      }
    }
  };

  const tasks: Promise<void>[] = p.docs.map(tracker);
  let w = 0;
  for (const doc of p.docs) for (let i = 0; i < p.writersPerDoc; i++) tasks.push(writer(doc, w++));
  await Promise.all(tasks);
  res.elapsedMs = Date.now() - start;
  return res;
}

if (parentPort) parentPort.postMessage(await run(workerData as LoadParams));
