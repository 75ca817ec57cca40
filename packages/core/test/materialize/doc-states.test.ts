import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DocStates, encodeState, materialize } from "../../src/materialize/index.js";
import { newDoc, proseEntries, variedEntries } from "../conformance/fixtures.js";
import { arbIntent, buildLog } from "./log-gen.js";
import { commit, rig, toBatches } from "./doc-states-harness.js";

const sample = (n: number, seed: number) => buildLog(fc.sample(arbIntent, { numRuns: n, seed }));

describe("DocStates.apply", () => {
  it("applies batches in seq order whatever order they come in, writing one head per call and no snapshot before one is due", async () => {
    const r = rig({ snapshotEveryOps: 1000 });
    const doc = newDoc();
    const entries = sample(60, 1);
    const batches = await commit(r.log, toBatches(doc, entries, [7, 3, 11]));
    expect(await r.states.apply(doc, [...batches].reverse())).toMatchObject({ version: 60, filled: [] });
    expect(r.store.calls).toMatchObject({ putHead: 1, putSnapshot: 0 });
    expect(encodeState((await r.states.read(doc))!)).toBe(encodeState(materialize(entries)));
  });

  it("is idempotent: entries at or below the materialized version are skipped, nothing is written again", async () => {
    const r = rig();
    const doc = newDoc();
    const entries = sample(40, 2);
    const batches = await commit(r.log, toBatches(doc, entries, [10]));
    await r.states.apply(doc, batches.slice(0, 3));
    r.store.reset();
    expect(await r.states.apply(doc, batches.slice(0, 2))).toMatchObject({ version: 30, filled: [] });
    expect(r.store.calls.putHead).toBe(0);
    // Overlapping redelivery: only the new part applies.
    expect(await r.states.apply(doc, batches.slice(1))).toMatchObject({ version: 40, filled: [] });
    expect(encodeState((await r.fresh().read(doc))!)).toBe(encodeState(materialize(entries)));
  });

  it("fills a gap from the log (a lost stream batch) and reads only the missing entries", async () => {
    const r = rig();
    const doc = newDoc();
    const entries = sample(50, 3);
    const batches = await commit(r.log, toBatches(doc, entries, [10]));
    await r.states.apply(doc, batches.slice(0, 1));
    r.log.entriesRead = 0;
    const filled = await r.states.apply(doc, [batches[4]]);
    expect(filled.version).toBe(50);
    expect(r.log.entriesRead).toBe(30);
    // The filled range comes back as a batch, for the caller to publish (notifications would miss it otherwise).
    expect(filled.filled.map((b) => [b.seqStart, b.seqEnd, b.entries.length])).toEqual([[11, 40, 30]]);
    expect(filled.filled[0].entries.map((e) => e.seq)).toEqual(entries.slice(10, 40).map((e) => e.seq));
    expect(filled.filled[0].committedAt).toBe(Math.max(...entries.slice(10, 40).map((e) => e.serverTs)));
    expect(encodeState((await r.states.read(doc))!)).toBe(encodeState(materialize(entries)));
  });

  it("a cold process starts from the stored snapshot + log tail, never from seq 1", async () => {
    const r = rig({ snapshotEveryOps: 20 });
    const doc = newDoc();
    const entries = sample(95, 4);
    const batches = await commit(r.log, toBatches(doc, entries, [5]));
    for (const b of batches.slice(0, -1)) await r.states.apply(doc, [b]);
    expect(r.store.snapshotVersions).toEqual([20, 40, 60, 80]);
    const cold = r.fresh();
    r.log.entriesRead = 0;
    expect(await cold.apply(doc, [batches.at(-1)!])).toMatchObject({ version: 95, filled: [] });
    expect(r.log.entriesRead).toBe(10); // 81..90 after snapshot 80; 91..95 came in the batch
    expect(encodeState((await cold.read(doc))!)).toBe(encodeState(materialize(entries)));
  });

  it("the warm path reads nothing: one head write per batch, a snapshot only every N ops", async () => {
    const r = rig({ snapshotEveryOps: 50 });
    const doc = newDoc();
    const batches = await commit(r.log, toBatches(doc, sample(200, 5), [10]));
    await r.states.apply(doc, [batches[0]]);
    r.store.reset();
    r.log.entriesRead = 0;
    for (const b of batches.slice(1)) await r.states.apply(doc, [b]);
    expect(r.store.calls).toEqual({ head: 0, putHead: 19, putSnapshot: 4, snapshot: 0 });
    expect(r.log.entriesRead).toBe(0);
  });

  it("snapshots every M bytes of log, and the interval grows with a state past M", async () => {
    const r = rig({ snapshotEveryOps: 1_000_000, snapshotEveryLogBytes: 64 * 1024 });
    const doc = newDoc();
    // 400 inserts of 4 KiB: each one adds to the text, so the state outgrows M after ~16.
    const entries = proseEntries(1, 400, 4096, 7);
    const batches = await commit(r.log, toBatches(doc, entries, [4]));
    for (const b of batches) await r.states.apply(doc, [b]);
    const v = r.store.snapshotVersions;
    expect(v[0]).toBe(16); // 16 x (4096 + ~150) bytes >= 64 KiB
    const gaps = v.slice(1).map((x, i) => x - v[i]);
    expect(gaps[1]).toBeGreaterThanOrEqual(2 * gaps[0]);
    // Without the scaling there would be a snapshot every 16 entries (25 of them).
    expect(v.length).toBeLessThanOrEqual(4);
    // Snapshot bytes stay within a small multiple of the log's own bytes, however large the document gets.
    const logBytes = entries.reduce((n, e) => n + JSON.stringify(e).length, 0);
    const snapBytes = v.reduce((n, ver) => n + 2 * 4096 * ver, 0); // text + its copy in spans
    expect(snapBytes).toBeLessThan(3 * logBytes);
  });

  it("a process whose cached state is stale does not move the head back", async () => {
    const r = rig();
    const doc = newDoc();
    const entries = sample(30, 8);
    const batches = await commit(r.log, toBatches(doc, entries, [10]));
    const a = r.states;
    const b = r.fresh();
    await a.apply(doc, [batches[0]]);
    await b.apply(doc, batches); // b went ahead to 30
    expect(await a.apply(doc, [batches[1]])).toMatchObject({ version: 30, filled: [] });
    expect((await r.store.head(doc))?.version).toBe(30);
    expect(encodeState((await a.read(doc))!)).toBe(encodeState(materialize(entries)));
  });

  it("throws when the log cannot supply a missing range, and stores nothing", async () => {
    const r = rig();
    const doc = newDoc();
    const batches = toBatches(doc, sample(20, 9), [10]);
    await commit(r.log, [batches[1]]); // seq 1..10 never committed: an impossible log
    await expect(r.states.apply(doc, [batches[1]])).rejects.toThrow(/expected seq 1|ends at seq 0/);
    expect(await r.store.head(doc)).toBeUndefined();
  });
});

