import { describe, expect, test } from "vitest";
import { AclReader } from "../../src/access/acl-reader.js";
import type { DocAcl } from "../../src/access/doc-acl.js";
import { docReadability, readableDocIds } from "../../src/access/readable-docs.js";
import type { DocRef } from "../../src/doc-ref.js";
import { MemoryLogStore } from "../../src/ports/memory/log-store.js";
import { MemorySequencerStateStore } from "../../src/ports/memory/sequencer-state-store.js";

/** docReadability: the one judgement search (readableDocIds) and the notification feed share. */

const T = "acme";
const ref = (docId: string): DocRef => ({ tenant: T, docId });
const acl = (users: DocAcl["users"], groups: DocAcl["groups"] = {}, everyone: DocAcl["everyone"] = "none"): DocAcl => ({ users, groups, everyone });

class CountingState extends MemorySequencerStateStore {
  batches: string[][] = [];
  override async accessMany(docs: readonly DocRef[]) {
    this.batches.push(docs.map((d) => d.docId));
    return Promise.all(docs.map((d) => super.access(d)));
  }
}

async function setup() {
  const state = new CountingState();
  const reader = new AclReader({ state, log: new MemoryLogStore(), now: () => 1_000 });
  await state.save(ref("mine"), [], 1, [], acl({ ann: "owner" }));
  await state.save(ref("team"), [], 2, [], acl({ ann: "owner" }, { design: "viewer" }));
  await state.save(ref("open"), [], 2, [], acl({ ann: "owner" }, {}, "viewer"));
  await state.save(ref("odd"), [], 2, [], JSON.parse('{"users":{"ann":"owner"},"groups":{},"everyone":"none"}') as DocAcl);
  return { state, reader };
}

describe("docReadability", () => {
  test("readable, unreadable or no-acl per document, in order, duplicates included, one batched read", async () => {
    const { state, reader } = await setup();
    const ids = ["mine", "team", "open", "missing", "mine"];
    expect(await docReadability(reader, { userId: "bob" }, T, ids)).toEqual(["unreadable", "unreadable", "readable", "no-acl", "unreadable"]);
    expect(await docReadability(reader, { userId: "bob", groups: ["design"] }, T, ids)).toEqual(["unreadable", "readable", "readable", "no-acl", "unreadable"]);
    expect(await docReadability(reader, { userId: "root", admin: true }, T, ids)).toEqual(["readable", "readable", "readable", "no-acl", "readable"]);
    expect(state.batches).toEqual([["mine", "team", "open", "missing"]]);
    expect(await docReadability(reader, { userId: "bob" }, T, [])).toEqual([]);
  });

  test("user ids named like Object.prototype members are ordinary ids", async () => {
    const { reader } = await setup();
    for (const userId of ["constructor", "__proto__", "toString"]) {
      expect(await docReadability(reader, { userId }, T, ["odd", "open"])).toEqual(["unreadable", "readable"]);
    }
  });

  test("readableDocIds is its readable ones (no-acl never readable)", async () => {
    const { reader } = await setup();
    const ids = ["mine", "team", "open", "missing"];
    const judged = await docReadability(reader, { userId: "bob", groups: ["design"] }, T, ids);
    expect(await readableDocIds(reader, { userId: "bob", groups: ["design"] }, T, ids)).toEqual(new Set(ids.filter((_, i) => judged[i] === "readable")));
    expect(await readableDocIds(reader, { userId: "bob", groups: ["design"] }, T, ids)).toEqual(new Set(["team", "open"]));
  });
});
