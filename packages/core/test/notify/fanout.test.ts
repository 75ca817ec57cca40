import { describe, expect, test } from "vitest";
import { runFanoutJobStoreConformance } from "../conformance/notify-fanout-store-conformance.js";
import { MemoryFanoutJobStore } from "../../src/ports/memory/notify-fanout-store.js";
import { checkRecipientCeiling, DEFAULT_FANOUT_POLICY, planFanout } from "../../src/notify/fanout/fanout-plan.js";
import type { NotifyIntent } from "../../src/notify/engine/intent.js";

runFanoutJobStoreConformance("memory", async () => new MemoryFanoutJobStore());

const intent = (userId: string, eventId = "e1"): NotifyIntent => ({ tenant: "acme", eventId, userId, class: "transactional", topic: "product", title: "t", body: "b", at: 0 });

describe("planFanout", () => {
  test("cuts recipients into chunks spread evenly over the window, one user's intents together", () => {
    const intents = [...Array.from({ length: 1001 }, (_, i) => intent(`u${i}`)), intent("u0", "e2")];
    const chunks = planFanout(intents, 1_000, { ...DEFAULT_FANOUT_POLICY, chunkSize: 500, spreadMs: 60_000 });
    expect(chunks.map((c) => [c.index, c.dueAt, new Set(c.intents.map((i) => i.userId)).size])).toEqual([
      [0, 1_000, 500],
      [1, 21_000, 500],
      [2, 41_000, 1],
    ]);
    expect(chunks[0].intents.filter((i) => i.userId === "u0").map((i) => i.eventId)).toEqual(["e1", "e2"]);
  });

  test("refuses an event over the recipient ceiling", () => {
    expect(() => checkRecipientCeiling(100_001, DEFAULT_FANOUT_POLICY)).toThrow(/at most 100000 recipients/);
    expect(() => checkRecipientCeiling(100_000, DEFAULT_FANOUT_POLICY)).not.toThrow();
  });
});
