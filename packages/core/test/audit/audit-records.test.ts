import { describe, expect, test } from "vitest";
import { AUDIT_SUMMARY_MAX, auditRecordOf } from "../../src/audit/audit-records.js";
import type { LogEntry } from "../../src/ops/types.js";
import { variedEntries } from "../conformance/fixtures.js";

const envelope = { clientId: "c1", clientSeq: 1, userId: "ann", serverTs: 1_760_000_000_123 };

describe("auditRecordOf", () => {
  test("every action gets its who/what/when and a short summary", () => {
    const records = variedEntries(1, "op").map(auditRecordOf);
    expect(records.map((r) => [r.seq, r.opId, r.userId, r.action, r.at])).toEqual(
      variedEntries(1, "op").map((e) => [e.seq, e.id, "user-1", e.type, e.serverTs]),
    );
    expect(records.map((r) => r.summary)).toEqual([
      "inserted 30 chars at 0", // code points: the family emoji is 5
      "deleted 6 chars at 2 in 2 pieces",
      "formatted 4 chars at 0 (bold, color, size; cleared link)",
      "formatted 4 chars at 1 (italic)",
      "commented in thread th-1 (mentions u2, u3)",
      "commented in thread th-1",
      "reacted 🎉 to comment cm-1 in thread th-1",
      "task tk-1 upserted (assignee u2, status open)",
      "acl change: u3 -> commenter",
      "deleted 1 char at 0",
    ]);
    expect(records.map((r) => r.details)).toEqual([
      { pos: 0, len: 30 },
      { pos: 2, len: 6 },
      { pos: 0, len: 4, set: ["bold", "color", "size"], cleared: ["link"] },
      { pos: 1, len: 4, set: ["italic"], cleared: [] },
      { threadId: "th-1", mentions: ["u2", "u3"], anchored: true },
      { threadId: "th-1", mentions: [], anchored: false },
      { threadId: "th-1", commentId: "cm-1", emoji: "🎉" },
      { taskId: "tk-1", assignee: "u2", status: "open" },
      { targetUserId: "u3", role: "commenter" },
      { pos: 0, len: 1 },
    ]);
  });

  test("keeps no document content: inserted text, comment bodies and task titles stay in the log", () => {
    const json = JSON.stringify(variedEntries(1, "op").map(auditRecordOf));
    for (const content of ["Grüße", "Looks good", "Ship it", "no anchor"]) expect(json).not.toContain(content);
  });

  test("counts code points, names at most five mentions and cuts long summaries", () => {
    const insert: LogEntry = { ...envelope, seq: 1, id: "i", type: "insert", pos: 3, text: "👨‍👩‍👧é" };
    expect(auditRecordOf(insert).summary).toBe("inserted 6 chars at 3");
    const mentions = Array.from({ length: 8 }, (_, i) => `user${i}`);
    const comment: LogEntry = { ...envelope, seq: 2, id: "c", type: "comment", threadId: "t", body: "hi", mentions };
    const r = auditRecordOf(comment);
    expect(r.summary).toBe("commented in thread t (mentions user0, user1, user2, user3, user4 +3 more)");
    expect(r.details).toEqual({ threadId: "t", mentions, anchored: false });
    const task: LogEntry = { ...envelope, seq: 3, id: "t", type: "task", taskId: "x".repeat(64), assignee: "y".repeat(128), title: "T" };
    const long = auditRecordOf(task).summary;
    expect(Array.from(long)).toHaveLength(AUDIT_SUMMARY_MAX);
    expect(long.endsWith("…")).toBe(true);
    const noStatus: LogEntry = { ...envelope, seq: 4, id: "n", type: "task", taskId: "k", assignee: "bo", title: "T" };
    expect(auditRecordOf(noStatus)).toMatchObject({ summary: "task k upserted (assignee bo)", details: { taskId: "k", assignee: "bo" } });
    expect(auditRecordOf(noStatus).details).not.toHaveProperty("status");
    const clearOnly: LogEntry = { ...envelope, seq: 5, id: "f", type: "format", pos: 0, len: 2, attrs: { bold: null } };
    expect(auditRecordOf(clearOnly).summary).toBe("formatted 2 chars at 0 (cleared bold)");
  });
});
