import { describe, expect, it } from "vitest";
import { acl, comment, insert, uncomment, uncommentRig } from "./uncomment-harness.js";

const ids = (entries: { id: string }[]) => entries.map((e) => e.id);

describe.each([
  ["with materialized states", true],
  ["replaying the log (no states wired)", false],
])("sequencer: who may delete a comment (%s)", (_label, states) => {
  it("the author may; a stranger, an editor and a commenter are rejected (forbidden), their whole change with them", async () => {
    const r = uncommentRig({ states });
    await r.run(await r.change("olga", [acl("olga", "owner"), acl("ed", "editor"), acl("cat", "commenter")]));
    await r.run(await r.change("alice", [comment(), comment()]));
    if (states) await r.catchUp();

    const stranger = await r.change("zed", [insert("z"), uncomment("alice-1")]);
    const editor = await r.change("ed", [uncomment("alice-1")]);
    const commenter = await r.change("cat", [uncomment("alice-2")]);
    await r.run(stranger, editor, commenter);
    expect(r.notices.map((n) => [n.opId, n.userId, n.reason])).toEqual([
      ["zed-1", "zed", "forbidden"],
      ["zed-2", "zed", "forbidden"],
      ["ed-1", "ed", "forbidden"],
      ["cat-1", "cat", "forbidden"],
    ]);
    expect(r.notices[0].message).toBe("op zed-2: only the comment's author or a document owner may delete comment alice-1; zed has no role");
    expect(r.notices[2].message).toContain("ed has the editor role");
    expect(ids(await r.entries())).toEqual(["olga-1", "olga-2", "olga-3", "alice-1", "alice-2"]);

    await r.run(await r.change("alice", [uncomment("alice-1")]));
    expect((await r.state()).threads.t1.comments.map((c) => c.id)).toEqual(["alice-2"]);
    expect(r.notices).toHaveLength(4);
  });

  it("an owner may delete anyone's comment; a rejected client's later changes still go through", async () => {
    const r = uncommentRig({ states });
    await r.run(await r.change("olga", [acl("olga", "owner")]), await r.change("alice", [comment()]));
    const denied = await r.change("bob", [uncomment("alice-1")]);
    const later = await r.change("bob", [comment("t2")]);
    await r.run(denied, later, await r.change("olga", [uncomment("alice-1")]));
    expect(r.notices.map((n) => n.opId)).toEqual(["bob-1"]);
    expect(ids(await r.entries())).toEqual(["olga-1", "alice-1", "bob-2", "olga-2"]);
    expect(Object.keys((await r.state()).threads)).toEqual(["t2"]);
  });

  it("roles count as of right before the op: revoked or granted earlier in the run or the change", async () => {
    const r = uncommentRig({ states });
    await r.run(await r.change("olga", [acl("olga", "owner"), acl("oscar", "owner")]), await r.change("alice", [comment(), comment(), comment()]));
    if (states) await r.catchUp();
    // In one run: Olga demotes Oscar, then Oscar tries; Olga deletes, gives Pat owner and Pat deletes in one change.
    await r.run(
      await r.change("olga", [acl("oscar", "viewer")]),
      await r.change("oscar", [uncomment("alice-1")]),
      await r.change("olga", [uncomment("alice-2")]),
    );
    await r.run(await r.change("pat", [acl("pat", "owner"), uncomment("alice-3")]));
    expect(r.notices.map((n) => [n.opId, n.message])).toEqual([["oscar-1", expect.stringContaining("oscar has the viewer role")]]);
    expect((await r.state()).threads.t1.comments.map((c) => c.id)).toEqual(["alice-1"]);
  });

  it("a comment made earlier in the same run or the same change may be deleted by its author, not by others", async () => {
    const r = uncommentRig({ states });
    await r.run(
      await r.change("alice", [comment(), uncomment("alice-1"), comment()]),
      await r.change("bob", [uncomment("alice-3")]),
      await r.change("alice", [uncomment("alice-3")]),
    );
    expect(r.notices.map((n) => n.opId)).toEqual(["bob-1"]);
    expect((await r.state()).threads).toEqual({});
  });

  it("unknown comments commit as no-ops for anyone; a deleted comment keeps its author, so only they (or an owner) may repeat", async () => {
    const r = uncommentRig({ states });
    await r.run(await r.change("alice", [comment(), comment("t2"), insert("text")]));
    await r.run(
      await r.change("zed", [uncomment("nope")]),
      await r.change("zed", [uncomment("alice-1", "t2")]), // a comment, but of another thread
      await r.change("zed", [uncomment("alice-3")]), // an insert's id
      await r.change("alice", [uncomment("alice-1")]),
    );
    await r.run(await r.change("alice", [uncomment("alice-1")]), await r.change("zed", [uncomment("alice-1")]));
    expect(r.notices.map((n) => n.opId)).toEqual(["zed-4"]);
    const s = await r.state();
    expect(Object.keys(s.threads)).toEqual(["t2"]);
    expect(s.version).toBe(8);
  });

  it("finds comments and roles deep in a long log (not in the run's tail batch), with the materialized state lagging", async () => {
    const r = uncommentRig({ states, maxBatchEntries: 3 });
    await r.run(await r.change("olga", [acl("olga", "owner")]), await r.change("alice", [comment()]));
    for (let k = 0; k < 5; k++) await r.run(await r.change("bob", [insert(), insert(), insert()]));
    if (states) await r.catchUp();
    await r.run(await r.change("olga", [acl("pat", "owner")]), await r.change("bob", [insert(), insert(), insert()]));
    await r.run(await r.change("zed", [uncomment("alice-1")]));
    await r.run(await r.change("pat", [uncomment("alice-1")]));
    expect(r.notices.map((n) => n.opId)).toEqual(["zed-1"]);
    expect((await r.state()).threads).toEqual({});
  });
});

describe("sequencer: the owner check's reads", () => {
  it("with materialized states it reads the log only past the materialized version; without, from the start", async () => {
    for (const states of [true, false]) {
      const r = uncommentRig({ states, maxBatchEntries: 2 });
      await r.run(await r.change("olga", [acl("olga", "owner")]), await r.change("alice", [comment()]));
      for (let k = 0; k < 4; k++) await r.run(await r.change("bob", [insert(), insert()]));
      await r.catchUp();
      await r.run(await r.change("bob", [insert(), insert()]), await r.change("carl", [insert(), insert()]));
      const reads: number[] = [];
      const entries = r.log.entries.bind(r.log);
      r.log.entries = (doc, after, limit) => (reads.push(after), entries(doc, after, limit));
      await r.run(await r.change("olga", [uncomment("alice-1")]));
      r.log.entries = entries;
      expect((await r.state()).threads).toEqual({});
      // alice-1's entry (findOp, then one entry at seq 2), then the roles: past version 10, or all.
      expect(reads).toEqual(states ? [1, 10] : [1, 0]);
    }
  });
});
