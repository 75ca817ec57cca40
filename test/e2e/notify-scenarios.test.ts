import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DocWriter, firstOutcome, maxInRollingWindow, NotifyApi, startFakeClockStack, until, type FakeClockStack } from "./fake-clock-stack.js";

/**
 * The notification engine's required scenarios (issue 4) through the real local stack: HTTP
 * routes, the event bus, the notify timers, the local outbox and the WebSocket, on a test
 * clock. One stack for the file; the clock only moves forward, so the scenarios run in time
 * order, each with users of its own (a user's caps and digests are independent of others').
 * Core-level twins with exact expectations: packages/core/test/notify/engine/*.test.ts.
 */

const HOUR = 3_600_000;
const Z = (iso: string) => Date.parse(iso);
const D = (hms: string) => Z(`2025-01-06T${hms}Z`);

let s: FakeClockStack;
let api: NotifyApi;
let seq = 0;
const eventId = (tag: string) => `${tag}-${++seq}`;

beforeAll(async () => {
  s = await startFakeClockStack({ startAt: D("07:59:00") });
  api = new NotifyApi(s);
});

afterAll(async () => {
  await s?.stop();
});

const reasonsOf = (decisions: readonly any[]) => decisions.map((r) => `${r.reason}${r.channel ? `/${r.channel}` : ""}`);

/** The decisions of each event for `userId`, once each has at least `min` of them. */
async function decisionsOf(userId: string, ids: string[], min = 1): Promise<any[][]> {
  return Promise.all(ids.map(async (id) => {
    try {
      return await until(`decisions of ${id}`, async () => {
        const d = await api.decisions(userId, id);
        return d.length >= min ? d : undefined;
      });
    } catch (err) {
      const r = await s.call("GET", `/v1/admin/notifications/decisions?userId=${userId}&limit=500`, { token: await s.adminToken() });
      const seen = (r.body?.decisions ?? []).map((x: any) => `${x.eventId}:${x.reason}`);
      throw new Error(`${(err as Error).message}; ${userId}'s log (${seen.length}): ${seen.join(", ")}`);
    }
  }));
}