describe("DocStates.read", () => {
  it("undefined for a document with nothing materialized, version < 1, non-integers, or above the materialized version", async () => {
    const r = rig();
    const doc = newDoc();
    expect(await r.states.read(doc)).toBeUndefined();
    await r.states.apply(doc, await commit(r.log, toBatches(doc, variedEntries(1), [4])));
    for (const v of [0, -1, 1.5, 11, Number.NaN]) expect(await r.states.read(doc, v)).toBeUndefined();
    expect((await r.states.read(doc, 10))?.version).toBe(10);
    expect(await r.states.read({ ...doc, tenant: `${doc.tenant}x` })).toBeUndefined();
  });

  it("serves the current state from the cache when the head matches (one head read)", async () => {
    const r = rig();
    const doc = newDoc();
    await r.states.apply(doc, await commit(r.log, toBatches(doc, sample(30, 10), [10])));
    r.store.reset();
    r.log.entriesRead = 0;
    await r.states.read(doc);
    expect(r.store.calls).toEqual({ head: 1, putHead: 0, putSnapshot: 0, snapshot: 0 });
    expect(r.log.entriesRead).toBe(0);
  });

  it("rolls a cached state forward from the log to its end, whatever the materializer did", async () => {
    const r = rig({ snapshotEveryOps: 1000 });
    const doc = newDoc();
    const entries = sample(40, 11);
    const batches = toBatches(doc, entries, [10]);
    await commit(r.log, batches.slice(0, 2));
    const reader = r.fresh();
    await r.states.apply(doc, batches.slice(0, 2));
    expect((await reader.read(doc))?.version).toBe(20); // cached at 20
    await commit(r.log, batches.slice(2));
    r.log.entriesRead = 0;
    expect(encodeState((await reader.read(doc))!)).toBe(encodeState(materialize(entries)));
    expect(r.log.entriesRead).toBe(20);
  });

  it("is current the moment a batch is committed: nothing applied, or a head far behind, changes no read", async () => {
    const r = rig({ headEveryMs: 60_000 });
    const doc = newDoc();
    const entries = sample(30, 21);
    const batches = await commit(r.log, toBatches(doc, entries, [10]));
    expect(encodeState((await r.fresh().read(doc))!)).toBe(encodeState(materialize(entries))); // nothing applied yet
    await r.states.apply(doc, [batches[0]]); // head written at 10 (the first)
    await r.states.apply(doc, [batches[1]]); // within the interval: no head
    expect((await r.store.head(doc))?.version).toBe(10);
    expect((await r.fresh().read(doc))?.version).toBe(30);
    expect((await r.fresh().read(doc, 20))?.text).toBe(materialize(entries.slice(0, 20)).text);
    expect(await r.fresh().read(doc, 31)).toBeUndefined();
  });
});

