import { describe, expect, it } from "vitest";
import type { LogEntry } from "../../src/ops/types.js";
import { applyEntries, decodeState, emptyState, encodeState, materialize } from "../../src/index.js";

/** Builds a log from op bodies: seq/id/envelope filled in, seq 1.. (or from `start`). */
type Body = LogEntry extends infer E ? (E extends LogEntry ? Omit<E, "seq" | "id" | "clientId" | "clientSeq" | "userId" | "serverTs"> & { userId?: string; id?: string } : never) : never;
function log(bodies: Body[], start = 1): LogEntry[] {
  return bodies.map((b, i) => ({ clientId: "c", clientSeq: start + i, userId: "alice", serverTs: 5000 + start + i, id: `op${start + i}`, ...b, seq: start + i }) as LogEntry);
}

describe("materialize: text and formatting", () => {
  it("insert/delete with emoji positions in code points", () => {
    const s = materialize(log([
      { type: "insert", pos: 0, text: "héllo 🌍!" },
      { type: "insert", pos: 7, text: "🎉" }, // after the globe (code point 6)
      { type: "delete", pos: 6, len: 1 }, // the globe
      { type: "delete", pos: 3, len: 0 }, // len 0: no-op
    ]));
    expect(s.text).toBe("héllo 🎉!");
    expect(s.spans).toEqual([{ text: "héllo 🎉!" }]);
    expect(s.version).toBe(4);
    expect(s.updatedAt).toBe(5004);
  });

  it("delete ranges remove exactly the pieces (pre-op coordinates)", () => {
    const s = materialize(log([
      { type: "insert", pos: 0, text: "abcdefgh" },
      { type: "delete", pos: 1, len: 6, ranges: [{ pos: 1, len: 2 }, { pos: 5, len: 2 }] },
    ]));
    expect(s.text).toBe("adeh");
  });

  it("format splits and merges spans; null removes a key; ranges format only the pieces", () => {
    const base = log([
      { type: "insert", pos: 0, text: "abcdefgh" },
      { type: "format", pos: 2, len: 3, attrs: { bold: true } },
    ]);
    let s = materialize(base);
    expect(s.spans).toEqual([{ text: "ab" }, { text: "cde", attrs: { bold: true } }, { text: "fgh" }]);
    s = applyEntries(s, log([{ type: "format", pos: 0, len: 2, attrs: { bold: true } }], 3));
    expect(s.spans).toEqual([{ text: "abcde", attrs: { bold: true } }, { text: "fgh" }]);
    s = applyEntries(s, log([{ type: "format", pos: 1, len: 6, attrs: { color: "red" }, ranges: [{ pos: 1, len: 1 }, { pos: 6, len: 1 }] }], 4));
    expect(s.spans).toEqual([
      { text: "a", attrs: { bold: true } },
      { text: "b", attrs: { bold: true, color: "red" } },
      { text: "cde", attrs: { bold: true } },
      { text: "f" },
      { text: "g", attrs: { color: "red" } },
      { text: "h" },
    ]);
    s = applyEntries(s, log([{ type: "format", pos: 0, len: 8, attrs: { bold: null, color: null } }], 5));
    expect(s.spans).toEqual([{ text: "abcdefgh" }]);
  });

  it("inserted text is unformatted, even inside a formatted span", () => {
    const s = materialize(log([
      { type: "insert", pos: 0, text: "ab" },
      { type: "format", pos: 0, len: 2, attrs: { i: true } },
      { type: "insert", pos: 1, text: "😀" },
    ]));
    expect(s.spans).toEqual([{ text: "a", attrs: { i: true } }, { text: "😀" }, { text: "b", attrs: { i: true } }]);
  });

  it("deleting the unformatted middle merges the neighbours into one span", () => {
    const s = materialize(log([
      { type: "insert", pos: 0, text: "abc" },
      { type: "format", pos: 0, len: 3, attrs: { b: 1 } },
      { type: "insert", pos: 1, text: "XY" },
      { type: "delete", pos: 1, len: 2 },
    ]));
    expect(s.spans).toEqual([{ text: "abc", attrs: { b: 1 } }]);
  });
});

