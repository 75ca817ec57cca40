import { describe, expect, test } from "vitest";
import { AclReader } from "../../src/access/acl-reader.js";
import type { DocAcl } from "../../src/access/doc-acl.js";
import { readableDocIds } from "../../src/access/readable-docs.js";
import type { DocRef } from "../../src/doc-ref.js";
import { MemoryLogStore } from "../../src/ports/memory/log-store.js";
import { MemorySequencerStateStore } from "../../src/ports/memory/sequencer-state-store.js";
import { batchOf, smallEntries } from "../conformance/fixtures.js";

/** The memory adapter, counting the reads AclReader makes of it. */
class CountingState extends MemorySequencerStateStore {
  single: string[] = [];
  batches: string[][] = [];
  override async access(doc: DocRef) {
    this.single.push(doc.docId);
    return super.access(doc);
  }
  override async accessMany(docs: readonly DocRef[]) {
    this.batches.push(docs.map((d) => d.docId));
    return Promise.all(docs.map((d) => super.access(d))); // what the memory adapter does, uncounted
  }
}

const T = "acme";
const ref = (docId: string): DocRef => ({ tenant: T, docId });
const acl = (users: DocAcl["users"], groups: DocAcl["groups"] = {}, everyone: DocAcl["everyone"] = "none"): DocAcl => ({ users, groups, everyone });

async function setup() {
  let now = 1_000;
  const state = new CountingState();
  const log = new MemoryLogStore();
  const reader = new AclReader({ state, log, now: () => now });
  await state.save(ref("mine"), [], 1, [], acl({ ann: "owner" }));
  await state.save(ref("viewed"), [], 2, [], acl({ ann: "owner", bob: "viewer" }));
  await state.save(ref("team"), [], 2, [], acl({ ann: "owner" }, { design: "commenter" }));
  await state.save(ref("open"), [], 2, [], acl({ ann: "owner" }, {}, "viewer"));
  await state.save(ref("closed"), [], 3, [], acl({ ann: "owner", bob: "viewer" }, { design: "viewer" }, "none"));
  // A log from before access control: no ACL with the checkpoint; seq 1's author owns it, everyone edits.
  await log.append(batchOf(ref("legacy"), smallEntries(1, 2)));
  return { state, log, reader, advance: (ms: number) => (now += ms) };
}

const ALL = ["mine", "viewed", "team", "open", "closed", "legacy", "missing"];

describe("readableDocIds", () => {
  test("viewer or more by user, group or everyone entry; an admin reads every existing document; a missing one never", async () => {
    const { reader } = await setup();
    const ids = async (who: { userId: string; groups?: string[]; admin?: boolean }) =>
      [...(await readableDocIds(reader, who, T, ALL))].sort();
    expect(await ids({ userId: "ann" })).toEqual(["closed", "legacy", "mine", "open", "team", "viewed"]);
    expect(await ids({ userId: "bob" })).toEqual(["closed", "legacy", "open", "viewed"]);
    expect(await ids({ userId: "cy", groups: ["design"] })).toEqual(["closed", "legacy", "open", "team"]);
    expect(await ids({ userId: "cy", groups: ["sales"] })).toEqual(["legacy", "open"]);
    expect(await ids({ userId: "root", admin: true })).toEqual(["closed", "legacy", "mine", "open", "team", "viewed"]);
    // Another tenant's documents of the same ids are not these.
    expect(await readableDocIds(reader, { userId: "ann" }, "globex", ALL)).toEqual(new Set());
  });

  test("a revocation applies once the cached ACL is older than the TTL (2 s); a grant likewise", async () => {
    const { state, reader, advance } = await setup();
    const bob = { userId: "bob" };
    expect(await readableDocIds(reader, bob, T, ["viewed", "mine"])).toEqual(new Set(["viewed"]));
    await state.save(ref("viewed"), [], 3, [], acl({ ann: "owner" }));
    await state.save(ref("mine"), [], 2, [], acl({ ann: "owner", bob: "viewer" }));
    advance(1_999);
    expect(await readableDocIds(reader, bob, T, ["viewed", "mine"])).toEqual(new Set(["viewed"]));
    advance(1);
    expect(await readableDocIds(reader, bob, T, ["viewed", "mine"])).toEqual(new Set(["mine"]));
  });
});

describe("AclReader.readMany", () => {
  test("answers like read, in order; misses in one batched read; cached entries without any read", async () => {
    const { state, reader } = await setup();
    const docs = ["open", "mine", "open", "legacy", "missing"].map(ref);
    const many = await reader.readMany(docs);
    expect(many).toEqual([
      acl({ ann: "owner" }, {}, "viewer"),
      acl({ ann: "owner" }),
      acl({ ann: "owner" }, {}, "viewer"),
      acl({ u1: "owner" }, {}, "editor"),
      undefined,
    ]);
    // One batch of the distinct documents; the two without a stored ACL then read alone.
    expect(state.batches).toEqual([["open", "mine", "legacy", "missing"]]);
    // Checkpoints without an ACL fall back to the log from what the batched read returned: no second read of them.
    expect(state.single).toEqual([]);
    const fresh = new AclReader({ state: new MemorySequencerStateStore(), log: new MemoryLogStore() });
    expect(await fresh.readMany([])).toEqual([]);

    state.batches = [];
    state.single = [];
    expect(await reader.readMany([...docs, ref("viewed")])).toEqual([...many, acl({ ann: "owner", bob: "viewer" })]);
    expect(state.batches).toEqual([["viewed"]]);
    expect(state.single).toEqual([]);
    // read() is served from what readMany cached.
    expect(await reader.read(ref("open"))).toEqual(acl({ ann: "owner" }, {}, "viewer"));
    expect(await reader.read(ref("legacy"))).toEqual(acl({ u1: "owner" }, {}, "editor"));
    expect(state.single).toEqual([]);
  });

  test("entries expire with the TTL; a failed batch is not cached", async () => {
    const { state, reader, advance } = await setup();
    await reader.readMany([ref("mine"), ref("open")]);
    advance(1_000);
    await reader.read(ref("team"));
    advance(1_000);
    state.batches = [];
    await reader.readMany([ref("mine"), ref("team"), ref("open")]);
    expect(state.batches).toEqual([["mine", "open"]]);

    const failing = new CountingState();
    let fail = true;
    const real = failing.accessMany.bind(failing);
    failing.accessMany = async (docs) => {
      const out = await real(docs);
      if (fail) throw new Error("throttled");
      return out;
    };
    await failing.save(ref("x"), [], 1, [], acl({ ann: "owner" }));
    const r = new AclReader({ state: failing, log: new MemoryLogStore() });
    await expect(r.readMany([ref("x")])).rejects.toThrow("throttled");
    fail = false;
    expect(await r.readMany([ref("x")])).toEqual([acl({ ann: "owner" })]);
    expect(failing.batches).toEqual([["x"], ["x"]]);
  });
});
