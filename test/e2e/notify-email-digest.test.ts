import { describe, expect, it } from "vitest";
import { fakeClockStackForFile, until } from "./fake-clock-stack.js";

/**
 * The tenant policy's email digest (docs/api.md, `emailDigest`) through the real local stack
 * on a test clock: POST /v1/notify -> notify engine -> in-app item at once -> notify timers at
 * the window's end -> one email in the local outbox, without what the user read in-app.
 */

const D = (hms: string) => Date.parse(`2025-01-10T${hms}Z`);
const file = fakeClockStackForFile(D("08:58:00"));

describe("email digest", () => {
  it("an email-only user gets social notifications in-app at once and one email an hour later, without the one read", async () => {
    const { s, api } = file;
    const put = await s.call("PUT", "/v1/admin/notifications/policy", { token: await s.adminToken(), body: { emailDigest: { classes: ["social"], windowMs: 3_600_000 } } });
    expect(put.status, put.text).toBe(200);
    expect(put.body.policy.emailDigest).toEqual({ classes: ["social"], windowMs: 3_600_000 });
    await s.setContacts("em", { email: { address: "em@example.test", verified: true } });

    await s.setClock(D("09:00:00"));
    await api.notify({ eventId: "m-1", recipients: ["em"], title: "Ann mentioned you" });
    await s.setClock(D("09:20:00"));
    await api.notify({ eventId: "m-2", recipients: ["em"], title: "Bo mentioned you" });
    const items = await until("both in-app items", async () => {
      const f = await api.feed("em");
      return f.length === 2 ? f : undefined;
    });
    expect(items.map((i) => i.title)).toEqual(["Bo mentioned you", "Ann mentioned you"]);
    const merged = await api.decisionsWhen("em", "m-1", (r) => r.includes("merged"));
    expect(merged.map((r) => `${r.reason}/${r.channel}`).sort()).toEqual(["merged/email", "sent/in_app"]);
    await s.timersIdle();
    expect((await s.outbox({ userId: "em" })).deliveries).toEqual([]);

    // Ann's mention is read in the app before the window ends: the email leaves it out.
    await s.setClock(D("09:30:00"));
    await api.markRead("em", { ids: [items.find((i) => i.title === "Ann mentioned you").id] });
    await s.setClock(D("10:00:00"));
    const [email] = await until("the digest email", async () => {
      const d = (await s.outbox({ userId: "em" })).deliveries;
      return d.length > 0 ? d : undefined;
    });
    expect(email).toMatchObject({ channel: "email", deliveredAt: D("10:00:00"), title: "Bo mentioned you" });
    expect(JSON.stringify(email)).not.toContain("Ann");
    await s.timersIdle();
    expect((await s.outbox({ userId: "em" })).deliveries).toHaveLength(1);
    const m2 = await api.decisionsWhen("em", "m-2", (r) => r.filter((x) => x === "sent").length === 2);
    expect(m2.map((r) => `${r.reason}/${r.channel}`).sort()).toEqual(["merged/email", "sent/email", "sent/in_app"]);
    expect(m2.find((r) => r.channel === "email" && r.reason === "sent").at).toBe(D("10:00:00"));
  });
});
