import { describe, expect, test } from "vitest";
import { applyEntries, emptyState } from "../../../src/materialize/state.js";
import type { LogEntry } from "../../../src/ops/types.js";
import { batchMayNotify, intentsOfBatch, type WatcherActivity } from "../../../src/notify/sources/committed-intents.js";

const T = 1_760_000_000_000;
const entry = (seq: number, userId: string, body: Record<string, unknown>) =>
  ({ seq, id: `op${seq}`, clientId: `c-${userId}`, clientSeq: seq, userId, serverTs: T + seq * 1000, ...body }) as LogEntry;

describe("uncomment notifies nobody", () => {
  // A document as the sequencer creates it in a tenant whose new documents everyone may comment on.
  const history = [
    { ...entry(1, "owner", { type: "acl", targetUserId: "owner", role: "owner" }), id: "~owner", clientSeq: 0 },
    { ...entry(2, "owner", { type: "acl", everyone: true, role: "commenter" }), id: "~everyone", clientSeq: 0 },
    entry(3, "bob", { type: "comment", threadId: "t1", body: "first" }),
    entry(4, "carol", { type: "comment", threadId: "t1", body: "second" }),
  ];
  const watchers = new Map<string, WatcherActivity>(["bob", "carol", "dan"].map((u) => [u, { userId: u, since: T }]));

  test("a batch of deletions yields no intent and touches no watcher, and may skip the state read", () => {
    const batch = [entry(5, "carol", { type: "uncomment", threadId: "t1", commentId: "op4" }), entry(6, "owner", { type: "uncomment", threadId: "t1", commentId: "op3" })];
    const state = applyEntries(applyEntries(emptyState(), history), batch);
    expect(state.threads).toEqual({});
    expect(intentsOfBatch({ tenant: "acme", docId: "roadmap", entries: batch, state, watchers, editWindowMs: 600_000 })).toEqual({ intents: [], touched: [] });
    // "erin" is no watcher: a deletion does not make its sender one either.
    const strangers = new Map<string, WatcherActivity>();
    expect(intentsOfBatch({ tenant: "acme", docId: "roadmap", entries: batch, state, watchers: strangers, editWindowMs: 600_000 }).touched).toEqual([]);
    expect(batchMayNotify(batch, strangers, 600_000)).toBe(false);
  });

  test("mixed with other ops, only those notify; a reaction to a comment deleted in the same batch notifies nobody", () => {
    const batch = [
      entry(5, "dan", { type: "reaction", threadId: "t1", commentId: "op3", emoji: "👍" }),
      entry(6, "bob", { type: "uncomment", threadId: "t1", commentId: "op3" }),
      entry(7, "dan", { type: "comment", threadId: "t1", body: "third" }),
    ];
    const state = applyEntries(applyEntries(emptyState(), history), batch);
    expect(batchMayNotify(batch, watchers, 600_000)).toBe(true);
    const { intents } = intentsOfBatch({ tenant: "acme", docId: "roadmap", entries: batch, state, watchers, editWindowMs: 600_000 });
    expect(intents.map((i) => [i.eventId, i.topic, i.userId])).toEqual([
      ["roadmap.7", "comments", "carol"],
      ["roadmap.7", "comments", "owner"],
      ["roadmap.7", "comments", "bob"],
    ]);
  });
});
