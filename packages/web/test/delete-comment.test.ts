import { afterEach, describe, expect, it } from "vitest";
import { freshDoc } from "../../../test/e2e/http.js";
import type { RejectedEvent, WeftClient } from "../src/index.js";
import { refusal, shareAs, stackClient, until } from "./stack-client.js";

const open: WeftClient[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

function client(user: string): WeftClient {
  const c = stackClient({ user, backoff: { initialMs: 20, maxMs: 300 }, ackTimeoutMs: 300 });
  open.push(c);
  return c;
}

const commentIds = (doc: { state: { threads: Record<string, { comments: { id: string }[] }> } }, threadId = "t1") =>
  doc.state.threads[threadId]?.comments.map((c) => c.id);

describe("deleteComment (local stack)", () => {
  it("the author deletes; another user's delete is rejected (forbidden) and changes nothing; both views agree", async () => {
    const docId = freshDoc("uncomment");
    // ann owns the document (seq 1) and lets ben comment (seq 2): he may delete his own comments only.
    await shareAs("ann", docId, { userId: "ben" }, "commenter");
    const ann = client("ann").doc(docId);
    const ben = client("ben").doc(docId);
    await Promise.all([ann.ready, ben.ready]);
    const [first] = ann.comment("t1", "first");
    const [second] = ann.comment("t1", "second");
    const [own] = ben.comment("t2", "ben's");
    await Promise.all([ann.whenSynced(), ben.whenSynced()]);
    await until("ben sees ann's comments", () => commentIds(ben)?.length === 2);

    const rejected: RejectedEvent[] = [];
    ben.on("rejected", (r) => rejected.push(r));
    const [denied] = ben.deleteComment("t1", first);
    await ben.whenSynced();
    expect(rejected).toEqual([expect.objectContaining({ id: denied, reason: "forbidden" })]);

    const [deleted] = ann.deleteComment("t1", first);
    expect(deleted).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(deleted).not.toBe(first);
    ben.deleteComment("t2", own); // the thread's last comment: the thread goes
    await Promise.all([ann.whenSynced(), ben.whenSynced()]);
    await until("both at the head", () => ann.version === ben.version && ann.version === 7);
    for (const doc of [ann, ben]) {
      expect(commentIds(doc)).toEqual([second]);
      expect(doc.state.threads.t2).toBeUndefined();
    }
    // Deleting what is already gone commits and changes nothing.
    ann.deleteComment("t1", first);
    await ann.whenSynced();
    await until("ann at the head", () => ann.version === 8);
    expect(commentIds(ann)).toEqual([second]);
  });

  it("bad ids are refused before anything is sent", async () => {
    const doc = client("carl").doc(freshDoc("uncomment-input"));
    await doc.ready;
    expect(refusal(() => doc.deleteComment("bad id!", "c1"))).toBe("invalid_request: uncomment.threadId: expected an id matching [A-Za-z0-9_-]{1,64}");
    expect(refusal(() => doc.deleteComment("t1", ""))).toBe("invalid_request: uncomment.commentId: expected an id matching [A-Za-z0-9_-]{1,64}");
    expect(refusal(() => doc.deleteComment("t1", 7 as unknown as string))).toMatch(/uncomment.commentId/);
    expect(doc.pending).toBe(0);
  });
});
