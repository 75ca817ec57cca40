import { describe, expect, test } from "vitest";
import { applyEntries, emptyState } from "../../../src/materialize/state.js";
import type { LogEntry } from "../../../src/ops/types.js";
import { intentsOfBatch, mayStillRead, readAccessOf, type WatcherActivity } from "../../../src/notify/sources/committed-intents.js";

/**
 * The document source and access (issue 10): every intent carries the recipient's readAccess
 * from the ACL after the batch; watchers the ACL leaves no way to read stop being watchers.
 * The engine's side: ../engine/access.test.ts.
 */

const T = 1_760_000_000_000;
const entry = (seq: number, userId: string, body: Record<string, unknown>) =>
  ({ seq, id: `op${seq}`, clientId: `c-${userId}`, clientSeq: seq, userId, serverTs: T + seq * 1000, ...body }) as LogEntry;
const acl = (seq: number, by: string, target: Record<string, unknown>, role: string) => entry(seq, by, { type: "acl", role, ...target });

/** A document created by olga (owner), with ann an editor and a "Roadmap" title. */
const created = [
  acl(1, "olga", { targetUserId: "olga" }, "owner"),
  entry(2, "olga", { type: "insert", pos: 0, text: "Roadmap\n" }),
  acl(3, "olga", { targetUserId: "ann" }, "editor"),
];

function batch(history: LogEntry[], entries: LogEntry[], watchers: WatcherActivity[] = []) {
  const state = applyEntries(applyEntries(emptyState(), history), entries);
  return intentsOfBatch({ tenant: "acme", docId: "roadmap", entries, state, watchers: new Map(watchers.map((w) => [w.userId, w])), editWindowMs: 0 });
}

const rows = (r: ReturnType<typeof batch>) => r.intents.map((i) => [i.topic, i.userId, i.readAccess]);

describe("readAccess on document intents", () => {
  test("a mention of a non-member is still made, marked unreadable; a member's is readable", () => {
    const r = batch(created, [entry(4, "ann", { type: "comment", threadId: "t1", body: "@olga @zed look", mentions: ["olga", "zed"] })]);
    expect(rows(r)).toEqual([
      ["mentions", "olga", true],
      ["mentions", "zed", []],
    ]);
  });

  test("the everyone entry makes everyone a reader; group entries list the groups that could let a user read", () => {
    const open = batch([...created, { ...acl(4, "olga", { everyone: true }, "viewer") }], [entry(5, "ann", { type: "task", taskId: "k", assignee: "zed", title: "x" })]);
    expect(rows(open)).toEqual([["tasks", "zed", true]]);
    const grouped = batch(
      [...created, acl(4, "olga", { targetGroupId: "eng" }, "commenter"), acl(5, "olga", { targetGroupId: "ops" }, "viewer")],
      [entry(6, "ann", { type: "task", taskId: "k", assignee: "zed", title: "x" }), entry(7, "ann", { type: "task", taskId: "k2", assignee: "olga", title: "y" })],
    );
    expect(rows(grouped)).toEqual([
      ["tasks", "zed", ["eng", "ops"]],
      ["tasks", "olga", true],
    ]);
  });

  test("readAccessOf and mayStillRead", () => {
    const of = readAccessOf({ users: { ann: "viewer" }, groups: { eng: "editor" }, everyone: "none" });
    expect(of("ann")).toBe(true);
    expect(of("bob")).toEqual(["eng"]);
    expect(mayStillRead(of("bob"))).toBe(true);
    expect(mayStillRead(readAccessOf({ users: {}, groups: {}, everyone: "none" })("bob"))).toBe(false);
    expect(readAccessOf({ users: {}, groups: {}, everyone: "commenter" })("bob")).toBe(true);
  });
});

describe("revocation", () => {
  const watchers = [
    { userId: "ann", since: T },
    { userId: "bob", since: T },
  ];

  test("the removed user gets the access notice (unreadable, subject acl), stops being a watcher and hears no edits", () => {
    const history = [...created, acl(4, "olga", { targetUserId: "bob" }, "editor")];
    const r = batch(history, [acl(5, "olga", { targetUserId: "bob" }, "none"), entry(6, "ann", { type: "insert", pos: 0, text: "x" })], watchers);
    expect(rows(r)).toEqual([
      ["permissions", "bob", []],
      ["edits", "olga", true],
    ]);
    expect(r.intents[0]).toMatchObject({ class: "transactional", title: "olga removed your access to xRoadmap", subject: { kind: "acl", id: "roadmap.bob" } });
    expect(r.removed).toEqual(["bob"]);
    expect(r.touched.map((w) => w.userId)).toEqual(["ann"]);
  });

  test("an everyone flip to none removes activity watchers without an entry; group entries keep them (the engine judges their groups)", () => {
    const history = [...created, acl(4, "olga", { everyone: true }, "editor")];
    const flip = batch(history, [acl(5, "olga", { everyone: true }, "none")], [...watchers, { userId: "cy", since: T }]);
    expect(flip.intents).toEqual([]);
    expect(flip.removed).toEqual(["bob", "cy"]);

    const grouped = [...history, acl(5, "olga", { targetGroupId: "eng" }, "viewer")];
    const r = batch(grouped, [acl(6, "olga", { everyone: true }, "none"), entry(7, "ann", { type: "comment", threadId: "t1", body: "hi" })], watchers);
    expect(r.removed).toBeUndefined();
    expect(rows(r)).toEqual([
      ["comments", "olga", true],
      ["comments", "bob", ["eng"]],
    ]);
  });

  test("a former participant of a thread still gets comment intents (decided suppressed:permission), but not as a watcher", () => {
    const history = [...created, acl(4, "olga", { targetUserId: "bob" }, "commenter"), entry(5, "bob", { type: "comment", threadId: "t1", body: "mine" }), acl(6, "olga", { targetUserId: "bob" }, "none")];
    const r = batch(history, [entry(7, "ann", { type: "comment", threadId: "t1", body: "reply" })], watchers);
    expect(rows(r)).toEqual([
      ["comments", "bob", []],
      ["comments", "olga", true],
    ]);
    expect(r.removed).toEqual(["bob"]);
  });

  test("a batch that builds no watcher list (reactions, tasks, deletions) removes nobody", () => {
    const history = [...created, entry(4, "ann", { type: "comment", threadId: "t1", body: "c" })];
    const r = batch(history, [entry(5, "olga", { type: "reaction", threadId: "t1", commentId: "op4", emoji: "👍" })], [{ userId: "gone", since: T }]);
    expect(rows(r)).toEqual([["reactions", "ann", true]]);
    expect(r.removed).toBeUndefined();
  });
});
