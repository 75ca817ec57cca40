import { describe, expect, it } from "vitest";
import { accessRig, acl, comment, everyoneAcl, groupAcl, insert, reaction, task, uncomment } from "./access-harness.js";

const ids = (entries: { id: string }[]) => entries.map((e) => e.id);
const OPEN = { newDocumentEveryone: "editor", editorsCanShare: false } as const;

describe("sequencer: creating a document", () => {
  it("the first committed change makes its author owner (seq 1, clientSeq 0), then the tenant's everyone entry, then its ops", async () => {
    const r = accessRig({ states: false, policy: { newDocumentEveryone: "viewer", editorsCanShare: false } });
    await r.run(await r.change("alice", [insert("hi")]));
    const entries = await r.entries();
    expect(entries.map((e) => [e.seq, e.id, e.userId, e.clientSeq, e.type])).toEqual([
      [1, "~owner", "alice", 0, "acl"],
      [2, "~everyone", "alice", 0, "acl"],
      [3, "alice-1", "alice", 1, "insert"],
    ]);
    expect(entries[0]).toMatchObject({ role: "owner", targetUserId: "alice", clientId: "alice-c" });
    expect(entries[1]).toMatchObject({ role: "viewer", everyone: true });
    expect((await r.state()).acl).toEqual({ users: { alice: "owner" }, groups: {}, everyone: "viewer" });
    expect((await r.store.access(r.doc)).acl).toEqual({ users: { alice: "owner" }, groups: {}, everyone: "viewer" });
  });

  it("two users racing to create: the first sequenced owns it, the other's change is judged against that ACL", async () => {
    const r = accessRig({ states: false });
    await r.run(await r.change("alice", [insert("a")]), await r.change("bob", [insert("b")]));
    expect(ids(await r.entries())).toEqual(["~owner", "alice-1"]);
    expect(r.notices.map((n) => [n.opId, n.reason])).toEqual([["bob-1", "forbidden"]]);
    expect(r.notices[0].message).toBe("op bob-1: insert needs the editor role; bob has the none role, it needs editor");
  });

  it("a change rejected for another reason creates nothing; the next one does", async () => {
    const r = accessRig({ states: false });
    await r.run(await r.change("alice", [{ type: "delete", pos: 3, len: 1 }]));
    expect(await r.entries()).toEqual([]);
    await r.run(await r.change("bob", [insert()]));
    expect(ids(await r.entries())).toEqual(["~owner", "bob-1"]);
    expect((await r.entries())[0]).toMatchObject({ targetUserId: "bob" });
  });
});

