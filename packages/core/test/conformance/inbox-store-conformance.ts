import { describe, expect, it } from "vitest";
import type { InboxStore } from "../../src/ports/inbox-store.js";
import { changeOf, newDoc, opsFor, uid } from "./fixtures.js";
import { prose } from "./prose.js";

/**
 * InboxStore contract suite (the read/write side; each adapter tests its stream on its own).
 * `factory` may return stores sharing one backing table: tests use fresh documents.
 */
export function runInboxStoreConformance(name: string, factory: () => Promise<InboxStore>): void {
  describe(`InboxStore conformance: ${name}`, () => {
    it("put creates, get returns it deep-equal (Unicode, emoji, every field)", async () => {
      const inbox = await factory();
      const doc = newDoc();
      const change = changeOf(doc, { clientId: "cl-A_1", userId: "ü-user", base: 17, skewed: 2, acceptedAt: 1_760_000_123_456 });
      change.ops.push(
        { id: uid("d"), seq: 4, type: "delete", pos: 1, len: 2 },
        { id: uid("f"), seq: 5, type: "format", pos: 0, len: 3, attrs: { bold: true, link: null, size: 1.5 } },
        { id: uid("c"), seq: 6, type: "comment", threadId: "t", body: "💬 «ok»", mentions: ["a"], anchor: { pos: 0, len: 1 } },
      );
      change.lastSeq = 6;
      expect(await inbox.put(change)).toEqual({ created: true });
      expect(await inbox.get(doc, "cl-A_1", 1)).toEqual(change);
    });

    it("get of a missing change is undefined", async () => {
      const inbox = await factory();
      const doc = newDoc();
      await inbox.put(changeOf(doc, { firstSeq: 1 }));
      expect(await inbox.get(doc, "client-1", 2)).toBeUndefined();
      expect(await inbox.get(doc, "client-2", 1)).toBeUndefined();
      expect(await inbox.get(newDoc(), "client-1", 1)).toBeUndefined();
    });

    it("a second put with the same identity returns the stored change untouched", async () => {
      const inbox = await factory();
      const doc = newDoc();
      const first = changeOf(doc);
      await inbox.put(first);
      const second = changeOf(doc, { userId: "other", base: 9, ops: opsFor(1, 5, uid("x")), acceptedAt: 1 });
      expect(await inbox.put(second)).toEqual({ created: false, existing: first });
      expect(await inbox.get(doc, "client-1", 1)).toEqual(first);
    });

    it("of 10 concurrent identical puts exactly one creates; the others get the stored change", async () => {
      const inbox = await factory();
      const doc = newDoc();
      const change = changeOf(doc, { firstSeq: 7, ops: opsFor(7, 4) });
      const results = await Promise.all(Array.from({ length: 10 }, () => inbox.put(structuredClone(change))));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      for (const r of results) if (!r.created) expect(r.existing).toEqual(change);
      expect(await inbox.get(doc, "client-1", 7)).toEqual(change);
    });

    it("a continuation part (partOf) never collides with a change starting at the same seq", async () => {
      const inbox = await factory();
      const doc = newDoc();
      const primary = changeOf(doc, { firstSeq: 1, ops: opsFor(1, 3), parts: [4] });
      const part = changeOf(doc, { firstSeq: 4, ops: opsFor(4, 2), partOf: 1 });
      const regrouped = changeOf(doc, { firstSeq: 4, ops: opsFor(4, 1, uid("other")) });
      expect(await inbox.put(part)).toEqual({ created: true });
      expect(await inbox.put(primary)).toEqual({ created: true });
      expect(await inbox.put(regrouped)).toEqual({ created: true });
      expect(await inbox.get(doc, "client-1", 4, 1)).toEqual(part);
      expect(await inbox.get(doc, "client-1", 4)).toEqual(regrouped);
      expect(await inbox.get(doc, "client-1", 1)).toEqual(primary);
      expect(await inbox.put(structuredClone(part))).toEqual({ created: false, existing: part });
    });

    it("different clients or firstSeqs are different changes", async () => {
      const inbox = await factory();
      const doc = newDoc();
      const a = changeOf(doc, { clientId: "a", firstSeq: 1 });
      const b = changeOf(doc, { clientId: "b", firstSeq: 1 });
      const a2 = changeOf(doc, { clientId: "a", firstSeq: 4, ops: opsFor(4, 1) });
      for (const c of [a, b, a2]) expect(await inbox.put(c)).toEqual({ created: true });
      expect(await inbox.get(doc, "a", 1)).toEqual(a);
      expect(await inbox.get(doc, "b", 1)).toEqual(b);
      expect(await inbox.get(doc, "a", 4)).toEqual(a2);
    });

    it("isolates the same docId in two tenants", async () => {
      const inbox = await factory();
      const a = newDoc();
      const b = { tenant: uid("t"), docId: a.docId };
      const change = changeOf(a);
      await inbox.put(change);
      expect(await inbox.get(b, "client-1", 1)).toBeUndefined();
      expect(await inbox.findOp(b, change.ops[0].id)).toBeUndefined();
      const other = changeOf(b, { userId: "someone-else" });
      expect(await inbox.put(other)).toEqual({ created: true });
      expect(await inbox.get(a, "client-1", 1)).toEqual(change);
      expect(await inbox.get(b, "client-1", 1)).toEqual(other);
    });

    it("round-trips a large change of prose ops", async () => {
      const inbox = await factory();
      const doc = newDoc();
      const ops = opsFor(1, 100).map((op, i) => ({ ...op, text: prose(1024, i + 1) }));
      const change = changeOf(doc, { ops });
      await inbox.put(change);
      expect(await inbox.get(doc, "client-1", 1)).toEqual(change);
    });

    it("findOp: hit returns the change, miss returns undefined, ids never match by substring", async () => {
      const inbox = await factory();
      const doc = newDoc();
      const ops = opsFor(1, 3, uid("op"));
      ops[1].id = "abc";
      const change = changeOf(doc, { ops });
      await inbox.put(change);
      await inbox.put(changeOf(doc, { clientId: "client-2", ops: opsFor(1, 2, uid("z")) }));
      expect(await inbox.findOp(doc, ops[0].id)).toEqual(change);
      expect(await inbox.findOp(doc, "abc")).toEqual(change);
      expect(await inbox.findOp(doc, "ab")).toBeUndefined();
      expect(await inbox.findOp(doc, "bc")).toBeUndefined();
      expect(await inbox.findOp(doc, "missing")).toBeUndefined();
    });

    it("findOp returns the newest (by acceptedAt) change containing the op", async () => {
      const inbox = await factory();
      const doc = newDoc();
      const id = uid("dup");
      const older = changeOf(doc, { clientId: "a", acceptedAt: 1000, ops: [{ id, seq: 1, type: "insert", pos: 0, text: "x" }] });
      const newer = changeOf(doc, { clientId: "b", acceptedAt: 2000, ops: [{ id, seq: 1, type: "insert", pos: 0, text: "y" }] });
      const oldest = changeOf(doc, { clientId: "c", acceptedAt: 500, ops: [{ id, seq: 1, type: "insert", pos: 0, text: "z" }] });
      for (const c of [older, newer, oldest]) await inbox.put(c);
      expect(await inbox.findOp(doc, id)).toEqual(newer);
    });

    it("wake records are not visible to get or findOp, and writing one twice is harmless", async () => {
      const inbox = await factory();
      const doc = newDoc();
      await inbox.wake(doc, 1_760_000_000_000);
      await inbox.wake(doc, 1_760_000_000_000);
      await inbox.wake(doc, 1);
      expect(await inbox.findOp(doc, "1")).toBeUndefined();
      expect(await inbox.get(doc, "client-1", 1)).toBeUndefined();
      const change = changeOf(doc);
      expect(await inbox.put(change)).toEqual({ created: true });
      expect(await inbox.findOp(doc, change.ops[2].id)).toEqual(change);
    });

    it("returns copies: mutating a put or returned change changes nothing stored", async () => {
      const inbox = await factory();
      const doc = newDoc();
      const change = changeOf(doc);
      const pristine = structuredClone(change);
      await inbox.put(change);
      change.ops[0].id = "mutated";
      const got = (await inbox.get(doc, "client-1", 1))!;
      got.userId = "mutated";
      expect(await inbox.get(doc, "client-1", 1)).toEqual(pristine);
    });
  });
}
