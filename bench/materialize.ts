import { SignJWT } from "jose";
import { startStack } from "../packages/local/src/stack.js";
import { wiring } from "../packages/functions/src/wiring.js";
import { calibrate } from "./ingest.js";

/**
 * `npm run bench -- materialize [--docs 16] [--rate 1000] [--batch 10] [--seconds 15] [--opChars 20]`:
 * the materializer on the local stack under a paced typing load. --docs documents each get
 * changes of --batch inserts of --opChars characters, --rate ops/s in total, for --seconds.
 * Prints the commit -> materialized lag (the materializer's own histogram, one observation per
 * log batch), the docs table's write and read units per committed op and per log batch (from
 * ReturnConsumedCapacity of every call the stack made), how long a GET of a document takes,
 * and the ingest bench's calibration (DynamoDB Local's raw put rate in the same run: the lag
 * follows this shared host's speed, and the bus consumers share the same DynamoDB Local).
 */
export async function main(args: Record<string, string>): Promise<void> {
  const D = Number(args.docs ?? 16);
  const rate = Number(args.rate ?? 1000);
  const B = Number(args.batch ?? 10);
  const seconds = Number(args.seconds ?? 15);
  const opChars = Number(args.opChars ?? 20);
  const log = (m: string) => process.stderr.write(`[bench materialize] ${m}\n`);

  const stack = await startStack({ port: 0, data: "memory", quiet: true, env: { WEFT_STRUCTURED_LOGS: "off" } });
  const { meter } = wiring();
  const secret = new TextEncoder().encode(process.env.WEFT_JWT_SECRET ?? "weft-local-dev-secret");
  const tid = `bench-mat-${Date.now().toString(36)}`;
  const token = await new SignJWT({ sub: "bench", tid }).setProtectedHeader({ alg: "HS256" }).sign(secret);
  const admin = await new SignJWT({ sub: "bench", tid, role: "admin" }).setProtectedHeader({ alg: "HS256" }).sign(secret);
  const get = async (path: string, t = token) => (await fetch(stack.url + path, { headers: { authorization: `Bearer ${t}` } })).json() as Promise<any>;

  // Warm-up (module imports, JIT, DynamoDB Local): one change per document, not reported.
  const docs = Array.from({ length: D }, (_, i) => `mat-${i}`);
  const seqs = new Map(docs.map((d) => [d, 0]));
  const lens = new Map(docs.map((d) => [d, 0]));
  const post = async (doc: string) => {
    const first = seqs.get(doc)! + 1;
    const ops = Array.from({ length: B }, (_, k) => ({ id: `${doc}-${first + k}`, seq: first + k, type: "insert", pos: lens.get(doc)! + k * opChars, text: "typing...".padEnd(opChars, "x") }));
    const r = await fetch(`${stack.url}/v1/docs/${doc}/ops`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ clientId: "w", base: 0, ops }),
    });
    if (r.status !== 202) throw new Error(`POST ${doc}: ${r.status} ${await r.text()}`);
    seqs.set(doc, first + B - 1);
    lens.set(doc, lens.get(doc)! + B * opChars);
  };
  await Promise.all(docs.map(post));
  await settled(docs, seqs, get);
  meter.reset();
  const before = (await get("/v1/admin/metrics", admin)).materializerLagMs.count as number;

  log(`${D} docs, ${rate} ops/s in changes of ${B}, ${seconds} s`);
  const intervalMs = (B * D * 1000) / rate;
  const end = Date.now() + seconds * 1000;
  let posted = 0;
  await Promise.all(
    docs.map(async (doc, i) => {
      await sleep((i * intervalMs) / D);
      for (let next = Date.now(); Date.now() < end; next += intervalMs) {
        await post(doc);
        posted += B;
        await sleep(next + intervalMs - Date.now());
      }
    }),
  );
  const drainStart = Date.now();
  await settled(docs, seqs, get);
  log(`posted ${posted} ops; materialized everything ${Date.now() - drainStart} ms after the load`);
  const cap = meter.snapshot();
  const docsUnits = cap.byTable[stack.tables.docs] ?? { read: 0, write: 0 };
  const m = await get("/v1/admin/metrics", admin);
  const batches = m.materializerLagMs.count - before;

  const t0 = performance.now();
  const state = await get(`/v1/docs/${docs[0]}`);
  const getMs = performance.now() - t0;
  const calibration = await calibrate(stack.dynamoEndpoint, stack.tables.state);
  await stack.stop();
  console.log(
    JSON.stringify({
      bench: "materialize",
      params: { docs: D, rate, opsPerChange: B, seconds, opChars },
      calibration,
      postedOps: posted,
      logBatches: batches,
      materializerLagMs: m.materializerLagMs,
      sequencerLagMs: m.sequencerLagMs,
      docsTable: {
        writeUnitsPerOp: round(docsUnits.write / posted),
        writeUnitsPerBatch: round(docsUnits.write / batches),
        readUnitsPerOp: round(docsUnits.read / posted),
      },
      getDoc: { ms: round(getMs), version: state.version, textChars: state.text.length },
    }),
  );
}

/**
 * Waits until every document's last posted op is committed and materialized. Its log seq is
 * read from its receipt: a document's seqs are not its client's (its creation adds the owner
 * entry first).
 */
async function settled(docs: string[], seqs: Map<string, number>, get: (p: string) => Promise<any>): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (const doc of docs) {
    const lastOp = `${doc}-${seqs.get(doc)}`;
    let seq: number | undefined;
    while (seq === undefined || !((await get(`/v1/docs/${doc}`)).version >= seq)) {
      if (Date.now() > deadline) throw new Error(`${doc} was not materialized within 120 s`);
      if (seq === undefined) {
        const receipt = await get(`/v1/docs/${doc}/ops/${lastOp}`);
        if (receipt.status === "committed") seq = receipt.seq;
        else if (receipt.status === "rejected") throw new Error(`${lastOp} was rejected: ${receipt.reason}`);
      }
      await sleep(50);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