describe("materialize: threads, tasks, acl", () => {
  const entries = log([
    { type: "insert", pos: 0, text: "0123456789" },
    { type: "comment", threadId: "t1", body: "look", anchor: { pos: 3, len: 4 }, mentions: ["bob"] },
    { type: "insert", pos: 3, text: "AB" }, // at the anchor start: outside -> anchor moves
    { type: "insert", pos: 7, text: "🙂" }, // strictly inside: grows
    { type: "insert", pos: 10, text: "Z" }, // at the anchor end: outside
    { type: "delete", pos: 4, len: 3 }, // overlaps the anchor start (5..10)
    { type: "comment", threadId: "t1", body: "reply", userId: "bob" },
    { type: "reaction", threadId: "t1", commentId: "op2", emoji: "👍", userId: "carol" },
    { type: "reaction", threadId: "t1", commentId: "op2", emoji: "👍", userId: "bob" },
    { type: "reaction", threadId: "t1", commentId: "op2", emoji: "👍", userId: "carol" }, // idempotent
    { type: "reaction", threadId: "t1", commentId: "nope", emoji: "👍" }, // unknown comment: ignored
    { type: "task", taskId: "k1", assignee: "bob", title: "Fix", status: "open" },
    { type: "task", taskId: "k1", assignee: "carol", title: "Fix it", userId: "bob" }, // keeps status
    { type: "acl", targetUserId: "bob", role: "editor" },
    { type: "acl", targetUserId: "carol", role: "viewer" },
    { type: "acl", targetUserId: "carol", role: "none" },
  ]);

  it("anchors move with text; comments, reactions, tasks and acl fold as documented", () => {
    const s = materialize(entries);
    expect(s.text).toBe("012A🙂56Z789");
    expect(s.threads).toEqual({
      t1: {
        id: "t1",
        anchor: { pos: 4, len: 3 }, // 5..10 after the inserts; deleting 4..7 cuts its first 2 -> 4..7
        comments: [
          { id: "op2", userId: "alice", body: "look", mentions: ["bob"], ts: 5002, reactions: { "👍": ["bob", "carol"] } },
          { id: "op7", userId: "bob", body: "reply", ts: 5007, reactions: {} },
        ],
      },
    });
    expect(s.tasks).toEqual({ k1: { id: "k1", assignee: "carol", title: "Fix it", status: "open", updatedBy: "bob", updatedAt: 5013 } });
    // Seq 1 is not an acl entry: a pre-access-control document (alice, its author, owns it).
    expect(s.acl).toEqual({ users: { alice: "owner", bob: "editor" }, groups: {}, everyone: "editor" });
    expect(s.version).toBe(16);
  });

  it("anchor steps: start-edge insert moves it, inside grows it, end-edge does not, delete shrinks", () => {
    const at = (n: number) => materialize(entries.slice(0, n)).threads.t1.anchor;
    expect(at(2)).toEqual({ pos: 3, len: 4 });
    expect(at(3)).toEqual({ pos: 5, len: 4 });
    expect(at(4)).toEqual({ pos: 5, len: 5 });
    expect(at(5)).toEqual({ pos: 5, len: 5 });
    expect(at(6)).toEqual({ pos: 4, len: 3 });
  });

  it("an anchor whose text is all deleted keeps len 0 at the deletion point", () => {
    const s = materialize(log([
      { type: "insert", pos: 0, text: "abcdef" },
      { type: "comment", threadId: "t", body: "x", anchor: { pos: 2, len: 2 } },
      { type: "delete", pos: 1, len: 4 },
      { type: "insert", pos: 1, text: "Q" }, // at a len-0 anchor: it stays behind the insert
    ]));
    expect(s.threads.t.anchor).toEqual({ pos: 2, len: 0 });
  });
});

describe("applyEntries contract", () => {
  const entries = log([
    { type: "insert", pos: 0, text: "abc" },
    { type: "format", pos: 0, len: 1, attrs: { b: true } },
    { type: "acl", targetUserId: "u", role: "owner" },
  ]);

  it("rejects gaps, repeats and a log not starting at version+1", () => {
    const s = materialize(entries.slice(0, 1));
    expect(() => applyEntries(s, entries.slice(2))).toThrow(/expected seq 2 but got 3/);
    expect(() => applyEntries(s, entries.slice(0, 1))).toThrow(/expected seq 2 but got 1/);
    expect(() => materialize([entries[0], entries[2]])).toThrow(/expected seq 2 but got 3/);
    expect(() => materialize(entries.slice(1))).toThrow(/expected seq 1/);
  });

  it("rejects an entry that does not fit the document", () => {
    expect(() => materialize(log([{ type: "insert", pos: 1, text: "x" }]))).toThrow(RangeError);
    expect(() => materialize(log([{ type: "insert", pos: 0, text: "x" }, { type: "delete", pos: 0, len: 2 }]))).toThrow(/seq 2/);
  });

  it("is pure: the input state never changes, also when applying fails", () => {
    const s1 = materialize(entries.slice(0, 2));
    const before = encodeState(s1);
    const s2 = applyEntries(s1, entries.slice(2));
    applyEntries(s1, log([{ type: "delete", pos: 0, len: 3 }, { type: "comment", threadId: "t", body: "b" }], 3));
    expect(() => applyEntries(s1, log([{ type: "insert", pos: 0, text: "zz" }, { type: "delete", pos: 0, len: 99 }], 3))).toThrow();
    expect(encodeState(s1)).toBe(before);
    expect(s2.acl).toEqual({ users: { alice: "owner", u: "owner" }, groups: {}, everyone: "editor" });
    expect(s1.acl).toEqual({ users: { alice: "owner" }, groups: {}, everyone: "editor" });
    expect(applyEntries(s1, [])).toBe(s1);
  });

  it("empty state", () => {
    expect(JSON.parse(encodeState(emptyState()))).toEqual({ version: 0, text: "", spans: [], threads: {}, tasks: {}, acl: { users: {}, groups: {}, everyone: "none" }, updatedAt: 0 });
  });

  it("ids like __proto__ stay plain keys", () => {
    const s = materialize(log([
      { type: "acl", targetUserId: "owner", role: "owner" },
      { type: "task", taskId: "__proto__", assignee: "a", title: "t" },
      { type: "comment", threadId: "toString", body: "b" },
    ]));
    expect(Object.getPrototypeOf(s.acl.users)).toBe(Object.prototype);
    expect(Object.keys(s.tasks)).toEqual(["__proto__"]);
    expect(Object.entries(s.threads)).toEqual([["toString", { id: "toString", comments: [expect.objectContaining({ body: "b" })] }]]);
  });

  // User and group ids are ordinary ids whatever they spell: access/doc-acl.ts writes them as
  // own properties and reads them with Object.hasOwn.
  it("acl user and group ids like __proto__ stay plain keys", () => {
    const s = materialize(log([
      { type: "acl", targetUserId: "owner", role: "owner" },
      { type: "acl", targetUserId: "__proto__", role: "viewer" },
      { type: "acl", targetGroupId: "__proto__", role: "editor" },
    ]));
    expect(Object.keys(s.acl.users)).toEqual(["owner", "__proto__"]);
    expect(Object.keys(s.acl.groups)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(s.acl.users)).toBe(Object.prototype);
  });
});

