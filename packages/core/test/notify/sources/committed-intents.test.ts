import { describe, expect, test } from "vitest";
import { applyEntries, emptyState } from "../../../src/materialize/state.js";
import type { LogEntry } from "../../../src/ops/types.js";
import { batchMayNotify, docTitle, intentsOfBatch, type WatcherActivity } from "../../../src/notify/sources/committed-intents.js";

const T = 1_760_000_000_000;
let seq = 0;
const env = (userId: string) => ({ seq: ++seq, id: `op${seq}`, clientId: `c-${userId}`, clientSeq: seq, userId, serverTs: T + seq * 1000 });

function run(history: LogEntry[][], watchers: WatcherActivity[] = [], editWindowMs = 600_000) {
  let state = emptyState();
  const known = new Map(watchers.map((w) => [w.userId, w]));
  const out = [];
  for (const entries of history) {
    state = applyEntries(state, entries);
    const r = intentsOfBatch({ tenant: "acme", docId: "roadmap", entries, state, watchers: known, editWindowMs });
    for (const t of r.touched) known.set(t.userId, t);
    out.push(r);
  }
  return { out, known, state };
}

const who = (r: { intents: Array<{ userId: string; topic: string }> }) => r.intents.map((i) => `${i.topic}:${i.userId}`).sort();

