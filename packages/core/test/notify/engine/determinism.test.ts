import { describe, expect, test } from "vitest";
import { benchWorkload, decide, emptyNotifyState, runBenchWorkload, wake } from "../../../src/notify/engine/index.js";
import { Driver, intent } from "./driver.js";

describe("determinism", () => {
  test("the same inputs give the same outputs, ids included", async () => {
    const t0 = Date.parse("2025-01-06T09:00:00Z");
    const classes = ["social", "transactional", "critical", "marketing"] as const;
    const topics = ["mentions", "comments", "tasks", "security", "product"];
    const intents = Array.from({ length: 200 }, (_, k) =>
      intent(`u${k % 4}`, t0 + k * 47_000, { class: classes[(k * 7) % 4], topic: topics[(k * 3) % 5], docId: `d${k % 3}`, actorId: `a${k % 5}` }),
    );
    const runs = [new Driver(), new Driver()];
    for (const d of runs) {
      for (const i of intents) await d.event(i);
      await d.drain();
    }
    expect(runs[1].decisions).toEqual(runs[0].decisions);
    expect(runs[1].deliveries).toEqual(runs[0].deliveries);
    expect(runs[0].external().length).toBeGreaterThan(30);
  });

  test("a wake repeated at the same instant does nothing more; the input state is never changed", async () => {
    const d = new Driver();
    const ctx = d.ctx("u1", Date.parse("2025-01-06T09:00:00Z"));
    const s0 = emptyNotifyState();
    const first = await decide(s0, intent("u1", ctx.now, { topic: "comments" }), ctx);
    expect(s0).toEqual(emptyNotifyState());
    const frozen = JSON.stringify(first.state);
    const due = { ...ctx, now: first.nextWakeAt! };
    const flushed = await wake(first.state, due);
    expect(JSON.stringify(first.state)).toBe(frozen);
    expect(flushed.deliveries.map((x) => x.channel)).toEqual(["web_push"]);
    const again = await wake(flushed.state, due);
    expect([again.decisions, again.deliveries, again.nextWakeAt]).toEqual([[], [], undefined]);
  });

  test("the bench workload runs and is reproducible", async () => {
    const a = await runBenchWorkload(benchWorkload({ users: 50, events: 3000, seed: 9 }));
    const b = await runBenchWorkload(benchWorkload({ users: 50, events: 3000, seed: 9 }));
    expect(a).toEqual(b);
    expect(a.decideCalls).toBe(3000);
    expect(a.wakeCalls).toBeGreaterThan(0);
  });
});