describe("DocStates head interval (headEveryMs)", () => {
  it("writes the head at most once per interval, and always with a snapshot", async () => {
    const r = rig({ headEveryMs: 5_000, snapshotEveryOps: 25 });
    const doc = newDoc();
    const batches = await commit(r.log, toBatches(doc, sample(60, 22), [5]));
    for (const [i, b] of batches.entries()) {
      if (i === 6) r.clock.advance(5_000);
      await r.states.apply(doc, [b]);
    }
    // The first apply (nothing stored), the snapshot at 25, the interval's end at 35, the snapshot at 50.
    expect(r.store.snapshotVersions).toEqual([25, 50]);
    expect(r.store.calls.putHead).toBe(4);
    expect((await r.store.head(doc))?.version).toBe(50);
  });

  it("a new process starts from the stored head, fills the unwritten range from the log and returns it (published again)", async () => {
    const r = rig({ headEveryMs: 5_000 });
    const doc = newDoc();
    const entries = sample(30, 23);
    const batches = await commit(r.log, toBatches(doc, entries, [10]));
    await r.states.apply(doc, [batches[0]]);
    await r.states.apply(doc, [batches[1]]); // applied and published, head still at 10
    const next = r.fresh();
    r.clock.advance(5_000);
    const { version, filled } = await next.apply(doc, [batches[2]]);
    expect(version).toBe(30);
    expect(filled.map((b) => [b.seqStart, b.seqEnd])).toEqual([[11, 20]]);
    expect((await r.store.head(doc))?.version).toBe(30);
  });

  it("a republished batch (the room tier's repair) writes the head the interval left behind", async () => {
    const r = rig({ headEveryMs: 5_000 });
    const doc = newDoc();
    const batches = await commit(r.log, toBatches(doc, sample(20, 24), [10]));
    await r.states.apply(doc, [batches[0]]);
    await r.states.apply(doc, [batches[1]]);
    expect((await r.store.head(doc))?.version).toBe(10);
    r.store.reset();
    expect(await r.states.apply(doc, [batches[1]])).toEqual({ version: 20, filled: [] });
    expect(r.store.calls).toMatchObject({ putHead: 1, putSnapshot: 0 });
    expect((await r.store.head(doc))?.version).toBe(20);
    // At the stored head: nothing more to write.
    await r.states.apply(doc, [batches[1]]);
    expect(r.store.calls.putHead).toBe(1);
  });

  it("a read past a batch the materializer never got does not hide the gap from apply", async () => {
    const r = rig({ headEveryMs: 5_000 });
    const doc = newDoc();
    const batches = await commit(r.log, toBatches(doc, sample(30, 25), [10]));
    await r.states.apply(doc, [batches[0]]);
    expect((await r.states.read(doc))?.version).toBe(30); // the same process read to the end
    const { filled } = await r.states.apply(doc, [batches[2]]); // batch 2 never came
    expect(filled.map((b) => [b.seqStart, b.seqEnd])).toEqual([[11, 20]]);
  });
});

