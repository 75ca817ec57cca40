import { describe, expect, it } from "vitest";
import type { LogEntry } from "../../src/ops/types.js";
import { applyEntries, decodeState, encodeState, materialize } from "../../src/materialize/index.js";

/** Entries seq `start`.. (ids `op<seq>`) from bodies with an author each (`by`). */
function log(bodies: Array<Record<string, unknown> & { by: string }>, start = 1): LogEntry[] {
  return bodies.map(({ by, ...b }, i) => {
    const seq = start + i;
    return { seq, id: `op${seq}`, clientId: `${by}-c`, clientSeq: seq, userId: by, serverTs: 9000 + seq - 1, ...b } as LogEntry;
  });
}

const comment = (by: string, threadId = "t1", extra: Record<string, unknown> = {}) => ({ by, type: "comment", threadId, body: `by ${by}`, ...extra });
const uncomment = (by: string, commentId: string, threadId = "t1") => ({ by, type: "uncomment", threadId, commentId });

describe("materialize: uncomment", () => {
  it("the author deletes their comment; its reactions go with it; the others stay in order", () => {
    const s = materialize(log([
      comment("alice"),
      comment("bob"),
      comment("carol"),
      { by: "dan", type: "reaction", threadId: "t1", commentId: "op2", emoji: "👍" },
      uncomment("bob", "op2"),
    ]));
    expect(s.threads.t1.comments.map((c) => c.id)).toEqual(["op1", "op3"]);
    expect(JSON.stringify(s.threads)).not.toContain("👍");
    expect(s.version).toBe(5);
    expect(s.updatedAt).toBe(9004);
  });

  // Who may send an uncomment (its comment's author holding commenter or above, an owner, a
  // tenant admin acting as one) is the sequencer's decision (access/access-gate.ts, mayApply):
  // a committed one was allowed, and replay must not judge it again (a state is a function of
  // the log alone, whatever the ACL says).
  it("every committed uncomment applies, whoever sent it and whatever role they hold", () => {
    const entries = log([
      { by: "olga", type: "acl", id: "~owner", targetUserId: "olga", role: "owner" },
      { by: "olga", type: "acl", targetUserId: "ed", role: "editor" },
      comment("alice"),
      comment("bob"),
      comment("carol"),
      uncomment("ed", "op3"), // an editor, of alice's comment
      uncomment("zed", "op4"), // someone with no entry at all
    ]);
    const s = materialize(entries);
    expect(s.threads.t1.comments.map((c) => c.id)).toEqual(["op5"]);
    expect(s.version).toBe(7);
    const owner = applyEntries(s, log([uncomment("olga", "op5")], 8));
    expect(owner.threads.t1).toBeUndefined();
  });

  it("roles at the entry's time do not count: an uncomment by a demoted owner applies, as it would with no acl entries at all", () => {
    const withAcl = log([
      { by: "olga", type: "acl", id: "~owner", targetUserId: "olga", role: "owner" },
      comment("alice"),
      comment("bob"),
      { by: "olga", type: "acl", targetUserId: "olga", role: "editor" },
      uncomment("olga", "op2"),
      { by: "olga", type: "acl", targetUserId: "olga", role: "owner" },
    ]);
    const s = materialize(withAcl);
    expect(s.threads.t1.comments.map((c) => c.id)).toEqual(["op3"]);
    // The same comments and deletion with the acl entries left out: the same threads.
    const bare = withAcl.filter((e) => e.type !== "acl").map((e, i) => ({ ...e, seq: i + 1 }));
    expect(materialize(bare).threads).toEqual(s.threads);
  });

  it("the last comment's deletion removes the thread and its anchor; a later comment in that id starts a new thread", () => {
    const s = materialize(log([
      { by: "alice", type: "insert", pos: 0, text: "hello world" },
      comment("alice", "t1", { anchor: { pos: 6, len: 5 } }),
      uncomment("alice", "op2"),
      { by: "bob", type: "insert", pos: 0, text: ">> " },
      comment("bob", "t1"),
    ]));
    expect(s.threads.t1).toEqual({ id: "t1", comments: [{ id: "op5", userId: "bob", body: "by bob", ts: 9004, reactions: {} }] });
  });

  it("a thread keeps its anchor while comments remain, and it keeps moving with the text", () => {
    const s = materialize(log([
      { by: "alice", type: "insert", pos: 0, text: "hello world" },
      comment("alice", "t1", { anchor: { pos: 6, len: 5 } }),
      comment("bob"),
      uncomment("alice", "op2"),
      { by: "bob", type: "insert", pos: 0, text: ">> " },
    ]));
    expect(s.threads.t1).toEqual({ id: "t1", anchor: { pos: 9, len: 5 }, comments: [expect.objectContaining({ id: "op3" })] });
  });

  it("unknown thread, unknown comment, a comment of another thread, and a repeat change nothing but the version", () => {
    const base = log([comment("alice", "t1"), comment("alice", "t2"), comment("bob", "t2")]);
    const deleted = applyEntries(materialize(base), log([uncomment("bob", "op3", "t2")], 4));
    const noops = log([
      uncomment("alice", "op1", "nope"),
      uncomment("alice", "op99"),
      uncomment("alice", "op2", "t1"),
      uncomment("bob", "op3", "t2"),
    ], 5);
    const s = applyEntries(deleted, noops);
    expect(s.threads).toEqual(deleted.threads);
    expect(Object.keys(s.threads).sort()).toEqual(["t1", "t2"]);
    expect(s.threads.t1.comments.map((c) => c.id)).toEqual(["op1"]);
    expect(s.threads.t2.comments.map((c) => c.id)).toEqual(["op2"]);
    expect(s.version).toBe(8);
  });

  it("a reaction to a deleted comment changes nothing", () => {
    const s = materialize(log([comment("alice"), comment("bob"), uncomment("alice", "op1"), { by: "bob", type: "reaction", threadId: "t1", commentId: "op1", emoji: "🎉" }]));
    expect(s.threads.t1.comments).toEqual([expect.objectContaining({ id: "op2", reactions: {} })]);
  });

  it("thread ids like __proto__ stay plain keys when their last comment goes", () => {
    const s = materialize(log([comment("alice", "__proto__"), comment("alice", "toString"), uncomment("alice", "op1", "__proto__")]));
    expect(Object.keys(s.threads)).toEqual(["toString"]);
    expect(Object.getPrototypeOf(s.threads)).toBe(Object.prototype);
    expect(decodeState(encodeState(s)).threads).toEqual(s.threads);
  });

  it("leaves the input state unchanged", () => {
    const first = materialize(log([comment("alice"), comment("bob")]));
    const json = encodeState(first);
    const next = applyEntries(first, log([uncomment("alice", "op1"), uncomment("bob", "op2")], 3));
    expect(encodeState(first)).toBe(json);
    expect(next.threads.t1).toBeUndefined();
  });
});
