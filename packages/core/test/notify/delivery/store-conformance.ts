import { describe, expect, it } from "vitest";
import { WeftError } from "../../../src/errors.js";
import type { BreakerStateStore } from "../../../src/notify/delivery/breaker-store.js";
import { CLOSED, type BreakerState } from "../../../src/notify/delivery/circuit-breaker.js";
import { deliveryDeadLetterId, type DeliveryDeadLetter, type DeliveryDeadLetterStore } from "../../../src/notify/delivery/dead-letter-store.js";
import type { ExternalChannel } from "../../../src/notify/vocabulary.js";
import { uid } from "../../conformance/fixtures.js";

/** BreakerStateStore contract suite (see notify/delivery/breaker-store.ts). Tests use fresh keys. */
export function runBreakerStateStoreConformance(name: string, factory: () => Promise<BreakerStateStore>): void {
  describe(`BreakerStateStore conformance: ${name}`, () => {
    it("a key never saved is closed at version 0", async () => {
      const store = await factory();
      expect(await store.load(uid("k"))).toEqual({ state: CLOSED, version: 0 });
    });

    it("saves with compare-and-set on the version; states round-trip deep-equal", async () => {
      const store = await factory();
      const key = uid("k");
      const states: BreakerState[] = [
        { status: "closed", failures: 4 },
        { status: "open", openedAt: 1_760_000_000_001, until: 1_760_000_030_001 },
        { status: "half_open", probeAt: 1_760_000_030_002 },
      ];
      for (const [v, state] of states.entries()) {
        expect(await store.save(key, state, v)).toBe(true);
        expect(await store.load(key)).toEqual({ state, version: v + 1 });
      }
      expect(await store.save(key, CLOSED, 0)).toBe(false);
      expect(await store.save(key, CLOSED, 2)).toBe(false);
      expect(await store.save(key, CLOSED, 4)).toBe(false);
      expect(await store.load(key)).toEqual({ state: states[2], version: 3 });
    });

    it("of two racing saves from the same version exactly one wins", async () => {
      const store = await factory();
      const key = uid("k");
      const results = await Promise.all([1, 2, 3, 4].map((n) => store.save(key, { status: "half_open", probeAt: n }, 0)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true) + 1;
      expect(await store.load(key)).toEqual({ state: { status: "half_open", probeAt: winner }, version: 1 });
    });

    it("isolates keys", async () => {
      const store = await factory();
      const [a, b] = [uid("k"), uid("k")];
      await store.save(a, { status: "closed", failures: 2 }, 0);
      expect(await store.load(b)).toEqual({ state: CLOSED, version: 0 });
    });
  });
}

export function deliveryDeadLetterOf(tenant: string, deadAt: number, over: Partial<DeliveryDeadLetter> = {}): DeliveryDeadLetter {
  const notificationId = over.notificationId ?? uid("n");
  const channel: ExternalChannel = over.channel ?? "email";
  const userId = over.userId ?? uid("u");
  return {
    id: deliveryDeadLetterId(deadAt, notificationId, channel),
    tenant,
    userId,
    notificationId,
    channel,
    provider: "ses",
    attempts: 4,
    error: "Throttling: rate exceeded — ünïcode 👋",
    deadAt,
    command: {
      notificationId,
      tenant,
      userId,
      channel,
      provider: "ses",
      target: { kind: "email", address: "ann@example.com" },
      title: "Weekly “digest”",
      body: "3 comments",
      data: { nested: { list: [1, "two", null] } },
      attempt: 4,
    },
    ...over,
  };
}

/** DeliveryDeadLetterStore contract suite (see notify/delivery/dead-letter-store.ts). Tests use fresh tenants. */
export function runDeliveryDeadLetterStoreConformance(name: string, factory: () => Promise<DeliveryDeadLetterStore>): void {
  describe(`DeliveryDeadLetterStore conformance: ${name}`, () => {
    it("stores a letter and lists it deep-equal; other tenants see nothing", async () => {
      const store = await factory();
      const tenant = uid("t");
      const letter = deliveryDeadLetterOf(tenant, 1_760_000_000_123);
      expect(await store.put(letter)).toBe("stored");
      expect(await store.list(tenant, { limit: 10 })).toEqual({ letters: [letter] });
      expect(await store.list(uid("t"), { limit: 10 })).toEqual({ letters: [] });
    });

    it("put is idempotent per (notificationId, channel), whatever else differs", async () => {
      const store = await factory();
      const tenant = uid("t");
      const letter = deliveryDeadLetterOf(tenant, 1_000_000);
      await store.put(letter);
      const later = deliveryDeadLetterOf(tenant, 2_000_000, { notificationId: letter.notificationId, userId: letter.userId, error: "other" });
      expect(await store.put(later)).toBe("duplicate");
      const sms = deliveryDeadLetterOf(tenant, 3_000_000, { notificationId: letter.notificationId, channel: "sms" });
      expect(await store.put(sms)).toBe("stored");
      expect((await store.list(tenant, { limit: 10 })).letters).toEqual([sms, letter]);
    });

    it("lists newest first, paging with a cursor, filtered by user", async () => {
      const store = await factory();
      const tenant = uid("t");
      const [ann, bob] = [uid("u"), uid("u")];
      const letters = [1, 2, 3, 4, 5].map((k) => deliveryDeadLetterOf(tenant, 1_760_000_000_000 + k * 1000, { userId: k % 2 ? ann : bob }));
      for (const l of [letters[3], letters[0], letters[4], letters[2], letters[1]]) await store.put(l);
      const newest = [...letters].reverse();
      const first = await store.list(tenant, { limit: 2 });
      expect(first.letters).toEqual(newest.slice(0, 2));
      const second = await store.list(tenant, { limit: 2, cursor: first.cursor });
      expect(second.letters).toEqual(newest.slice(2, 4));
      const last = await store.list(tenant, { limit: 2, cursor: second.cursor });
      expect(last).toEqual({ letters: newest.slice(4) });
      expect(await store.list(tenant, { limit: 5 })).toEqual({ letters: newest });
      expect((await store.list(tenant, { limit: 10, userId: ann })).letters).toEqual(newest.filter((l) => l.userId === ann));
      const annPage = await store.list(tenant, { limit: 1, userId: ann });
      expect(annPage.letters).toEqual([letters[4]]);
      expect((await store.list(tenant, { limit: 5, userId: ann, cursor: annPage.cursor })).letters).toEqual([letters[2], letters[0]]);
    });

    it("refuses a cursor it did not issue", async () => {
      const store = await factory();
      await expect(store.list(uid("t"), { limit: 5, cursor: "not-a-cursor!" })).rejects.toSatisfy((e) => e instanceof WeftError && e.code === "invalid_request");
    });

    it("deletes a letter, forgetting its key", async () => {
      const store = await factory();
      const tenant = uid("t");
      const letter = deliveryDeadLetterOf(tenant, 5_000);
      await store.put(letter);
      expect(await store.delete(uid("t"), letter.id)).toBe(false);
      expect(await store.delete(tenant, letter.id)).toBe(true);
      expect(await store.delete(tenant, letter.id)).toBe(false);
      expect(await store.list(tenant, { limit: 5 })).toEqual({ letters: [] });
      expect(await store.put(letter)).toBe("stored");
    });
  });
}
