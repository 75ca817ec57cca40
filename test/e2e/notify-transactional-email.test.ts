import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotifyApi, startFakeClockStack, until, type FakeClockStack } from "./fake-clock-stack.js";

/**
 * A transactional notification's email (tenant policy `fallback`) through the real local stack:
 * by default (`transactionalEmail: "without_push"`) it goes after the 15-minute delay only to a
 * user no push reaches by then, e.g. one whose push subscription the provider refused, and not
 * to one whose push got through; a bad mode is refused with the field named.
 */
const D = (hms: string) => Date.parse(`2025-01-06T${hms}Z`);

let s: FakeClockStack;
let api: NotifyApi;

beforeAll(async () => {
  s = await startFakeClockStack({ startAt: D("09:59:00") });
  api = new NotifyApi(s);
});

afterAll(async () => {
  await s?.stop();
});

const reasonsOf = (decisions: readonly any[]) => decisions.map((r) => `${r.reason}${r.channel ? `/${r.channel}` : ""}`);
const emails = async (userId: string) => (await s.outbox({ userId, channel: "email" })).deliveries;

describe("transactional email (fallback.transactionalEmail)", () => {
  it("push got through: no email at the delay; push refused (its device dropped): the email goes at the delay", async () => {
    for (const u of ["txok", "txgone"]) {
      await api.addWebPush(u);
      await s.setContacts(u, { email: { address: `${u}@example.test`, verified: true } });
    }
    await s.setClock(D("10:00:00"));
    await api.notify({ eventId: "tx-ok", recipients: ["txok"], class: "transactional", topic: "security", title: "New sign-in" });
    // The provider refuses txgone's subscription for good: the device is dropped.
    await s.setFaults([{ channel: "web_push", fail: "invalid_token", times: 1 }]);
    try {
      await api.notify({ eventId: "tx-gone", recipients: ["txgone"], class: "transactional", topic: "security", title: "New sign-in" });
      await until("txgone's push refused", async () => ((await s.outbox({ userId: "txgone", channel: "web_push" })).failures.length > 0 ? true : undefined));
    } finally {
      await s.setFaults([]);
    }
    expect(await api.pushes("txok")).toHaveLength(1);
    expect(await emails("txok")).toEqual([]);
    expect(await emails("txgone")).toEqual([]);

    await s.setClock(D("10:15:00"));
    await s.timersIdle();
    const [gone] = await until("txgone's email", async () => {
      const e = await emails("txgone");
      return e.length > 0 ? e : undefined;
    });
    expect([gone.deliveredAt, gone.title]).toEqual([D("10:15:00"), "New sign-in"]);
    expect(await emails("txok")).toEqual([]);
    const ok = await api.decisions("txok", "tx-ok");
    expect(reasonsOf(ok.filter((r) => r.at === D("10:15:00")))).toEqual(["suppressed:preference/email"]);
    expect(ok.find((r) => r.at === D("10:15:00"))!.detail).toBe(
      'fallback: web_push reaches the user; transactional email is for users no push reaches (policy fallback.transactionalEmail "without_push")',
    );
    expect(reasonsOf((await api.decisions("txgone", "tx-gone")).filter((r) => r.at === D("10:15:00")))).toEqual(["sent/email"]);
  });

  it("the policy shows the default, takes unread, and refuses an unknown mode naming the field", async () => {
    const admin = await s.adminToken();
    const got = await s.call("GET", "/v1/admin/notifications/policy", { token: admin });
    expect(got.status).toBe(200);
    expect(got.body.policy.fallback).toEqual({ transactionalDelayMs: 900_000, transactionalEmail: "without_push" });
    const bad = await s.call("PUT", "/v1/admin/notifications/policy", { token: admin, body: { fallback: { transactionalEmail: "always" } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_request");
    expect(bad.body.error.details).toEqual([{ path: "fallback.transactionalEmail", issue: expect.stringContaining("expected one of without_push, unread") }]);
    const put = await s.call("PUT", "/v1/admin/notifications/policy", { token: admin, body: { fallback: { transactionalEmail: "unread" } } });
    expect(put.status).toBe(200);
    expect(put.body.policy.fallback).toEqual({ transactionalDelayMs: 900_000, transactionalEmail: "unread" });
  });
});
