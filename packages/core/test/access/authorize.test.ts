import { describe, expect, it } from "vitest";
import { AclReader } from "../../src/access/acl-reader.js";
import { assertMayRead, changeRefusal, docAccess } from "../../src/access/authorize.js";
import type { DocAcl } from "../../src/access/doc-acl.js";
import { MemoryLogStore } from "../../src/ports/memory/log-store.js";
import { MemorySequencerStateStore } from "../../src/ports/memory/sequencer-state-store.js";
import type { Op } from "../../src/ops/types.js";

const doc = { tenant: "t", docId: "d" };
const acl = (users: DocAcl["users"]): DocAcl => ({ users, groups: {}, everyone: "none" });
const insert: Op = { id: "o1", seq: 1, type: "insert", pos: 0, text: "x" };

/** A reader over a checkpoint ACL the test sets, on a clock it moves. */
function rig() {
  let now = 1_000;
  const state = new MemorySequencerStateStore();
  const reader = new AclReader({ state, log: new MemoryLogStore(), now: () => now }, 2000);
  let checkpoint = 0;
  return {
    reader,
    advance: (ms: number) => (now += ms),
    commit: (a: DocAcl) => state.save(doc, [], ++checkpoint, [], a),
  };
}

describe("docAccess: how stale the request path may be", () => {
  it("a grant applies at once (a refusal is read again fresh); a revocation is served stale for at most the TTL", async () => {
    const r = rig();
    await r.commit(acl({ olga: "owner" }));
    const bob = { userId: "bob" };
    expect((await docAccess(r.reader, bob, doc)).role).toBe("none");
    await r.commit(acl({ olga: "owner", bob: "editor" }));
    // Cached "none" for bob is not believed: the fresh read sees the grant.
    expect((await docAccess(r.reader, bob, doc)).role).toBe("editor");
    await r.commit(acl({ olga: "owner" }));
    r.advance(1999);
    const stale = await docAccess(r.reader, bob, doc);
    expect(stale.role).toBe("editor"); // within the TTL: the cached grant
    expect(changeRefusal(stale, bob, [insert], false)).toBeUndefined();
    r.advance(1);
    const now = await docAccess(r.reader, bob, doc);
    expect(now.role).toBe("none");
    expect(() => assertMayRead(now, doc)).toThrow(/no access/);
  });

  it("a cached 'no document' is read again: a document created a moment ago is seen at once", async () => {
    const r = rig();
    expect((await docAccess(r.reader, { userId: "zed" }, doc)).exists).toBe(false);
    await r.commit(acl({ olga: "owner" }));
    const zed = await docAccess(r.reader, { userId: "zed" }, doc);
    expect([zed.exists, zed.role]).toEqual([true, "none"]);
    expect(() => assertMayRead(zed, doc)).toThrow(/no access/);
  });

  it("an admin acts as owner, as an override only where they hold no role", async () => {
    const r = rig();
    await r.commit(acl({ olga: "owner", root: "viewer" }));
    expect(await docAccess(r.reader, { userId: "root", admin: true }, doc)).toMatchObject({ role: "owner", override: false });
    expect(await docAccess(r.reader, { userId: "boss", admin: true }, doc)).toMatchObject({ role: "owner", override: true });
  });
});
