import { describe, expect, it } from "vitest";
import type { NotifyIntent } from "../../src/notify/engine/intent.js";
import type { FanoutChunk, FanoutJobStore } from "../../src/notify/fanout/fanout-store.js";
import { uid } from "./fixtures.js";

const intent = (tenant: string, userId: string): NotifyIntent => ({
  tenant,
  eventId: "launch-1",
  userId,
  class: "marketing",
  topic: "product",
  title: "New: dark mode",
  body: "Try it today",
  at: 1_760_000_000_000,
});
const chunk = (tenant: string, index: number, users: string[]): FanoutChunk => ({ index, dueAt: 1_760_000_000_000 + index, intents: users.map((u) => intent(tenant, u)) });
const meta = { senderId: "svc", recipients: 3, chunks: 2, createdAt: 1_760_000_000_000 };

/** FanoutJobStore contract suite; `factory` may share one backing table (tests use fresh tenants). */
export function runFanoutJobStoreConformance(name: string, factory: () => Promise<FanoutJobStore>): void {
  describe(`FanoutJobStore conformance: ${name}`, () => {
    it("creates a job once, keeps its chunks until finished, and never brings a finished chunk back", async () => {
      const store = await factory();
      const tenant = uid("t");
      const chunks = [chunk(tenant, 0, ["a", "b"]), chunk(tenant, 1, ["c"])];
      expect(await store.create(tenant, "job-1", meta, chunks)).toBe("created");
      expect(await store.chunk(tenant, "job-1", 1)).toEqual(chunks[1]);
      await store.finish(tenant, "job-1", 0);
      await store.finish(tenant, "job-1", 0);
      expect(await store.chunk(tenant, "job-1", 0)).toBeUndefined();
      expect(await store.create(tenant, "job-1", meta, chunks)).toBe("exists");
      expect(await store.chunk(tenant, "job-1", 0)).toBeUndefined();
      expect(await store.chunk(tenant, "job-1", 1)).toEqual(chunks[1]);
      expect(await store.chunk(`${tenant}x`, "job-1", 1)).toBeUndefined();
      expect(await store.chunk(tenant, "job-2", 1)).toBeUndefined();
    });

    it("keeps a chunk of 500 recipients", async () => {
      const store = await factory();
      const tenant = uid("t");
      const big = chunk(tenant, 0, Array.from({ length: 500 }, (_, i) => `user-${i}`));
      await store.create(tenant, "job-big", { ...meta, recipients: 500, chunks: 1 }, [big]);
      expect(await store.chunk(tenant, "job-big", 0)).toEqual(big);
    });

    it("spends a sender's budget atomically per window, never past the max", async () => {
      const store = await factory();
      const tenant = uid("t");
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.spend(tenant, "svc", 0, 30, 100, `e${i}`)));
      expect(results.filter(Boolean)).toHaveLength(3);
      expect(await store.spend(tenant, "svc", 0, 10, 100, "e10")).toBe(true);
      expect(await store.spend(tenant, "svc", 0, 1, 100, "e11")).toBe(false);
      expect(await store.spend(tenant, "svc", 3_600_000, 100, 100, "e12")).toBe(true);
      expect(await store.spend(tenant, "other", 0, 100, 100, "e0")).toBe(true);
    });

    it("charges a spend id once: a retry adds nothing, in the same window or a later one", async () => {
      const store = await factory();
      const tenant = uid("t");
      expect(await store.spend(tenant, "svc", 0, 60, 100, "evt-1")).toBe(true);
      expect(await store.spend(tenant, "svc", 0, 60, 100, "evt-1")).toBe(true);
      const retries = await Promise.all(Array.from({ length: 5 }, () => store.spend(tenant, "svc", 0, 60, 100, "evt-1")));
      expect(retries.every(Boolean)).toBe(true);
      expect(await store.spend(tenant, "svc", 3_600_000, 60, 100, "evt-1")).toBe(true);
      // Only the first spend counted: 40 left in window 0, 100 in the next.
      expect(await store.spend(tenant, "svc", 0, 41, 100, "evt-2")).toBe(false);
      expect(await store.spend(tenant, "svc", 0, 40, 100, "evt-2")).toBe(true);
      expect(await store.spend(tenant, "svc", 3_600_000, 100, 100, "evt-3")).toBe(true);
    });

    it("a refused spend records nothing: its retry is judged afresh", async () => {
      const store = await factory();
      const tenant = uid("t");
      expect(await store.spend(tenant, "svc", 0, 90, 100, "big")).toBe(true);
      expect(await store.spend(tenant, "svc", 0, 20, 100, "late")).toBe(false);
      expect(await store.spend(tenant, "svc", 3_600_000, 20, 100, "late")).toBe(true);
      // The same id by another sender is another spend.
      expect(await store.spend(tenant, "other", 0, 20, 100, "late")).toBe(true);
    });
  });
}
