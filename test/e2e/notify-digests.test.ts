import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DocWriter, NotifyApi, startFakeClockStack, until, type FakeClockStack } from "./fake-clock-stack.js";
import { deliveriesOf, openCommentDigest } from "./comment-digest-scenario.js";

/**
 * Digests rendered at flush time from the current document, through the real local stack
 * (committed comment ops -> event bus -> notify consumer -> digests -> notify timers -> local
 * outbox), on a test clock. One stack for the file; scenarios run in time order with users
 * and documents of their own. A deleted comment dropping out of a digest (the `uncomment` op)
 * is in notify-comment-delete.test.ts.
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

const docId = (tag: string) => `${tag}-${Date.now().toString(36)}`;

describe("digest", () => {
  it("comments 09:00-09:08 -> one summary at 09:10 with the title current then; a comment at 09:10:00 starts a new digest", async () => {
    const { w, feedItems } = await openCommentDigest(s, api, docId("roadmap"), D);
    const [digest] = await feedItems();
    expect(digest).toMatchObject({ version: 5, title: "dan and 3 others left 5 comments on Roadmap" });
    // Rex renames the document before the flush (his own edit notifies nobody he would hear from).
    await s.setClock(D("09:09:00"));
    await w.post("rex", [{ type: "insert", pos: 7, text: " Q3" }]);
    await until("the rename to be materialized", async () => {
      const r = await s.call("GET", `/v1/docs/${w.docId}`, { token: await s.userToken("rex") });
      return r.body?.text?.startsWith("Roadmap Q3") ? true : undefined;
    });

    await s.setClock(D("09:10:00"));
    await w.comment("erin", "late to the party");
    // By push alone: push reaches Rex, so no email goes with it (the cross-channel rule).
    const first = await deliveriesOf(s, "rex", 1);
    expect(first.map((d) => [d.channel, d.deliveredAt, d.title, d.data])).toEqual([
      ["web_push", D("09:10:00"), "dan and 3 others left 5 comments on Roadmap Q3", { summary: true, count: 5 }],
    ]);
    // Erin's comment opened a new digest (a new in-app item); the old item shows the current title.
    // The flush's own update of the old item and Erin's new item are written by different
    // workers (the timers and the bus consumer): wait for both.
    const items = await until("Erin's digest and the flushed one", async () => {
      const list = await feedItems();
      return list.length === 2 && list.some((i) => i.id === digest.id && i.title.endsWith("Roadmap Q3")) ? list : undefined;
    });
    const old = items.find((i) => i.id === digest.id);
    const erin = items.find((i) => i.id !== digest.id);
    expect(old).toMatchObject({ title: "dan and 3 others left 5 comments on Roadmap Q3", eventIds: digest.eventIds });
    expect(erin).toMatchObject({ version: 1, title: "erin commented on Roadmap Q3" });

    await s.setClock(D("09:20:00"));
    const all = await deliveriesOf(s, "rex", 2);
    expect(all.slice(1).map((d) => [d.channel, d.deliveredAt, d.title])).toEqual([
      ["web_push", D("09:20:00"), "erin commented on Roadmap Q3"],
    ]);
    await s.timersIdle();
    expect((await s.outbox({ userId: "rex" })).deliveries).toHaveLength(2);
  });

  it("access revoked before the flush: the digest is withdrawn and nothing about the document goes out", async () => {
    const w = new DocWriter(s, docId("plan"));
    await s.setClock(D("09:59:00"));
    await api.addWebPush("vic");
    await s.setClock(D("10:00:00"));
    // Olga creates the document and lets Bob comment on it (his own entry: vic's revocation
    // below must leave vic with no role at all).
    await w.share("olga", { userId: "bob" }, "commenter");
    await w.post("olga", [
      { type: "acl", userId: "olga", role: "owner" },
      { type: "acl", userId: "vic", role: "editor" },
      { type: "insert", pos: 0, text: "Plan\n" },
    ]);
    // Each step waits for its effect: the bus consumer decides at the clock's time when it runs.
    await until("the access notice", async () => ((await api.pushes("vic")).length >= 1 ? true : undefined));
    await s.setClock(D("10:01:00"));
    await w.comment("bob", "first");
    await until("vic's comment digest", async () => ((await api.feed("vic")).some((i) => i.topic === "comments") ? true : undefined));
    await s.setClock(D("10:02:00"));
    await w.comment("bob", "second");
    const digest = await until("vic's comment digest", async () => (await api.feed("vic")).find((i) => i.topic === "comments" && i.version >= 2));
    expect(digest.title).toBe("bob left 2 comments on Plan");

    await s.setClock(D("10:05:00"));
    await w.post("olga", [{ type: "acl", userId: "vic", role: "none" }]);
    await until("the revocation notice", async () => ((await api.pushes("vic")).length >= 2 ? true : undefined));
    await s.setClock(D("10:12:00"));
    await s.timersIdle();

    // Only the two access notices went out (transactional, at once); the comments and the edit never did.
    const pushes = await api.pushes("vic");
    expect(pushes.map((p) => [p.title, p.deliveredAt])).toEqual([
      ["olga gave you editor access to Plan", D("10:00:00")],
      ["olga removed your access to Plan", D("10:05:00")],
    ]);
    for (const eventId of digest.eventIds) {
      const reasons = (await api.decisionsWhen("vic", eventId, (r) => r.includes("suppressed:permission"))).map((r) => r.reason);
      expect(reasons.filter((r) => r === "sent")).toEqual(["sent"]); // the in-app item only
    }
    // Vic can no longer read the document: of its items the feed shows only the two access
    // notices (the withdrawn digest is hidden, and not counted unread).
    const items = await until("the feed to hide the document", async () => {
      const f = await api.feed("vic");
      return f.some((i) => i.id === digest.id) ? undefined : f;
    });
    expect(items.filter((i) => i.docId === w.docId).map((i) => i.title)).toEqual(["olga removed your access to Plan", "olga gave you editor access to Plan"]);
    expect((await api.feed("vic", true)).map((i) => i.id)).not.toContain(digest.id);
  });
});