describe("sequencer: the role matrix", () => {
  it("viewers read only, commenters comment, react and delete their own comments, editors edit, owners do everything", async () => {
    const r = accessRig({ states: false });
    await r.run(await r.change("olga", [insert("x"), acl("vic", "viewer"), acl("cat", "commenter"), acl("ed", "editor")]));
    await r.run(
      await r.change("vic", [comment()]),
      await r.change("cat", [comment(), reaction("cat-1"), uncomment("cat-1")]),
      await r.change("cat", [insert()]),
      await r.change("ed", [insert(), task(), comment("t2")]),
      await r.change("ed", [acl("vic", "editor")]),
      await r.change("cat", [uncomment("ed-3", "t2")]),
      await r.change("olga", [uncomment("ed-3", "t2"), acl("cat", "owner")]),
    );
    expect(r.notices.map((n) => [n.opId, n.reason])).toEqual([
      ["vic-1", "forbidden"],
      ["cat-4", "forbidden"],
      ["ed-4", "forbidden"],
      ["cat-5", "forbidden"],
    ]);
    expect(r.notices[3].message).toContain("only the comment's author or a document owner may delete a comment; cat has the commenter role, it needs owner");
    expect(ids(await r.entries())).toEqual(["~owner", "olga-1", "olga-2", "olga-3", "olga-4", "cat-1", "cat-2", "cat-3", "ed-1", "ed-2", "ed-3", "olga-5", "olga-6"]);
  });

  it("roles count as of right before the op: revoked or granted earlier in the run or the change", async () => {
    const r = accessRig({ states: false });
    await r.run(await r.change("olga", [acl("oscar", "owner"), acl("bob", "editor")]), await r.change("alice", [insert()]));
    await r.run(
      await r.change("olga", [acl("bob", "viewer")]),
      await r.change("bob", [insert()]), // revoked earlier in this run
      await r.change("olga", [acl("pat", "editor")]),
      await r.change("pat", [insert()]), // granted earlier in this run
    );
    await r.run(await r.change("oscar", [acl("oscar", "viewer"), acl("zed", "editor")])); // demoted himself first
    expect(r.notices.map((n) => [n.opId, n.reason])).toEqual([
      ["alice-1", "forbidden"],
      ["bob-1", "forbidden"],
      ["oscar-1", "forbidden"],
      ["oscar-2", "forbidden"],
    ]);
    expect(ids(await r.entries())).toEqual(["~owner", "olga-1", "olga-2", "olga-3", "olga-4", "pat-1"]);
  });

  it("groups and everyone: the highest of the user's, their groups' and the everyone entry counts", async () => {
    const r = accessRig({ states: false });
    await r.run(await r.change("olga", [groupAcl("eng", "editor"), everyoneAcl("commenter")]));
    await r.run(
      await r.change({ userId: "gus", groups: ["eng"] }, [insert()]),
      await r.change({ userId: "hal", groups: ["ops"] }, [insert()]),
      await r.change({ userId: "hal", groups: ["ops"] }, [comment()]),
    );
    await r.run(await r.change("olga", [everyoneAcl("none")]), await r.change({ userId: "hal" }, [comment()]));
    expect(r.notices.map((n) => n.opId)).toEqual(["hal-1", "hal-3"]);
    expect((await r.state()).acl).toEqual({ users: { olga: "owner" }, groups: { eng: "editor" }, everyone: "none" });
  });

  it("a tenant admin acts as owner; entries of an admin with no role of their own are marked override", async () => {
    const r = accessRig({ states: false });
    await r.run(await r.change("olga", [acl("ed", "editor")]));
    await r.run(await r.change({ userId: "root", admin: true }, [insert("x"), acl("root", "owner"), acl("olga", "viewer")]));
    await r.run(await r.change({ userId: "root", admin: true }, [insert("y")]));
    const entries = await r.entries();
    expect(entries.slice(2).map((e) => [e.id, e.override])).toEqual([
      ["root-1", true],
      ["root-2", true],
      ["root-3", undefined],
      ["root-4", undefined],
    ]);
    expect((await r.state()).acl.users).toEqual({ olga: "viewer", ed: "editor", root: "owner" });
  });
});

