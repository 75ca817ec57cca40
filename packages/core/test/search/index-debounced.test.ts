import { describe, expect, test } from "vitest";
import { BUSY_INDEX_MS, debounceWindow, indexOnCommit, indexWhenDue, QUIET_MS, STALE_DEFERRAL_MS } from "../../src/search/index-debounced.js";
import { DEBOUNCE, doc, setup, W1 } from "./debounced-setup.js";

describe("indexOnCommit (debounced search indexing)", () => {
  test("the first event after a quiet spell indexes at once; events inside the window defer to one timed write", async () => {
    const { clock, store, timers, deps, commit, fireDue, found } = setup();
    commit(1, "alpha");
    expect(await indexOnCommit(deps, doc, 1)).toMatchObject({ status: "indexed", version: 1 });

    clock.advance(300);
    commit(2, "alpha beta");
    expect(await indexOnCommit(deps, doc, 2)).toEqual({ status: "deferred", dueAt: 1_000_000 + W1 });
    clock.advance(300);
    commit(3, "alpha beta gamma");
    expect(await indexOnCommit(deps, doc, 3)).toEqual({ status: "deferred", dueAt: 1_000_000 + W1 });
    expect(await timers.due(Number.MAX_SAFE_INTEGER, 10)).toEqual([{ doc, dueAt: 1_000_000 + W1 }]);
    expect(await found("gamma")).toEqual([]);

    clock.set(1_000_000 + W1);
    await fireDue();
    expect(await found("beta")).toEqual(["roadmap"]);
    expect(await found("gamma")).toEqual(["roadmap"]);
    expect(await store.head(doc)).toEqual({ meta: expect.objectContaining({ version: 3, indexedAt: clock.now() }) });
    expect(await timers.due(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
  });

  test("the window grows with the indexed term count (10,000 terms: +20 s) and the items the last write wrote (2,000: +20 s)", () => {
    expect(debounceWindow(2_000, undefined)).toBe(2_000);
    expect(debounceWindow(2_000, { termCount: 0, written: 0 })).toBe(2_000);
    expect(debounceWindow(2_000, { termCount: 10_000, written: 0 })).toBe(22_000);
    expect(debounceWindow(2_000, { termCount: 0, written: 2_000 })).toBe(22_000);
    expect(debounceWindow(2_000, { termCount: 10_000, written: 2_000 })).toBe(42_000);
  });

  test("a write of many items pushes the next index write further out than a small one", async () => {
    const { clock, store, deps, commit } = setup();
    const words = Array.from({ length: 300 }, (_, i) => `word${i}`).join(" ");
    commit(1, words);
    await indexOnCommit(deps, doc, 1);
    const meta = (await store.head(doc)).meta!;
    expect(meta).toMatchObject({ termCount: 300, written: 600 });
    clock.advance(100);
    commit(2, `${words} more`);
    expect(await indexOnCommit(deps, doc, 2)).toEqual({ status: "deferred", dueAt: meta.indexedAt + 2_000 + 2 * 300 + 10 * 600 });
  });

  test("two events of a quiet document at once: one indexes, the other waits for that write's window", async () => {
    const { clock, store, deps, commit, fireDue, found } = setup();
    commit(1, "alpha");
    const readState = deps.readState;
    let first = true;
    deps.readState = async (d) => {
      if (first) {
        // While this event reads the state, another event of the document indexes it in full.
        first = false;
        expect(await indexOnCommit({ ...deps, readState }, doc, 1)).toMatchObject({ status: "indexed", version: 1 });
        commit(2, "alpha beta");
      }
      return readState(d);
    };
    const outcome = await indexOnCommit(deps, doc, 2);
    expect(outcome).toEqual({ status: "deferred", dueAt: 1_000_000 + W1 });
    expect(await found("beta")).toEqual([]);
    clock.set(1_000_000 + W1);
    await fireDue();
    expect(await found("beta")).toEqual(["roadmap"]);
    expect((await store.head(doc)).meta?.version).toBe(2);
  });

  test("a spare timer (another deferral is recorded) writes nothing; the recorded one does", async () => {
    const { clock, store, timers, deps, commit, fireDue, found } = setup();
    commit(1, "alpha");
    await indexOnCommit(deps, doc, 1);
    clock.advance(100);
    commit(2, "alpha beta");
    expect(await indexOnCommit(deps, doc, 2)).toEqual({ status: "deferred", dueAt: 1_000_000 + W1 });
    await timers.add(doc, 1_000_500); // left by an event whose own deferral lost to the recorded one
    clock.set(1_000_500);
    await fireDue();
    expect(await found("beta")).toEqual([]);
    expect((await store.head(doc)).dueAt).toBe(1_000_000 + W1);
    clock.set(1_000_000 + W1);
    await fireDue();
    expect(await found("beta")).toEqual(["roadmap"]);
  });

  test("a replayed or older event changes nothing, deferred or not", async () => {
    const { clock, store, deps, commit } = setup();
    commit(4, "alpha");
    await indexOnCommit(deps, doc, 4);
    const before = await store.load(doc);
    clock.advance(10);
    for (const seqEnd of [4, 2, 1]) expect(await indexOnCommit(deps, doc, seqEnd)).toEqual({ status: "unchanged", version: 4 });
    expect(await store.load(doc)).toEqual(before);
  });

  test("a commit that lands while the timer is indexing is deferred again, never lost", async () => {
    const { clock, deps, commit, fireDue, found, timers } = setup();
    commit(1, "alpha");
    await indexOnCommit(deps, doc, 1);
    clock.advance(100);
    commit(2, "alpha beta");
    await indexOnCommit(deps, doc, 2);
    clock.set(1_000_000 + W1);
    // The timer reads version 2; before it stores it, version 3 commits and its event sees the
    // deferral, so it writes nothing.
    const readState = deps.readState;
    let raced = false;
    deps.readState = async (d) => {
      const s = await readState(d);
      if (!raced) {
        raced = true;
        commit(3, "alpha beta delta");
        expect(await indexOnCommit(deps, doc, 3)).toMatchObject({ status: "deferred" });
      }
      return s;
    };
    await fireDue();
    expect(await found("delta")).toEqual([]);
    const [next] = await timers.due(Number.MAX_SAFE_INTEGER, 10);
    // Indexed "alpha beta" (2 terms) meanwhile: the next window is that document's.
    expect(next.dueAt).toBe(clock.now() + debounceWindow(DEBOUNCE, { termCount: 2, written: 2 }));
    clock.set(next.dueAt);
    await fireDue();
    expect(await found("delta")).toEqual(["roadmap"]);
  });

  test("a deferral whose timer is long overdue does not block indexing", async () => {
    const { clock, store, deps, commit, found } = setup();
    commit(1, "alpha");
    await store.defer(doc, clock.now());
    clock.advance(STALE_DEFERRAL_MS + 1);
    expect(await indexOnCommit(deps, doc, 1)).toMatchObject({ status: "indexed", version: 1 });
    expect(await found("alpha")).toEqual(["roadmap"]);
    expect((await store.head(doc)).dueAt).toBeUndefined();
  });

  test("a document still typed into at its timer is checked again each window and indexed at the end of its busy window", async () => {
    const BUSY = 10_000;
    const { clock, store, timers, deps, commit, fireDue, found } = setup(BUSY);
    const T0 = clock.now();
    commit(1, "alpha");
    expect(await indexOnCommit(deps, doc, 1)).toMatchObject({ status: "indexed", version: 1 });
    // A commit every 500 ms, each event seeing the one deferral; due timers fire as they come.
    let version = 1;
    const checks: number[] = [];
    while (clock.now() < T0 + BUSY + 1_000) {
      clock.advance(500);
      commit(++version, `alpha w${version}`);
      expect(await indexOnCommit(deps, doc, version)).toMatchObject({ status: "deferred" });
      const due = await timers.due(clock.now(), 10);
      if (due.length) checks.push(clock.now() - T0);
      await fireDue();
      if ((await store.head(doc)).meta!.version > 1) break;
    }
    // Timers fire on this test's 500 ms grid. The first check at the end of the window (W1 =
    // 2,022 ms: 2,500), each next one a window after the previous check (4,522 -> 5,000; 7,022
    // -> 7,500; 9,522 -> 10,000), the last one at the busy window's end (10,000), which indexes.
    expect(W1).toBe(2_022);
    expect(checks).toEqual([2_500, 5_000, 7_500, 10_000]);
    expect((await store.head(doc)).meta).toMatchObject({ version, indexedAt: T0 + BUSY });
    expect(await found(`w${version}`)).toEqual(["roadmap"]);
    expect(BUSY_INDEX_MS).toBeGreaterThan(QUIET_MS);
  });

  test("a pause of QUIET_MS before the check indexes at the check, busy window or not", async () => {
    const { clock, store, deps, commit, fireDue, found } = setup(60_000);
    commit(1, "alpha");
    await indexOnCommit(deps, doc, 1);
    clock.advance(200);
    commit(2, "alpha beta");
    expect(await indexOnCommit(deps, doc, 2)).toEqual({ status: "deferred", dueAt: 1_000_000 + W1 });
    clock.set(1_000_200 + QUIET_MS - 1); // the last commit just younger than QUIET_MS: checked again
    const due = 1_000_000 + W1;
    expect(await indexWhenDue(deps, doc, due)).toEqual({ status: "deferred", dueAt: clock.now() + W1 });
    expect(await found("beta")).toEqual([]);
    clock.set(clock.now() + W1);
    await fireDue();
    expect(await found("beta")).toEqual(["roadmap"]);
    expect((await store.head(doc)).dueAt).toBeUndefined();
  });

  test("a busy document whose deferral another writer cleared meanwhile is indexed, not deferred twice", async () => {
    const { clock, store, timers, deps, commit, found } = setup(60_000);
    commit(1, "alpha");
    await indexOnCommit(deps, doc, 1);
    clock.advance(100);
    commit(2, "alpha beta");
    const { dueAt } = (await indexOnCommit(deps, doc, 2)) as { dueAt: number };
    clock.set(dueAt);
    commit(3, "alpha beta gamma");
    const readState = deps.readState;
    deps.readState = async (d) => {
      await store.clearDue(doc, dueAt); // as a commit by another writer would
      return readState(d);
    };
    expect(await indexWhenDue(deps, doc, dueAt)).toMatchObject({ status: "indexed", version: 3 });
    expect(await found("gamma")).toEqual(["roadmap"]);
    // The timer it added first is a spare: when it fires, the index already holds the text.
    deps.readState = readState;
    const spare = (await timers.due(Number.MAX_SAFE_INTEGER, 10)).find((t) => t.dueAt > dueAt)!;
    clock.set(spare.dueAt);
    expect(await indexWhenDue(deps, doc, spare.dueAt)).toMatchObject({ status: "unchanged", version: 3 });
  });

  test("an event ahead of the materialized state throws so the bus retries", async () => {
    const { deps, commit } = setup();
    commit(1, "alpha");
    await expect(indexOnCommit(deps, doc, 5)).rejects.toThrow(/materialized to 1, below the event's seqEnd 5/);
  });
});