describe("caps", () => {
  it("five events at the same instant into an empty window: exactly 3 sent; the other 2 go out together when a slot frees", async () => {
    await s.setClock(D("08:00:00"));
    await api.addWebPush("five");
    const ids = Array.from({ length: 5 }, () => eventId("five"));
    for (const id of ids) await api.notify({ eventId: id, recipients: ["five"] });
    const decisions = await decisionsOf("five", ids);
    expect(decisions.map(firstOutcome)).toEqual(["sent", "sent", "sent", "deferred", "deferred"]);
    expect((await api.pushes("five")).map((p) => p.deliveredAt)).toEqual([D("08:00:00"), D("08:00:00"), D("08:00:00")]);

    await s.setClock(D("09:00:00"));
    await s.timersIdle();
    expect(await api.pushes("five")).toHaveLength(3);
    await s.setClock(D("09:00:01"));
    const pushes = await until("the release of the deferred two", async () => {
      const p = await api.pushes("five");
      return p.length >= 4 ? p : undefined;
    });
    expect(pushes).toHaveLength(4);
    expect(pushes[3].deliveredAt).toBe(D("09:00:01"));
    const released = await decisionsOf("five", ids.slice(3), 3);
    for (const d of released) expect(d.find((r) => r.reason === "sent" && r.channel === "web_push")?.notificationId).toBe(pushes[3].notificationId);
  });

  it("the same event delivered 4 times -> one in-app item and one push", async () => {
    await s.setClock(D("09:10:00"));
    await api.addWebPush("dup");
    const id = eventId("dup");
    // Twice in turn (a client retry, a redelivery), then twice at once (racing handlers).
    for (let k = 0; k < 2; k++) {
      await api.notify({ eventId: id, recipients: ["dup"], title: "Dup" });
      await s.advance(1000);
    }
    await Promise.all([0, 1].map(() => api.notify({ eventId: id, recipients: ["dup"], title: "Dup" })));
    const feed = await api.feed("dup");
    expect(feed.map((i) => [i.eventIds, i.version])).toEqual([[[id], 1]]);
    const pushes = await api.pushes("dup");
    expect(pushes).toHaveLength(1);
    expect(pushes[0].resends).toBe(0);
    const decisions = await api.decisions("dup", id);
    expect(reasonsOf(decisions.slice(0, 2)).sort()).toEqual(["sent/in_app", "sent/web_push"]);
    // One duplicate record per instant (the log keeps one record per identity, `at` included).
    expect(decisions.slice(2).map((r) => [r.reason, r.at])).toEqual([
      ["duplicate", D("09:10:01")],
      ["duplicate", D("09:10:02")],
    ]);
  });

  it("sliding window: 10:00 ... 11:25 -> sent, sent, sent, deferred, deferred, sent, deferred, sent, sent", async () => {
    await s.setClock(D("09:59:00"));
    await api.addWebPush("capped");
    const times = ["10:00:00", "10:10:00", "10:20:00", "10:30:00", "10:59:59", "11:00:00", "11:00:01", "11:10:00", "11:25:00"];
    const ids: string[] = [];
    for (const t of times) {
      await s.setClock(D(t));
      const id = eventId("cap");
      ids.push(id);
      await api.notify({ eventId: id, recipients: ["capped"] });
    }
    await s.timersIdle();
    const decisions = await decisionsOf("capped", ids);
    expect(decisions.map(firstOutcome)).toEqual(["sent", "sent", "sent", "deferred", "deferred", "sent", "deferred", "sent", "sent"]);
    expect(decisions[3].find((r) => r.reason === "deferred:cap")?.detail).toBe("3 of 3 social sends in the last 60 min; next slot at 2025-01-06T11:00:00.000Z");
    // Deferred ones ride along with the next send: one push at 11:00 for three events, one at 11:10 for two.
    const pushes = await api.pushes("capped");
    expect(pushes.map((p) => new Date(p.deliveredAt).toISOString().slice(11, 19))).toEqual(["10:00:00", "10:10:00", "10:20:00", "11:00:00", "11:10:00", "11:25:00"]);
    const pushOf = (k: number) => decisions[k].find((r) => r.reason === "sent" && r.channel === "web_push")?.notificationId;
    expect([3, 4, 5].map(pushOf)).toEqual(Array(3).fill(pushes[3].notificationId));
    expect([6, 7].map(pushOf)).toEqual(Array(2).fill(pushes[4].notificationId));
    expect(pushes.map((p) => p.data?.count ?? 1)).toEqual([1, 1, 1, 3, 2, 1]);
    expect(maxInRollingWindow(pushes.map((p) => p.deliveredAt), HOUR)).toBe(3);
  });
});