describe("materialize: acl (access/doc-acl.ts aclAfter)", () => {
  it("a log starting with an acl entry (a document created under access control) starts from no access at all", () => {
    const created = log([
      { type: "acl", id: "~owner", targetUserId: "alice", role: "owner" },
      { type: "insert", pos: 0, text: "hi", userId: "bob" },
    ]);
    expect(materialize(created.slice(0, 1)).acl).toEqual({ users: { alice: "owner" }, groups: {}, everyone: "none" });
    // The insert adds nothing (and its author gets no entry): only acl entries change the ACL.
    expect(materialize(created).acl).toEqual({ users: { alice: "owner" }, groups: {}, everyone: "none" });
  });

  it("a log whose seq 1 is not an acl entry (from before access control) starts as everyone editor, owned by the author of seq 1", () => {
    const legacy = materialize(log([
      { type: "comment", threadId: "t", body: "first!", userId: "bob" },
      { type: "insert", pos: 0, text: "x", userId: "carol" },
    ]));
    expect(legacy.acl).toEqual({ users: { bob: "owner" }, groups: {}, everyone: "editor" });
    // Later acl entries fold on top of that start, the everyone entry included.
    const later = applyEntries(legacy, log([
      { type: "acl", targetUserId: "bob", role: "editor", userId: "bob" },
      { type: "acl", everyone: true, role: "viewer", userId: "bob" },
      { type: "acl", targetUserId: "carol", role: "owner", userId: "bob" },
    ], 3));
    expect(later.acl).toEqual({ users: { bob: "editor", carol: "owner" }, groups: {}, everyone: "viewer" });
    // Only seq 1 decides: a non-acl entry later never resets the ACL.
    expect(applyEntries(later, log([{ type: "insert", pos: 0, text: "y", userId: "dan" }], 6)).acl).toEqual(later.acl);
  });

  it("group and everyone entries fold like user entries: the last one per target wins, none removes the entry (everyone: none)", () => {
    const entries = log([
      { type: "acl", id: "~owner", targetUserId: "olga", role: "owner", userId: "olga" },
      { type: "acl", id: "~everyone", everyone: true, role: "viewer", userId: "olga" },
      { type: "acl", targetGroupId: "eng", role: "editor", userId: "olga" },
      { type: "acl", targetGroupId: "sales@acme", role: "commenter", userId: "olga" },
      { type: "acl", targetGroupId: "eng", role: "owner", userId: "olga" },
      { type: "acl", targetUserId: "eng", role: "viewer", userId: "olga" }, // a user named like a group: its own entry
      { type: "acl", targetGroupId: "sales@acme", role: "none", userId: "olga" },
      { type: "acl", everyone: true, role: "commenter", userId: "olga" },
    ]);
    const s = materialize(entries);
    expect(s.acl).toEqual({ users: { olga: "owner", eng: "viewer" }, groups: { eng: "owner" }, everyone: "commenter" });
    expect(materialize(entries.slice(0, 4)).acl).toEqual({ users: { olga: "owner" }, groups: { eng: "editor", "sales@acme": "commenter" }, everyone: "viewer" });
    const closed = applyEntries(s, log([{ type: "acl", everyone: true, role: "none", userId: "olga" }], 9));
    expect(closed.acl).toEqual({ users: { olga: "owner", eng: "viewer" }, groups: { eng: "owner" }, everyone: "none" });
    // Pure: the state it was applied to keeps its ACL.
    expect(s.acl.everyone).toBe("commenter");
    expect(decodeState(encodeState(closed)).acl).toEqual(closed.acl);
  });
});