describe("sequencer: owners and sharing", () => {
  it("the last owner cannot leave; of two owners demoting each other concurrently exactly one commits", async () => {
    const r = accessRig({ states: false });
    await r.run(await r.change("olga", [acl("olga", "editor")]));
    expect(r.notices.map((n) => [n.opId, n.reason, n.message])).toEqual([
      ["olga-1", "last_owner", "op olga-1: setting user olga to editor would leave the document with no owner"],
    ]);
    await r.run(await r.change("olga", [acl("oscar", "owner")]));
    await r.run(await r.change("olga", [acl("oscar", "viewer")]), await r.change("oscar", [acl("olga", "viewer")]));
    expect(r.notices.map((n) => [n.opId, n.reason]).slice(1)).toEqual([["oscar-1", "forbidden"]]);
    expect((await r.state()).acl.users).toEqual({ olga: "owner", oscar: "viewer" });
    // An owner held through a group keeps the document owned.
    await r.run(await r.change("olga", [groupAcl("admins", "owner"), acl("olga", "none")]));
    expect((await r.state()).acl).toEqual({ users: { oscar: "viewer" }, groups: { admins: "owner" }, everyone: "none" });
  });

  it("editors share only when the tenant lets them: up to editor, never touching an owner's entry", async () => {
    const r = accessRig({ states: false });
    await r.run(await r.change("olga", [acl("ed", "editor"), acl("oscar", "owner")]));
    await r.run(await r.change("ed", [acl("vic", "viewer")]));
    r.setPolicy({ newDocumentEveryone: "none", editorsCanShare: true });
    await r.run(
      await r.change("ed", [acl("vic", "viewer"), everyoneAcl("commenter"), groupAcl("eng", "editor")]),
      await r.change("ed", [acl("ed", "owner")]),
      await r.change("ed", [acl("oscar", "viewer")]),
      await r.change("ed", [acl("vic", "none")]),
    );
    expect(r.notices.map((n) => [n.opId, n.reason])).toEqual([
      ["ed-1", "forbidden"],
      ["ed-5", "forbidden"],
      ["ed-6", "forbidden"],
    ]);
    expect(r.notices[0].message).toContain("only owners may change access");
    expect(r.notices[1].message).toContain("editors may grant roles up to editor");
    expect(r.notices[2].message).toContain("only owners may change an owner's entry");
    expect((await r.state()).acl).toEqual({ users: { olga: "owner", ed: "editor", oscar: "owner" }, groups: { eng: "editor" }, everyone: "commenter" });
  });
});

describe("sequencer: documents from before access control", () => {
  it("a log whose first entry is not an acl entry starts as everyone editor with its first author owner", async () => {
    for (const states of [true, false]) {
      const r = accessRig({ states, maxBatchEntries: 2 });
      const legacy = (seq: number, userId: string) => ({ seq, id: `old-${seq}`, clientId: `${userId}-old`, clientSeq: seq, userId, serverTs: 1, type: "insert" as const, pos: 0, text: "a" });
      await r.log.append({ doc: r.doc, seqStart: 1, seqEnd: 2, entries: [legacy(1, "alice"), legacy(2, "bob")], lenAfter: 2, clients: [], committedAt: 1 });
      await r.log.append({ doc: r.doc, seqStart: 3, seqEnd: 3, entries: [legacy(3, "bob")], lenAfter: 3, clients: [], committedAt: 1 });
      await r.store.save(r.doc, [], 3, []); // a checkpoint without an ACL, as before access control
      if (states) await r.catchUp();
      await r.run(await r.change("bob", [insert()]), await r.change("bob", [acl("bob", "owner")]), await r.change("alice", [acl("carl", "viewer")]));
      expect(r.notices.map((n) => [n.opId, n.reason])).toEqual([["bob-2", "forbidden"]]);
      expect(ids(await r.entries()).slice(3)).toEqual(["bob-1", "alice-1"]);
      expect((await r.store.access(r.doc)).acl).toEqual({ users: { alice: "owner", carl: "viewer" }, groups: {}, everyone: "editor" });
    }
  });
});

describe("sequencer: comments deep in the log", () => {
  it("finds comments and roles deep in a long log (not in the run's tail batch), with the materialized state lagging", async () => {
    for (const states of [true, false]) {
      const r = accessRig({ states, maxBatchEntries: 3, policy: OPEN });
      await r.run(await r.change("olga", [acl("pat", "commenter")]), await r.change("alice", [comment()]));
      for (let k = 0; k < 5; k++) await r.run(await r.change("bob", [insert(), insert(), insert()]));
      if (states) await r.catchUp();
      await r.run(await r.change("olga", [acl("pat", "owner")]), await r.change("bob", [insert(), insert(), insert()]));
      await r.run(await r.change("zed", [uncomment("alice-1")]));
      await r.run(await r.change("pat", [uncomment("alice-1")]));
      expect(r.notices.map((n) => n.opId)).toEqual(["zed-1"]);
      expect((await r.state()).threads).toEqual({});
    }
  });
});
