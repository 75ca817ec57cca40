import { describe, expect, test } from "vitest";
import type { DocRef } from "../../src/doc-ref.js";
import { indexOnCommit, QUIET_MS, recheckBusy, type DebouncedIndexDeps } from "../../src/search/index-debounced.js";
import { doc, setup, W1 } from "./debounced-setup.js";

const BUSY = 10_000;

/**
 * The debounced indexer with busy documents' checks kept in this "process" (a list), run as the
 * search-timers handler runs them, and every write to the index's meta and timers counted.
 */
function withChecks(busyMs = BUSY) {
  const base = setup(busyMs);
  const { deps, timers, store, clock } = base;
  const pending: Array<{ doc: DocRef; dueAt: number; runAt: number }> = [];
  const checks: NonNullable<DebouncedIndexDeps["checks"]> = { at: (d, dueAt, runAt) => void pending.push({ doc: d, dueAt, runAt }) };
  deps.checks = checks;
  const writes = { timers: 0, deferrals: 0 };
  const add = timers.add.bind(timers);
  const remove = timers.remove.bind(timers);
  timers.add = async (...a) => (writes.timers++, add(...a));
  timers.remove = async (...a) => (writes.timers++, remove(...a));
  const moveDue = store.moveDue.bind(store);
  store.moveDue = async (...a) => (writes.deferrals++, moveDue(...a));
  /** Runs the checks that are due (each once: a check that finds the document busy asks again). */
  const runChecks = async () => {
    const due = pending.filter((c) => c.runAt <= clock.now());
    for (const c of due) pending.splice(pending.indexOf(c), 1);
    return Promise.all(due.map((c) => recheckBusy(deps, c.doc, c.dueAt)));
  };
  return { ...base, pending, writes, runChecks };
}

/** "alpha" indexed, "alpha beta" committed 500 ms before the deferral's timer, which fires: the document is busy. */
async function typedIntoAtItsTimer({ clock, deps, commit, fireDue }: ReturnType<typeof withChecks>): Promise<void> {
  commit(1, "alpha");
  await indexOnCommit(deps, doc, 1);
  clock.advance(W1 - 500);
  commit(2, "alpha beta");
  await indexOnCommit(deps, doc, 2);
  clock.set(1_000_000 + W1);
  await fireDue();
}

describe("busy documents' checks in process (DebouncedIndexDeps.checks)", () => {
  test("a document typed into moves its deferral once, to the end of its busy window; its checks write nothing; it is indexed there", async () => {
    const { clock, store, timers, deps, commit, fireDue, found, pending, writes, runChecks } = withChecks();
    const T0 = clock.now();
    commit(1, "alpha");
    await indexOnCommit(deps, doc, 1);
    let version = 1;
    let checksRun = 0;
    let writesAtFirstCheck: typeof writes | undefined;
    while (clock.now() < T0 + BUSY + 1_000) {
      clock.advance(500);
      commit(++version, `alpha w${version}`);
      await indexOnCommit(deps, doc, version);
      checksRun += (await runChecks()).length;
      await fireDue();
      writesAtFirstCheck ??= pending.length > 0 ? { ...writes } : undefined;
      if ((await store.head(doc)).meta!.version > 1) break;
    }
    // The first commit's deferral added a timer; that timer (at W1) found the document typed
    // into: one timer added at the busy window's end, the deferral moved there, the fired
    // timer removed.
    expect(writesAtFirstCheck).toEqual({ timers: 3, deferrals: 1 });
    // Checks a window apart until the end, none of them writing; the end's timer indexes (and
    // is removed).
    expect(checksRun).toBeGreaterThanOrEqual(3);
    expect(writes).toEqual({ timers: 4, deferrals: 1 });
    expect((await store.head(doc)).meta).toMatchObject({ version, indexedAt: T0 + BUSY });
    expect(await found(`w${version}`)).toEqual(["roadmap"]);
    expect(await timers.due(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
  });

  test("a pause found by a check indexes at that check and removes the deferral's timer", async () => {
    const { clock, store, timers, deps, commit, fireDue, found, pending, runChecks } = withChecks();
    commit(1, "alpha");
    await indexOnCommit(deps, doc, 1);
    clock.advance(W1 - 500);
    commit(2, "alpha beta");
    expect(await indexOnCommit(deps, doc, 2)).toEqual({ status: "deferred", dueAt: 1_000_000 + W1 });
    clock.set(1_000_000 + W1);
    await fireDue(); // typed into 500 ms ago: deferred to the busy window's end, a check a window on
    expect((await store.head(doc)).dueAt).toBe(1_000_000 + BUSY);
    expect(pending).toEqual([{ doc, dueAt: 1_000_000 + BUSY, runAt: clock.now() + W1 }]);
    clock.advance(W1); // no commit since, but not yet QUIET_MS: checked again a window on
    expect(W1 + 500).toBeLessThan(QUIET_MS);
    expect(await runChecks()).toEqual([{ status: "deferred", dueAt: 1_000_000 + BUSY }]);
    expect(pending).toEqual([{ doc, dueAt: 1_000_000 + BUSY, runAt: clock.now() + W1 }]);
    clock.advance(W1); // a pause of more than QUIET_MS
    expect(await runChecks()).toEqual([expect.objectContaining({ status: "indexed", version: 2 })]);
    expect(await found("beta")).toEqual(["roadmap"]);
    expect((await store.head(doc)).dueAt).toBeUndefined();
    expect(await timers.due(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
    expect(pending).toEqual([]);
  });

  test("a check lost with its process leaves the document to its deferral's timer at the busy window's end", async () => {
    const env = withChecks();
    const { clock, store, fireDue, found, pending } = env;
    await typedIntoAtItsTimer(env);
    pending.length = 0; // the process ended
    clock.set(1_000_000 + BUSY);
    await fireDue();
    expect(await found("beta")).toEqual(["roadmap"]);
    expect((await store.head(doc)).meta).toMatchObject({ version: 2, indexedAt: 1_000_000 + BUSY });
  });

  test("a check whose deferral moved or was cleared does nothing", async () => {
    const env = withChecks();
    const { clock, store, found, pending, writes, runChecks } = env;
    await typedIntoAtItsTimer(env);
    const [check] = pending;
    await store.moveDue(doc, check!.dueAt, check!.dueAt + 1); // as another process's move would
    clock.set(check!.runAt + QUIET_MS);
    const before = { ...writes };
    expect(await runChecks()).toEqual([undefined]);
    expect(writes).toEqual({ ...before });
    expect(await found("beta")).toEqual([]);
  });
});