describe("DocStates.rebuild", () => {
  it("reports changed=false when the stored state matches a replay, after many snapshots", async () => {
    const r = rig({ snapshotEveryOps: 7 });
    const doc = newDoc();
    const entries = sample(300, 12);
    for (const b of await commit(r.log, toBatches(doc, entries, [3, 1, 8]))) await r.states.apply(doc, [b]);
    expect(r.store.snapshotVersions.length).toBeGreaterThan(20);
    r.store.reset();
    expect(await r.fresh().rebuild(doc)).toEqual({ version: 300, changed: false });
    expect(r.store.calls.putSnapshot + r.store.calls.putHead).toBe(0);
    expect(encodeState((await r.fresh().read(doc))!)).toBe(encodeState(materialize(entries)));
  });

  it("repairs a corrupt snapshot: changed=true, then reads are right and a second rebuild finds nothing", async () => {
    const r = rig({ snapshotEveryOps: 10 });
    const doc = newDoc();
    const entries = sample(45, 13);
    await r.states.apply(doc, await commit(r.log, toBatches(doc, entries, [15])));
    const head = (await r.store.head(doc))!;
    const good = encodeState(materialize(entries.slice(0, head.snapshotVersion)));
    await r.store.inner.putSnapshot(doc, head.snapshotVersion, good.replace(/"text":"/, '"text":"X').replace(/"spans":\[\{"text":"/, '"spans":[{"text":"X'));
    const admin = r.fresh();
    expect(await admin.rebuild(doc)).toEqual({ version: 45, changed: true });
    expect(encodeState((await r.fresh().read(doc))!)).toBe(encodeState(materialize(entries)));
    expect(await r.fresh().rebuild(doc)).toEqual({ version: 45, changed: false });
  });

  it("an unreadable snapshot also counts as changed", async () => {
    const r = rig({ snapshotEveryOps: 5 });
    const doc = newDoc();
    const entries = sample(12, 14);
    await r.states.apply(doc, await commit(r.log, toBatches(doc, entries, [12])));
    await r.store.inner.putSnapshot(doc, 12, "{not json");
    expect(await r.fresh().rebuild(doc)).toEqual({ version: 12, changed: true });
    expect(encodeState((await r.fresh().read(doc))!)).toBe(encodeState(materialize(entries)));
  });

  it("a head trailing the log is no difference (changed=false, reads are right), and an empty document is a no-op", async () => {
    const r = rig();
    const doc = newDoc();
    expect(await r.states.rebuild(doc)).toEqual({ version: 0, changed: false });
    const entries = sample(25, 15);
    const batches = await commit(r.log, toBatches(doc, entries, [10]));
    await r.states.apply(doc, [batches[0]]);
    expect(await r.fresh().rebuild(doc)).toEqual({ version: 25, changed: false });
    expect((await r.store.head(doc))?.version).toBe(10);
    expect(encodeState((await r.fresh().read(doc, 25))!)).toBe(encodeState(materialize(entries)));
  });
});

describe("DocStates over snapshots from before access control", () => {
  /** `encoded` as encodeState wrote it before access control: the acl a flat user -> role map. */
  const outdated = (encoded: string) => {
    const v = JSON.parse(encoded) as { acl: { users: Record<string, string> } };
    return JSON.stringify({ ...v, acl: v.acl.users });
  };

  it("a read replays the log from seq 1 instead of reading an outdated snapshot, and gets the same state", async () => {
    const r = rig({ snapshotEveryOps: 10 });
    const doc = newDoc();
    const entries = sample(35, 18);
    for (const b of await commit(r.log, toBatches(doc, entries, [5]))) await r.states.apply(doc, [b]);
    expect(r.store.snapshotVersions).toEqual([10, 20, 30]);
    for (const v of [10, 20, 30]) await r.store.inner.putSnapshot(doc, v, outdated((await r.store.inner.snapshot(doc, v))!.encoded));

    const cold = r.fresh();
    r.log.entriesRead = 0;
    expect(encodeState((await cold.read(doc))!)).toBe(encodeState(materialize(entries)));
    expect(r.log.entriesRead).toBe(35);
    r.log.entriesRead = 0;
    expect(encodeState((await r.fresh().read(doc, 25))!)).toBe(encodeState(materialize(entries.slice(0, 25))));
    expect(r.log.entriesRead).toBe(25);
  });

  it("a cold apply starts from a replay too, and the next snapshot it writes is current again", async () => {
    const r = rig({ snapshotEveryOps: 10 });
    const doc = newDoc();
    const entries = sample(45, 19);
    const batches = await commit(r.log, toBatches(doc, entries, [5]));
    for (const b of batches.slice(0, 7)) await r.states.apply(doc, [b]);
    for (const v of [10, 20, 30]) await r.store.inner.putSnapshot(doc, v, outdated((await r.store.inner.snapshot(doc, v))!.encoded));

    const cold = r.fresh();
    for (const b of batches.slice(7)) await cold.apply(doc, [b]);
    expect(r.store.snapshotVersions).toEqual([10, 20, 30, 40]);
    r.log.entriesRead = 0;
    expect(encodeState((await r.fresh().read(doc))!)).toBe(encodeState(materialize(entries)));
    expect(r.log.entriesRead).toBe(0); // 41..45 after the current snapshot at 40 come with the log's last batch
  });

  it("the admin rebuild replaces an outdated latest snapshot (changed=true), after which reads start from it", async () => {
    const r = rig({ snapshotEveryOps: 10 });
    const doc = newDoc();
    const entries = sample(35, 20);
    for (const b of await commit(r.log, toBatches(doc, entries, [5]))) await r.states.apply(doc, [b]);
    for (const v of [10, 20, 30]) await r.store.inner.putSnapshot(doc, v, outdated((await r.store.inner.snapshot(doc, v))!.encoded));
    expect(await r.fresh().rebuild(doc)).toEqual({ version: 35, changed: true });
    r.log.entriesRead = 0;
    expect(encodeState((await r.fresh().read(doc))!)).toBe(encodeState(materialize(entries)));
    expect(r.log.entriesRead).toBe(0); // the fresh snapshot at 35
    expect(await r.fresh().rebuild(doc)).toEqual({ version: 35, changed: false });
  });
});

describe("DocStates.read bounds", () => {
  it("a history read far from the cached state starts from the nearest snapshot, not from the cache", async () => {
    const r = rig({ snapshotEveryOps: 20 });
    const doc = newDoc();
    const entries = sample(200, 16);
    const batches = await commit(r.log, toBatches(doc, entries, [10]));
    await r.states.apply(doc, batches.slice(0, 1)); // cached at 10
    const other = r.fresh();
    for (const b of batches.slice(1)) await other.apply(doc, [b]); // another process went to 200, snapshots every 20
    r.log.entriesRead = 0;
    const v = 175;
    expect(encodeState((await r.states.read(doc, v))!)).toBe(encodeState(materialize(entries.slice(0, v))));
    expect(r.log.entriesRead).toBe(15); // from the snapshot at 160, not from the cached state at 10
  });
});

describe("DocStates in one process", () => {
  it("a read that finishes after an apply does not put an older state back in the cache", async () => {
    const r = rig();
    const doc = newDoc();
    const entries = sample(30, 17);
    const batches = await commit(r.log, toBatches(doc, entries, [10]));
    await r.states.apply(doc, batches.slice(0, 1));
    // The read's log read (its first) waits until the same process has applied up to 30.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let first = true;
    const log = Object.create(r.log) as typeof r.log;
    log.entries = async (d, after, limit) => {
      if (first) {
        first = false;
        await gate;
      }
      return r.log.entries(d, after, limit);
    };
    const states = new DocStates({ log, store: r.store, clock: r.clock });
    const reading = states.read(doc, 10);
    await new Promise((resolve) => setTimeout(resolve, 0));
    await states.apply(doc, batches.slice(1));
    release();
    expect((await reading)?.version).toBe(10);
    r.store.reset();
    r.log.entriesRead = 0;
    expect((await states.read(doc))?.version).toBe(30);
    expect(r.log.entriesRead + r.store.calls.snapshot).toBe(0); // served from the cache
  });
});
