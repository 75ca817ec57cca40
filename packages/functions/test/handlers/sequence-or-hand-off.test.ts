import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import type { DocRef, InboxRecord } from "@weft/core";
import { changeOf, newDoc } from "@weft/core/testing";
import { linkEnvironment } from "../../src/linked.js";
import type { Wiring } from "../../src/wiring.js";
import { freshTables } from "../adapters/dynamo-harness.js";

/**
 * The sequencer function's rule for a document a room task holds (docs/rooms.md, "Ownership"),
 * against DynamoDB Local: with a live lease its records go to the holder's `POST /rooms/run`
 * (here a stand-in server) and the function writes nothing; a holder that does not take them
 * is an error for the stream to retry; without a live lease it sequences them itself, within
 * its write window.
 */
let w: Wiring;
let mod: typeof import("../../src/handlers/sequence-or-hand-off.js");
const received: Array<{ path: string; body: any }> = [];
let answer = 200;
let server: Server;
let address: string;

beforeAll(async () => {
  const tables = await freshTables();
  process.env.WEFT_DYNAMO_ENDPOINT = inject("dynamoEndpoint");
  const { inbox, log, state, quarantine, docs, audit } = tables;
  Object.assign(process.env, linkEnvironment({ tables: { inbox, log, state, quarantine, docs, audit } }));
  w = (await import("../../src/wiring.js")).wiring();
  mod = await import("../../src/handlers/sequence-or-hand-off.js");
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ path: req.url ?? "", body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
      res.writeHead(answer, { "content-length": 0 }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => {
  vi.restoreAllMocks();
  answer = 200;
});

async function changeRecord(doc: DocRef): Promise<InboxRecord> {
  const change = changeOf(doc);
  await w.inbox.put(change);
  return { kind: "change", change };
}

const run = (doc: DocRef, records: InboxRecord[]) => mod.sequenceOrHandOff(w, doc, records, (s) => s.process(doc, records));
const lease = (doc: DocRef, at: string, expiresAt: number) => w.docLeases.acquire(doc, { owner: "task-x", address: at, now: Date.now(), expiresAt });

describe("sequenceOrHandOff", () => {
  it("no lease, or one that has expired: sequenced here", async () => {
    const doc = newDoc();
    expect(await run(doc, [await changeRecord(doc)])).toBe("here");
    expect((await w.log.head(doc)).seq).toBeGreaterThanOrEqual(3);
    const expired = newDoc();
    await lease(expired, address, Date.now() - 1);
    expect(await run(expired, [await changeRecord(expired)])).toBe("here");
    expect((await w.log.head(expired)).seq).toBeGreaterThanOrEqual(3);
    expect(received).toEqual([]);
  });

  it("a live lease: the records go to the holder's /rooms/run, and the function writes nothing", async () => {
    const doc = newDoc();
    await lease(doc, address, Date.now() + 20_000);
    const record = await changeRecord(doc);
    const wake: InboxRecord = { kind: "wake", wake: { doc, dueAt: Date.now() } };
    expect(await run(doc, [record, wake])).toBe("handed_off");
    expect(received).toHaveLength(1);
    expect(received[0].path).toBe(mod.RUN_PATH);
    expect(received[0].body).toEqual({ doc, records: JSON.parse(JSON.stringify([record, wake])) });
    expect((await w.log.head(doc)).seq).toBe(0);
    // The salvage's hand-off asks the holder to reject what it gives up on.
    const reject = { reason: "stream_retries_exhausted" as const, message: "sequencing failed after 4 attempts" };
    expect(await mod.sequenceOrHandOff(w, doc, [record], async () => expect.fail("not here"), { reject })).toBe("handed_off");
    expect(received[1].body).toEqual({ doc, records: JSON.parse(JSON.stringify([record])), reject });
    received.length = 0;
  });

  it("a holder that refuses (503) or cannot be reached: HolderUnreachable, nothing written (the stream retries)", async () => {
    const doc = newDoc();
    await lease(doc, address, Date.now() + 20_000);
    answer = 503;
    await expect(run(doc, [await changeRecord(doc)])).rejects.toBeInstanceOf(mod.HolderUnreachable);
    const gone = newDoc();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await lease(gone, `127.0.0.1:${port}`, Date.now() + 20_000);
    await expect(run(gone, [await changeRecord(gone)])).rejects.toThrow(/did not take its records/);
    expect((await w.log.head(doc)).seq).toBe(0);
    expect((await w.log.head(gone)).seq).toBe(0);
    received.length = 0;
  });

  it("a run that passes its write window stops before its first write (WriteWindowPassed)", async () => {
    const doc = newDoc();
    const record = await changeRecord(doc);
    const real = performance.now.bind(performance);
    const start = real();
    // The lease read happens at `start`; every later reading is 9 s on.
    vi.spyOn(performance, "now").mockImplementationOnce(() => start).mockImplementation(() => real() + 9_000);
    await expect(run(doc, [record])).rejects.toBeInstanceOf(mod.WriteWindowPassed);
    vi.restoreAllMocks();
    expect((await w.log.head(doc)).seq).toBe(0);
    // Retried in time, it commits.
    expect(await run(doc, [record])).toBe("here");
    expect((await w.log.head(doc)).seq).toBeGreaterThanOrEqual(3);
  });
});
