import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliveriesOf, openCommentDigest } from "./comment-digest-scenario.js";
import { NotifyApi, startFakeClockStack, until, type FakeClockStack } from "./fake-clock-stack.js";

/**
 * Comment deletion through the real local stack on a test clock: an `uncomment` op goes
 * HTTP -> inbox -> sequencer (who may delete: the author or an owner; a commenter deleting
 * someone else's comment is rejected with `forbidden`, told over the WebSocket and in the
 * receipt) -> log -> materializer (the comment leaves its thread) -> notify consumer (a
 * deletion notifies nobody) -> digest flush (rendered from the current document, so the
 * deleted comment's item drops out).
 */

const D = (hms: string) => Date.parse(`2025-01-08T${hms}Z`);

let s: FakeClockStack;
let api: NotifyApi;

beforeAll(async () => {
  s = await startFakeClockStack({ startAt: D("08:58:00") });
  api = new NotifyApi(s);
});

afterAll(async () => {
  await s?.stop();
});

describe("comment deletion and digests", () => {
  it("comments 09:00-09:08, Carol's deleted 09:09 -> one summary at 09:10 of 4 comments; a stranger's delete is rejected; Erin's 09:10:00 comment starts a new digest", async () => {
    // The app's identity sync gives the commenters display names: summaries use them.
    for (const who of ["alice", "bob", "carol", "dan", "erin"]) await s.setContacts(who, { name: who[0].toUpperCase() + who.slice(1) });
    const { w, feedItems } = await openCommentDigest(s, api, `roadmap-${Date.now().toString(36)}`, D);
    const doc = async () => (await s.call("GET", `/v1/docs/${w.docId}`, { token: await s.userToken("rex") })).body;
    const [digest] = await feedItems();
    expect(digest).toMatchObject({ version: 5, title: "Dan and 3 others left 5 comments on Roadmap" });

    await s.setClock(D("09:09:00"));
    // Mallory (a commenter through the document's everyone entry, not the author) tries to
    // delete Alice's first comment: ingest cannot know the comment's author and lets it through,
    // the sequencer rejects it, tells her live connection and the receipt, and the comment stays.
    const mallory = await s.connect("mallory");
    try {
      mallory.send({ action: "subscribe", docId: w.docId });
      await mallory.waitFor("subscribed", (m) => m.type === "subscribed" && m.docId === w.docId);
      await w.post("mallory", [{ type: "uncomment", threadId: "t1", commentId: "alice-1" }]);
      const rejected = await mallory.waitFor("the rejection", (m) => m.type === "rejected");
      expect(rejected).toEqual({ type: "rejected", docId: w.docId, id: "mallory-1", reason: "forbidden" });
    } finally {
      await mallory.close();
    }
    const receipt = await s.call("GET", `/v1/docs/${w.docId}/ops/mallory-1`, { token: await s.userToken("mallory") });
    expect(receipt.body).toMatchObject({ id: "mallory-1", status: "rejected", reason: "forbidden" });
    expect(receipt.body.message).toMatch(/op mallory-1: only the comment's author or a document owner may delete a comment; mallory has the commenter role, it needs owner/);

    // Carol deletes her own comment; the flush reads the document, so wait until it shows.
    await w.post("carol", [{ type: "uncomment", threadId: "t1", commentId: "carol-1" }]);
    const after = await until("the deletion to be materialized", async () => {
      const state = await doc();
      return state?.version >= 10 ? state : undefined;
    });
    expect(after.version).toBe(10);
    expect(after.threads.t1.comments.map((c: any) => c.id)).toEqual(["rex-2", "alice-1", "bob-1", "alice-2", "dan-1"]);

    await s.setClock(D("09:10:00"));
    await w.comment("erin", "late to the party");
    // By push alone: push reaches Rex, so no email goes with it (the cross-channel rule).
    const first = await deliveriesOf(s, "rex", 1);
    expect(first.map((d) => [d.channel, d.deliveredAt, d.title, d.data])).toEqual([
      ["web_push", D("09:10:00"), "Dan and 2 others left 4 comments on Roadmap", { summary: true, count: 4 }],
    ]);
    // Carol's comment dropped out at the flush, recorded as expired.
    const carolEvent = `${w.docId}.7`;
    expect(digest.eventIds).toContain(carolEvent);
    const reasons = (await api.decisionsWhen("rex", carolEvent, (r) => r.includes("expired"))).map((r) => r.reason);
    expect(reasons.filter((r) => r === "sent")).toEqual(["sent"]); // the in-app item only

    // Erin's comment opened a new digest; the old in-app item now shows the 4 comments left. Two
    // workers write them (the flush re-renders the old item, Erin's event makes the new one), in
    // either order: wait for both.
    const items = await until("Erin's digest and the flushed item's update", async () => {
      const list = await feedItems();
      const flushed = list.find((i) => i.id === digest.id);
      return list.length === 2 && flushed?.title !== digest.title ? list : undefined;
    });
    const old = items.find((i) => i.id === digest.id);
    const erin = items.find((i) => i.id !== digest.id);
    expect(old).toMatchObject({ title: "Dan and 2 others left 4 comments on Roadmap" });
    expect([...old.eventIds].sort()).toEqual([5, 6, 8, 9].map((n) => `${w.docId}.${n}`).sort());
    expect(erin).toMatchObject({ version: 1, title: "Erin commented on Roadmap", eventIds: [`${w.docId}.11`] });

    await s.setClock(D("09:20:00"));
    const all = await deliveriesOf(s, "rex", 2);
    expect(all.slice(1).map((d) => [d.channel, d.deliveredAt, d.title])).toEqual([
      ["web_push", D("09:20:00"), "Erin commented on Roadmap"],
    ]);
    await s.timersIdle();
    expect((await s.outbox({ userId: "rex" })).deliveries).toHaveLength(2);
  }, 60_000); // a long scenario: ~25 s on a loaded machine
});