describe("intentsOfBatch", () => {
  test("comments notify mentions, thread participants and watchers once each, never the actor", () => {
    seq = 0;
    const { out } = run([
      [{ ...env("owner"), type: "insert", pos: 0, text: "Roadmap\nQ3 plans" }, { ...env("owner"), type: "acl", targetUserId: "viewer1", role: "viewer" }],
      [{ ...env("bob"), type: "comment", threadId: "t1", body: "first" }],
      [{ ...env("carol"), type: "comment", threadId: "t1", body: "hey @bob @dan", mentions: ["bob", "dan"] }],
    ]);
    // viewer1 has a role once the batch is applied, so it hears of the owner's edit too.
    expect(who(out[0])).toEqual(["edits:viewer1", "permissions:viewer1"]);
    expect(out[0].intents.find((i) => i.topic === "permissions")).toMatchObject({ class: "transactional", title: "owner gave you viewer access to Roadmap", eventId: "roadmap.2" });
    expect(who(out[1])).toEqual(["comments:owner", "comments:viewer1"]);
    expect(who(out[2])).toEqual(["comments:owner", "comments:viewer1", "mentions:bob", "mentions:dan"]);
    expect(out[2].intents.find((i) => i.userId === "dan")).toMatchObject({ title: "carol mentioned you in Roadmap", body: "hey @bob @dan", subject: { kind: "comment", id: "op4" } });
  });

  test("reactions go to the comment's author, tasks to the assignee, an acl removal to the removed user", () => {
    seq = 0;
    const { out } = run([
      [{ ...env("bob"), type: "comment", threadId: "t1", body: "ship it" }],
      [
        { ...env("alice"), type: "reaction", threadId: "t1", commentId: "op1", emoji: "👍" },
        { ...env("alice"), type: "task", taskId: "k1", assignee: "bob", title: "Write the launch post", status: "open" },
        { ...env("alice"), type: "reaction", threadId: "t1", commentId: "missing", emoji: "👍" },
        { ...env("alice"), type: "acl", targetUserId: "eve", role: "none" },
        { ...env("bob"), type: "task", taskId: "k2", assignee: "bob", title: "self-assigned" },
      ],
    ]);
    expect(out[1].intents.map((i) => [i.topic, i.userId, i.title])).toEqual([
      ["reactions", "bob", "alice reacted 👍 to your comment in roadmap"],
      ["tasks", "bob", 'alice assigned you "Write the launch post" in roadmap'],
      ["permissions", "eve", "alice removed your access to roadmap"],
    ]);
  });

  test("edits notify the watchers at most once per editor per window", () => {
    seq = 0;
    // Seq 1 is an insert: a document from before access control (everyone editor, alice owner).
    const { out, known, state } = run([
      [{ ...env("alice"), type: "insert", pos: 0, text: "Roadmap\n" }],
      [{ ...env("bob"), type: "insert", pos: 8, text: "b" }, { ...env("bob"), type: "delete", pos: 8, len: 1 }],
      [{ ...env("alice"), type: "insert", pos: 8, text: "c" }],
    ], [], 60_000);
    expect(who(out[0])).toEqual([]);
    expect(who(out[1])).toEqual(["edits:alice"]);
    expect(out[1].intents[0]).toMatchObject({ title: "bob edited Roadmap", eventId: "roadmap.3" });
    expect(who(out[2])).toEqual([]); // alice's edit notice went out at batch 1 (to nobody), inside the window
    expect(known.get("bob")).toMatchObject({ since: T + 2000, editsNotifiedAt: T + 3000 });
    const later = intentsOfBatch({
      tenant: "acme",
      docId: "roadmap",
      entries: [{ ...env("alice"), serverTs: T + 120_000, type: "insert", pos: 0, text: "d" }],
      state, // bob may still read (everyone editor), so he still watches
      watchers: known,
      editWindowMs: 60_000,
    });
    expect(who(later)).toEqual(["edits:bob"]);
  });

  test("titles name actors by their display names when given, else by user id; recipients stay user ids", () => {
    seq = 0;
    const entries = [
      { ...env("owner"), type: "insert", pos: 0, text: "Roadmap" },
      { ...env("owner"), type: "acl", targetUserId: "ann", role: "editor" },
      { ...env("dan"), type: "comment", threadId: "t1", body: "hi", mentions: ["ann"] },
      { ...env("erin"), type: "task", taskId: "k1", assignee: "ann", title: "Ship it" },
    ] as LogEntry[];
    const state = applyEntries(emptyState(), entries);
    const actorNames = new Map([["dan", "Dan Abramov"], ["owner", "Olga Owner"]]);
    const { intents } = intentsOfBatch({ tenant: "acme", docId: "roadmap", entries, state, watchers: new Map(), editWindowMs: 600_000, actorNames });
    const toAnn = intents.filter((i) => i.userId === "ann").map((i) => [i.topic, i.actorId, i.title]);
    expect(toAnn).toEqual([
      ["permissions", "owner", "Olga Owner gave you editor access to Roadmap"],
      ["mentions", "dan", "Dan Abramov mentioned you in Roadmap"],
      ["tasks", "erin", 'erin assigned you "Ship it" in Roadmap'],
      ["edits", "owner", "Olga Owner edited Roadmap"],
    ]);
  });

  test("watchers are the ACL's user entries and the activity watchers: group and everyone entries name no one", () => {
    seq = 0;
    const { out } = run([
      [
        { ...env("olga"), clientSeq: 0, id: "~owner", type: "acl", targetUserId: "olga", role: "owner" },
        { ...env("olga"), clientSeq: 0, id: "~everyone", type: "acl", everyone: true, role: "editor" },
        { ...env("olga"), type: "insert", pos: 0, text: "Roadmap" },
        { ...env("olga"), type: "acl", targetGroupId: "eng", role: "viewer" },
        { ...env("olga"), type: "acl", targetUserId: "ann", role: "commenter" },
      ],
      [{ ...env("bob"), type: "insert", pos: 7, text: "!" }],
      [{ ...env("ann"), type: "comment", threadId: "t1", body: "nice" }],
    ]);
    // Only ann, the one user entry besides the actor, hears of the owner's edit and her new role.
    expect(who(out[0])).toEqual(["edits:ann", "permissions:ann"]);
    expect(who(out[1])).toEqual(["edits:ann", "edits:olga"]);
    // bob edited (an activity watcher now); nobody is named "users", "groups", "everyone" or "eng".
    expect(who(out[2])).toEqual(["comments:bob", "comments:olga"]);
  });

  test("the title is the first non-empty line, cut to 60 characters, else the doc id", () => {
    const state = (text: string) => applyEntries(emptyState(), [{ ...env("a"), seq: 1, type: "insert", pos: 0, text }]);
    expect(docTitle(state("\n\n  Launch plan  \nbody"), "d")).toBe("Launch plan");
    expect(docTitle(state("x".repeat(100)), "d")).toBe(`${"x".repeat(59)}…`);
    expect(docTitle(emptyState(), "d")).toBe("d");
  });
});

describe("batchMayNotify", () => {
  const edit = (userId: string, serverTs: number) => ({ seq: 1, id: "o", clientId: "c", clientSeq: 1, userId, serverTs, type: "insert" as const, pos: 0, text: "x" });
  const watchers = new Map([["ann", { userId: "ann", since: 0, editsNotifiedAt: 1_000 }]]);

  test("text edits by editors inside their notice window cause nothing; anything else may", () => {
    expect(batchMayNotify([edit("ann", 5_000), edit("ann", 9_000)], watchers, 60_000)).toBe(false);
    expect(batchMayNotify([edit("ann", 61_000)], watchers, 60_000)).toBe(true);
    expect(batchMayNotify([edit("ann", 5_000), edit("bob", 5_000)], watchers, 60_000)).toBe(true);
    expect(batchMayNotify([{ ...edit("ann", 5_000), type: "comment", threadId: "t", body: "hi" }], watchers, 60_000)).toBe(true);
    expect(batchMayNotify([{ ...edit("ann", 5_000), type: "acl", targetUserId: "bob", role: "viewer" }], watchers, 60_000)).toBe(true);
  });
});