describe("critical", () => {
  it("with the social budget spent: delivered at once on its own budget, the social budget unchanged, no SMS without consent", async () => {
    await s.setClock(D("11:59:00"));
    for (const u of ["crit", "crit2"]) {
      await api.addWebPush(u);
      await s.setContacts(u, { email: { address: `${u}@example.test`, verified: true }, phone: { number: "+14155550100", verified: true } });
    }
    const social = async (u: string, t: string) => {
      await s.setClock(D(t));
      const id = eventId(`${u}-social`);
      await api.notify({ eventId: id, recipients: [u] });
      return id;
    };
    const critical = async (u: string, t: string) => {
      await s.setClock(D(t));
      const id = eventId(`${u}-critical`);
      await api.notify({ eventId: id, recipients: [u], class: "critical", topic: "security", title: "New sign-in" });
      return id;
    };
    // crit: three social sends spend the budget; the critical goes at once anyway; a social one after it waits
    // for the slot its first social send frees (13:00), not one the critical would have taken (13:03).
    for (const t of ["12:00:00", "12:01:00", "12:02:00"]) await social("crit", t);
    const c = await critical("crit", "12:03:00");
    const after = await social("crit", "12:04:00");
    // crit2: two social sends, a critical, then a social one still finds the third social slot free.
    for (const t of ["12:05:00", "12:06:00"]) await social("crit2", t);
    const c2 = await critical("crit2", "12:07:00");
    const third = await social("crit2", "12:08:00");
    const fourth = await social("crit2", "12:09:00");

    // All at 12:03 (records of one instant are listed by identity, not in decision order).
    expect(reasonsOf(await api.decisions("crit", c)).sort()).toEqual(["bypass:critical", "sent/email", "sent/in_app", "sent/web_push", "suppressed:consent/sms"]);
    expect((await api.decisions("crit", c)).find((r) => r.reason === "bypass:critical")?.detail).toMatch(/1 of 2 critical sends.*bypassed the full social cap \(3 of 3/);
    const box = await s.outbox({ userId: "crit" });
    const critIds = new Set((await api.decisions("crit", c)).filter((r) => r.reason === "sent").map((r) => r.notificationId));
    expect(box.deliveries.filter((d) => critIds.has(d.notificationId)).map((d) => [d.channel, d.deliveredAt]).sort()).toEqual([
      ["email", D("12:03:00")],
      ["web_push", D("12:03:00")],
    ]);
    expect(box.deliveries.filter((d) => d.channel === "sms")).toEqual([]);
    expect((await api.decisions("crit", after)).find((r) => r.reason === "deferred:cap")?.detail).toBe(
      "3 of 3 social sends in the last 60 min; next slot at 2025-01-06T13:00:00.000Z",
    );

    expect(firstOutcome(await api.decisions("crit2", c2))).toBe("sent");
    expect([firstOutcome(await api.decisions("crit2", third)), firstOutcome(await api.decisions("crit2", fourth))]).toEqual(["sent", "deferred"]);
  });
});

describe("serialized decisions", () => {
  it("20 concurrent POST /v1/notify for one user at one instant: exactly 3 pushes in the hour, the other 17 in one message after it", async () => {
    await s.setClock(D("12:59:00"));
    await api.addWebPush("conc");
    await s.setClock(D("13:00:00"));
    const ids = Array.from({ length: 20 }, () => eventId("conc"));
    const replies = await Promise.all(ids.map((id) => api.notify({ eventId: id, recipients: ["conc"] })));
    expect(replies.map((r) => r.recipients)).toEqual(Array(20).fill(1));
    const decisions = await decisionsOf("conc", ids);
    const outcomes = decisions.map(firstOutcome);
    expect(outcomes.filter((o) => o === "sent")).toHaveLength(3);
    expect(outcomes.filter((o) => o === "deferred")).toHaveLength(17);
    expect(await api.pushes("conc")).toHaveLength(3);

    await s.setClock(D("13:59:59"));
    await s.timersIdle();
    expect(await api.pushes("conc")).toHaveLength(3);
    await s.setClock(D("14:00:01"));
    const pushes = await until("the release of the 17 deferred", async () => {
      const p = await api.pushes("conc");
      return p.length >= 4 ? p : undefined;
    });
    await s.timersIdle();
    expect(await api.pushes("conc")).toHaveLength(4);
    const deferred = ids.filter((_, k) => outcomes[k] === "deferred");
    for (const d of await decisionsOf("conc", deferred, 3)) {
      expect(d.find((r) => r.reason === "sent" && r.channel === "web_push")?.notificationId).toBe(pushes[3].notificationId);
    }
    expect(pushes[3].data).toEqual({ summary: true, count: 17 });
    expect(maxInRollingWindow(pushes.map((p) => p.deliveredAt), HOUR)).toBe(3);
  });
});

describe("delivery failures", () => {
  it("web push fails once (retryable): the push arrives after the retry; explain shows the failed attempt", async () => {
    await s.setClock(D("14:59:00"));
    await s.timersIdle();
    await api.addWebPush("flaky");
    await s.setFaults([{ channel: "web_push", fail: "retryable", times: 1 }]);
    try {
      await s.setClock(D("15:00:00"));
      const id = eventId("flaky");
      await api.notify({ eventId: id, recipients: ["flaky"], title: "Flaky" });
      const first = await s.outbox({ userId: "flaky", channel: "web_push" });
      expect(first.deliveries).toEqual([]);
      expect(first.failures.map((f) => [f.attempt, f.result.status])).toEqual([[1, "retryable"]]);
      // Web push retries once, after a full-jitter delay below 2 s.
      await s.advance(2000);
      const [push] = await until("the retried push", async () => {
        const p = await api.pushes("flaky");
        return p.length > 0 ? p : undefined;
      });
      expect(push).toMatchObject({ attempt: 2, title: "Flaky", resends: 0 });
      const [item] = await api.feed("flaky");
      // The retry's `sent` record is logged after the send the outbox already shows.
      const explained = await until("the retry's record", async () => {
        const e = await api.explain("flaky", item.id);
        return e.decisions.some((r: any) => r.at > D("15:00:00")) ? e : undefined;
      });
      const at15 = explained.decisions.filter((r: any) => r.at === D("15:00:00"));
      expect(reasonsOf(at15).sort()).toEqual(["failed:web_push/web_push", "sent/in_app", "sent/web_push"]);
      expect(at15.find((r: any) => r.reason === "failed:web_push").detail).toMatch(/^attempt 1: injected retryable fault .*; next attempt 2 at /);
      // The retry that got through is recorded too, so explain ends on the delivery.
      const later = explained.decisions.filter((r: any) => r.at > D("15:00:00"));
      expect(reasonsOf(later)).toEqual(["sent/web_push"]);
      expect(later[0].detail).toBe("delivered on attempt 2");
    } finally {
      await s.setFaults([]);
    }
  });
});

describe("digests and presence", () => {
  it("offline, two comments, then connected: the inbox shows the current digest; a later comment updates it live, no push; the push holds only what is unread, and no email goes with it", async () => {
    await s.setClock(D("15:59:00"));
    const doc = `roadmap-${Date.now().toString(36)}`;
    const w = new DocWriter(s, doc);
    const comment = (userId: string, body: string) => w.comment(userId, body);
    await api.addWebPush("rita");
    await s.setContacts("rita", { email: { address: "rita@example.test", verified: true } });
    // Rita creates the document open to comments by everyone in the tenant, writes it and
    // starts the thread: she watches it from then on.
    await w.share("rita", { everyone: true }, "commenter");
    await w.post("rita", [{ type: "insert", pos: 0, text: "Roadmap\n" }, { type: "comment", threadId: "t1", body: "thoughts?" }]);

    const digestAt = async (version: number) =>
      until(`rita's digest at version ${version}`, async () => (await api.feed("rita")).find((i) => i.docId === doc && i.version >= version));
    await s.setClock(D("16:01:00"));
    await comment("alice", "looks good");
    await digestAt(1);
    await s.setClock(D("16:02:00"));
    await comment("bob", "ship it");
    await digestAt(2);

    await s.setClock(D("16:03:00"));
    const ws = await s.connect("rita");
    try {
      const items = (await api.feed("rita")).filter((i) => i.docId === doc);
      expect(items).toHaveLength(1);
      const digest = items[0];
      expect(digest).toMatchObject({ version: 2, title: "bob and 1 other left 2 comments on Roadmap", topic: "comments" });
      expect(digest.readAt).toBeUndefined();

      await s.setClock(D("16:04:00"));
      await comment("carol", "agreed");
      const live = await ws.waitFor("the digest's update", (m) => m.type === "notification" && m.notification.id === digest.id && m.notification.version === 3);
      expect(live.notification).toMatchObject({ title: "carol and 2 others left 3 comments on Roadmap", eventIds: expect.arrayContaining(digest.eventIds) });
      expect(live.notification.eventIds).toHaveLength(3);

      // The digest flushes at 16:11 while Rita is connected: nothing goes out on other channels.
      await s.setClock(D("16:11:00"));
      await s.timersIdle();
      const box = await s.outbox({ userId: "rita" });
      expect(box.deliveries).toEqual([]);
      const firstDecisions = await api.decisions("rita", digest.eventIds[0]);
      expect(reasonsOf(firstDecisions)).toEqual(
        // Push held back by her presence; email left out because push reaches her (the cross-channel rule).
        expect.arrayContaining(["merged", "sent/in_app", "suppressed:presence/web_push", "suppressed:preference/email"]),
      );

      // A new digest: Rita reads it while connected, Dan comments, Rita leaves; its flush holds only Dan's.
      await s.setClock(D("16:12:00"));
      await comment("alice", "one more thing");
      const second = await until("the second digest", async () => (await api.feed("rita")).find((i) => i.docId === doc && i.id !== digest.id));
      await s.setClock(D("16:13:00"));
      const from = ws.received.length;
      expect((await api.markRead("rita", { ids: [second.id] })).read).toEqual([second.id]);
      await ws.waitFor("the read sync", (m) => m.type === "notification.read" && m.ids.includes(second.id), { from });
      await s.setClock(D("16:14:00"));
      await comment("dan", "late note");
      await ws.waitFor("the second digest's update", (m) => m.type === "notification" && m.notification.id === second.id && m.notification.version === 2, { from });
    } finally {
      await ws.close();
    }
    await s.offline("rita");
    await s.setClock(D("16:22:00"));
    const out = await until("the second digest's flush", async () => {
      const d = (await s.outbox({ userId: "rita" })).deliveries;
      return d.length >= 1 ? d : undefined;
    });
    await s.timersIdle();
    expect((await s.outbox({ userId: "rita" })).deliveries.map((d) => [d.channel, d.title, d.deliveredAt])).toEqual([
      ["web_push", "dan commented on Roadmap", D("16:22:00")],
    ]);
    expect(out).toHaveLength(1);
  });
});

describe("quiet hours", () => {
  it("22:00-07:00 across the 2025-03-09 US DST change: New York deferred to 07:00 EDT and merged; Kolkata at once", async () => {
    const M = (hms: string) => Z(`2025-03-09T${hms}Z`);
    await s.setClock(M("03:29:00"));
    await s.timersIdle();
    await api.putPreferences("ny", { quietHours: { start: "22:00", end: "07:00", timeZone: "America/New_York" } });
    await api.putPreferences("kol", { quietHours: { start: "22:00", end: "07:00", timeZone: "Asia/Kolkata" } });
    for (const u of ["ny", "kol"]) await api.addWebPush(u);
    // 03:30Z: 22:30 EST in New York, 09:00 IST in Kolkata; 08:00Z: 04:00 EDT, 13:30 IST.
    const times = ["03:30:00", "08:00:00"];
    const ids: string[] = [];
    for (const t of times) {
      await s.setClock(M(t));
      const id = eventId("night");
      ids.push(id);
      await api.notify({ eventId: id, recipients: ["ny", "kol"] });
    }
    for (const d of await decisionsOf("ny", ids)) {
      expect(d.find((r) => r.reason === "deferred:quiet_hours")?.detail).toBe("quiet hours (America/New_York) until 2025-03-09T11:00:00.000Z");
    }
    expect((await api.pushes("kol")).map((p) => p.deliveredAt)).toEqual(times.map(M));
    // In-app items are not interruptions: both are in New York's inbox at once.
    expect((await api.feed("ny")).map((i) => i.eventIds[0]).sort()).toEqual([...ids].sort());

    await s.setClock(M("10:59:59"));
    await s.timersIdle();
    expect(await api.pushes("ny")).toEqual([]);
    await s.setClock(M("11:00:00"));
    const [push, ...more] = await until("New York's morning push", async () => {
      const p = await api.pushes("ny");
      return p.length > 0 ? p : undefined;
    });
    await s.timersIdle();
    expect(more).toEqual([]);
    expect(push.deliveredAt).toBe(M("11:00:00"));
    expect(push.data).toEqual({ summary: true, count: 2 });
    for (const d of await decisionsOf("ny", ids, 3)) {
      expect(d.find((r) => r.reason === "sent" && r.channel === "web_push")?.notificationId).toBe(push.notificationId);
    }
    expect(await api.pushes("ny")).toHaveLength(1);
  });
});
