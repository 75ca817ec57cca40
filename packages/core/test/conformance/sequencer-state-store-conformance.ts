import { describe, expect, it } from "vitest";
import type { DocAcl } from "../../src/access/doc-acl.js";
import type { ClientState, Rejection } from "../../src/ports/records.js";
import type { SequencerStateStore } from "../../src/ports/sequencer-state-store.js";
import { newDoc, uid } from "./fixtures.js";

function client(clientId: string, next: number, extra: Partial<ClientState> = {}): ClientState {
  return { clientId, next, held: [], skipped: [], ...extra };
}

function acl(users: DocAcl["users"], groups: DocAcl["groups"] = {}, everyone: DocAcl["everyone"] = "none"): DocAcl {
  return { users, groups, everyone };
}

function rejection(opId: string, extra: Partial<Rejection> = {}): Rejection {
  return {
    opId,
    clientId: "c1",
    userId: "user-ü 1",
    clientSeq: 3,
    reason: "position_out_of_range",
    message: "pos 9 > len 4 ✗",
    at: 1_760_000_000_000,
    ...extra,
  };
}

/**
 * SequencerStateStore contract suite. `factory` may return stores sharing one backing
 * table: tests use fresh documents.
 */
export function runSequencerStateStoreConformance(name: string, factory: () => Promise<SequencerStateStore>): void {
  describe(`SequencerStateStore conformance: ${name}`, () => {
    it("load of a never-saved document: checkpoint 0, holding [], no clients", async () => {
      const state = await factory();
      const loaded = await state.load(newDoc(), ["a", "b"]);
      expect(loaded.checkpoint).toBe(0);
      expect(loaded.holding).toEqual([]);
      expect(loaded.clients).toEqual(new Map());
    });

    it("save then load round-trips client states deep-equal; unknown clients are absent", async () => {
      const state = await factory();
      const doc = newDoc();
      const a = client("a", 5, { held: [{ firstSeq: 7, lastSeq: 9, heldAt: 1_760_000_000_001 }], skipped: [[2, 3]] });
      const b = client("b", 1);
      await state.save(doc, [a, b], 12, ["a"]);
      const loaded = await state.load(doc, ["a", "b", "never"]);
      expect(loaded.checkpoint).toBe(12);
      expect(loaded.holding).toEqual(["a"]);
      expect(loaded.clients).toEqual(new Map([["a", a], ["b", b]]));
    });

    it("client returns one stored client state, deep-equal, or undefined", async () => {
      const state = await factory();
      const doc = newDoc();
      const a = client("a", 4, { held: [{ firstSeq: 7, lastSeq: 8, heldAt: 5 }], skipped: [[2, 3]] });
      await state.save(doc, [a, client("b", 2)], 1, ["a"]);
      expect(await state.client(doc, "a")).toEqual(a);
      expect(await state.client(doc, "zz")).toBeUndefined();
      expect(await state.client(newDoc(doc.tenant), "a")).toBeUndefined();
    });

    it("load returns only the requested clients plus every holding client", async () => {
      const state = await factory();
      const doc = newDoc();
      const held = client("h", 3, { held: [{ firstSeq: 5, lastSeq: 5, heldAt: 1 }] });
      await state.save(doc, [client("a", 2), client("b", 4), held], 1, ["h"]);
      const loaded = await state.load(doc, ["a"]);
      expect(loaded.clients).toEqual(new Map([["a", client("a", 2)], ["h", held]]));
      expect((await state.load(doc, [])).clients).toEqual(new Map([["h", held]]));
    });

    it("save replaces a client's state whole, leaves other clients untouched, replaces holding", async () => {
      const state = await factory();
      const doc = newDoc();
      await state.save(doc, [client("a", 2, { skipped: [[1, 1]], held: [{ firstSeq: 4, lastSeq: 4, heldAt: 9 }] }), client("b", 7)], 3, ["a", "b"]);
      await state.save(doc, [client("a", 5)], 4, []);
      const loaded = await state.load(doc, ["a", "b"]);
      expect(loaded.clients).toEqual(new Map([["a", client("a", 5)], ["b", client("b", 7)]]));
      expect(loaded.holding).toEqual([]);
    });

    it("the checkpoint never goes down, but holding is still replaced", async () => {
      const state = await factory();
      const doc = newDoc();
      await state.save(doc, [], 10, ["x"]);
      await state.save(doc, [client("a", 2)], 4, ["y", "z"]);
      let loaded = await state.load(doc, ["a"]);
      expect(loaded.checkpoint).toBe(10);
      expect(loaded.holding).toEqual(["y", "z"]);
      expect(loaded.clients.get("a")).toEqual(client("a", 2));
      await state.save(doc, [], 10, []);
      await state.save(doc, [], 11, ["q"]);
      loaded = await state.load(doc, []);
      expect(loaded.checkpoint).toBe(11);
      expect(loaded.holding).toEqual(["q"]);
    });

    it("concurrent saves leave the highest checkpoint", async () => {
      const state = await factory();
      const doc = newDoc();
      await Promise.all([5, 50, 20, 49, 1].map((cp) => state.save(doc, [], cp, [])));
      expect((await state.load(doc, [])).checkpoint).toBe(50);
    });

    it("saves and loads many clients (more than one storage batch)", async () => {
      const state = await factory();
      const doc = newDoc();
      const clients = Array.from({ length: 130 }, (_, i) => client(`c${i}`, i + 1, { skipped: [[i, i]] }));
      await state.save(doc, clients, 130, ["c0", "c129"]);
      const loaded = await state.load(doc, clients.map((c) => c.clientId));
      expect(loaded.clients.size).toBe(130);
      for (const c of clients) expect(loaded.clients.get(c.clientId)).toEqual(c);
    });

    it("isolates the same docId in two tenants", async () => {
      const state = await factory();
      const a = newDoc();
      const b = { tenant: uid("t"), docId: a.docId };
      await state.save(a, [client("c", 9)], 8, ["c"]);
      await state.putRejections(a, [rejection("op1")]);
      const loaded = await state.load(b, ["c"]);
      expect(loaded).toEqual({ checkpoint: 0, holding: [], saves: 0, clients: new Map() });
      expect(await state.getRejection(b, "op1")).toBeUndefined();
    });

    it("rejections round-trip per op id; a missing one is undefined", async () => {
      const state = await factory();
      const doc = newDoc();
      const rs = [rejection("op-1"), rejection("op-2", { reason: "base_ahead_of_head", clientSeq: 4 })];
      await state.putRejections(doc, rs);
      expect(await state.getRejection(doc, "op-1")).toEqual(rs[0]);
      expect(await state.getRejection(doc, "op-2")).toEqual(rs[1]);
      expect(await state.getRejection(doc, "op-3")).toBeUndefined();
    });

    it("putRejections is idempotent; a second put of the same op id replaces the first", async () => {
      const state = await factory();
      const doc = newDoc();
      const r = rejection("op-1");
      await state.putRejections(doc, [r]);
      await state.putRejections(doc, [r]);
      expect(await state.getRejection(doc, "op-1")).toEqual(r);
      const again = rejection("op-1", { at: r.at + 5, message: "again" });
      await state.putRejections(doc, [again]);
      expect(await state.getRejection(doc, "op-1")).toEqual(again);
    });

    it("putRejections stores many at once (more than one storage batch)", async () => {
      const state = await factory();
      const doc = newDoc();
      const rs = Array.from({ length: 60 }, (_, i) => rejection(`op-${i}`, { clientSeq: i }));
      await state.putRejections(doc, rs);
      for (const i of [0, 24, 25, 59]) expect(await state.getRejection(doc, `op-${i}`)).toEqual(rs[i]);
    });

    it("returns copies: mutating saved or loaded states changes nothing stored", async () => {
      const state = await factory();
      const doc = newDoc();
      const a = client("a", 2, { skipped: [[1, 1]] });
      await state.save(doc, [a], 1, []);
      a.skipped.push([5, 6]);
      (await state.load(doc, ["a"])).clients.get("a")!.next = 99;
      expect((await state.load(doc, ["a"])).clients.get("a")).toEqual(client("a", 2, { skipped: [[1, 1]] }));
    });

    it("accessMany answers access for each document, in order: repeats, tenants, never-saved ones, saves without an ACL", async () => {
      const state = await factory();
      const owned = newDoc();
      const shared = newDoc(owned.tenant);
      const noAcl = newDoc(owned.tenant);
      const never = newDoc(owned.tenant);
      const sameIdElsewhere = { tenant: uid("t"), docId: owned.docId };
      await state.save(owned, [], 3, [], acl({ "ü-1": "owner" }));
      await state.save(shared, [client("a", 2)], 7, ["a"], acl({ o: "owner", v: "viewer" }, { "team 🚀": "editor" }, "commenter"));
      await state.save(noAcl, [], 4, []);
      expect(await state.accessMany([])).toEqual([]);
      const docs = [shared, never, owned, noAcl, sameIdElsewhere, shared];
      const many = await state.accessMany(docs);
      expect(many).toEqual([
        { checkpoint: 7, acl: acl({ o: "owner", v: "viewer" }, { "team 🚀": "editor" }, "commenter") },
        { checkpoint: 0 },
        { checkpoint: 3, acl: acl({ "ü-1": "owner" }) },
        { checkpoint: 4 },
        { checkpoint: 0 },
        { checkpoint: 7, acl: acl({ o: "owner", v: "viewer" }, { "team 🚀": "editor" }, "commenter") },
      ]);
      expect(many).toEqual(await Promise.all(docs.map((d) => state.access(d))));
    });

    it("accessMany sees the latest save (strongly consistent) and returns copies", async () => {
      const state = await factory();
      const doc = newDoc();
      await state.save(doc, [], 1, [], acl({ o: "owner", r: "viewer" }));
      const [first] = await state.accessMany([doc]);
      first.acl!.users.r = "owner";
      await state.save(doc, [], 2, [], acl({ o: "owner" }));
      expect(await state.accessMany([doc, doc])).toEqual([
        { checkpoint: 2, acl: acl({ o: "owner" }) },
        { checkpoint: 2, acl: acl({ o: "owner" }) },
      ]);
    });

    it("accessMany reads many documents (more than one storage batch)", async () => {
      const state = await factory();
      const tenant = uid("t");
      const docs = Array.from({ length: 230 }, () => newDoc(tenant));
      await Promise.all(docs.map((d, i) => (i % 3 === 2 ? Promise.resolve() : state.save(d, [], i + 1, [], acl({ [`u${i}`]: "owner" })))));
      const many = await state.accessMany(docs);
      expect(many).toHaveLength(230);
      many.forEach((r, i) => expect(r, `doc ${i}`).toEqual(i % 3 === 2 ? { checkpoint: 0 } : { checkpoint: i + 1, acl: acl({ [`u${i}`]: "owner" }) }));
    });
  });
}
