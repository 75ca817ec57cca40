import { describe, expect, it } from "vitest";
import { deadLetterId, type DeadLetter, type DeadLetterStore } from "../../src/ports/dead-letter-store.js";
import { uid } from "./fixtures.js";

/** A dead letter of tenant `tenant` recorded at `deadAt`, with a realistic committed event. */
export function deadLetterOf(tenant: string, deadAt: number, over: Partial<DeadLetter> = {}): DeadLetter {
  const eventId = over.eventId ?? uid("ev");
  const rule = over.rule ?? "audit";
  const docId = over.docId ?? uid("d");
  return {
    id: deadLetterId(deadAt, eventId, rule),
    tenant,
    docId,
    eventId,
    rule,
    ruleArn: `arn:aws:events:us-east-1:000000000000:rule/weft/${rule}`,
    targetArn: "arn:aws:lambda:us-east-1:000000000000:function:audit",
    errorCode: "FUNCTION_ERROR",
    errorMessage: "boom — ünïcode 👋",
    retryAttempts: 8,
    deadAt,
    event: {
      source: "weft",
      detailType: "weft.ops.committed",
      detail: { tenant, docId, seqStart: 1, seqEnd: 1, committedAt: deadAt - 5, ops: [{ seq: 1, id: "o1", type: "insert", pos: 0, text: "hé" }] },
      time: Math.floor(deadAt / 1000) * 1000,
    },
    status: "dead",
    redrives: 0,
    ...over,
  };
}

/** DeadLetterStore contract suite (see ports/dead-letter-store.ts). Suites use fresh tenants, so one store may serve every test. */
export function runDeadLetterStoreConformance(name: string, factory: () => Promise<DeadLetterStore>): void {
  describe(`DeadLetterStore conformance: ${name}`, () => {
    it("stores a letter and gets it back deep-equal; other tenants see nothing", async () => {
      const store = await factory();
      const tenant = uid("t");
      const letter = deadLetterOf(tenant, 1_760_000_000_123);
      expect(await store.put(letter)).toBe("stored");
      expect(await store.get(tenant, letter.id)).toEqual(letter);
      expect(await store.get(uid("t"), letter.id)).toBeUndefined();
      expect((await store.list(uid("t"), 10)).deadLetters).toEqual([]);
      expect(await store.get(tenant, deadLetterId(1, "nope", "audit"))).toBeUndefined();
    });

    it("is idempotent per (eventId, rule), whatever the other fields", async () => {
      const store = await factory();
      const tenant = uid("t");
      const first = deadLetterOf(tenant, 1_760_000_000_000);
      expect(await store.put(first)).toBe("stored");
      const again = deadLetterOf(tenant, 1_760_000_009_000, { eventId: first.eventId, rule: first.rule, errorMessage: "other" });
      expect(await store.put(again)).toBe("duplicate");
      const otherRule = deadLetterOf(tenant, 1_760_000_000_000, { eventId: first.eventId, rule: "search" });
      expect(await store.put(otherRule)).toBe("stored");
      const all = (await store.list(tenant, 10)).deadLetters;
      expect(all.map((l) => l.id).sort()).toEqual([first.id, otherRule.id].sort());
      expect(await store.get(tenant, first.id)).toEqual(first);
    });

    it("lists newest first, paged by cursor, with no cursor after the last page", async () => {
      const store = await factory();
      const tenant = uid("t");
      const letters = [5, 1, 4, 2, 3].map((k) => deadLetterOf(tenant, 1_760_000_000_000 + k * 1000));
      for (const l of letters) await store.put(l);
      const expected = [...letters].sort((a, b) => b.deadAt - a.deadAt).map((l) => l.id);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.list(tenant, 2, cursor);
        seen.push(...page.deadLetters.map((l) => l.id));
        cursor = page.cursor;
        pages++;
      } while (cursor);
      expect(seen).toEqual(expected);
      expect(pages).toBe(3);
      const exact = await store.list(tenant, 5);
      expect(exact.deadLetters).toHaveLength(5);
      expect(exact.cursor).toBeUndefined();
      expect((await store.list(tenant, 0)).deadLetters).toEqual([]);
    });

    it("refuses a cursor it did not issue", async () => {
      const store = await factory();
      await expect(store.list(uid("t"), 10, "bm90LWEtY3Vyc29y")).rejects.toMatchObject({ code: "invalid_request" });
    });

    it("marks a letter re-driven (counting) and keeps the rest of it", async () => {
      const store = await factory();
      const tenant = uid("t");
      const letter = deadLetterOf(tenant, 1_760_000_000_000);
      await store.put(letter);
      const once = await store.markRedriven(tenant, letter.id, 1_760_000_100_000);
      expect(once).toEqual({ ...letter, status: "redriven", redrivenAt: 1_760_000_100_000, redrives: 1 });
      const twice = await store.markRedriven(tenant, letter.id, 1_760_000_200_000);
      expect(twice).toEqual({ ...letter, status: "redriven", redrivenAt: 1_760_000_200_000, redrives: 2 });
      expect(await store.get(tenant, letter.id)).toEqual(twice);
      expect((await store.list(tenant, 10)).deadLetters).toEqual([twice]);
      expect(await store.markRedriven(uid("t"), letter.id, 1)).toBeUndefined();
      expect(await store.markRedriven(tenant, deadLetterId(2, "nope", "audit"), 1)).toBeUndefined();
    });

    it("deletes a letter, which forgets its (eventId, rule)", async () => {
      const store = await factory();
      const tenant = uid("t");
      const letter = deadLetterOf(tenant, 1_760_000_000_000);
      await store.put(letter);
      expect(await store.delete(uid("t"), letter.id)).toBe(false);
      expect(await store.delete(tenant, letter.id)).toBe(true);
      expect(await store.get(tenant, letter.id)).toBeUndefined();
      expect(await store.delete(tenant, letter.id)).toBe(false);
      expect((await store.list(tenant, 10)).deadLetters).toEqual([]);
      expect(await store.put(letter)).toBe("stored");
    });

    it("round-trips a large event (a pointer-less detail near the 256 KB bus limit)", async () => {
      const store = await factory();
      const tenant = uid("t");
      const letter = deadLetterOf(tenant, 1_760_000_000_000);
      letter.event.detail = { tenant, pad: "ab🎉".repeat(50_000) };
      await store.put(letter);
      expect(await store.get(tenant, letter.id)).toEqual(letter);
    });
  });
}
