import { describe, expect, it } from "vitest";
import { ManualClock } from "@weft/core";
import type { DeliveryCommand } from "@weft/core/notify/delivery/index";
import { Outbox } from "../../src/outbox/index.js";

let n = 0;
function cmd(over: Partial<DeliveryCommand> = {}): DeliveryCommand {
  return { notificationId: `n${++n}`, tenant: "t1", userId: "ann", channel: "email", provider: "ses", target: { kind: "email", address: "ann@example.com" }, title: "T", body: "B", attempt: 1, ...over };
}
const sms = (over: Partial<DeliveryCommand> = {}) => cmd({ channel: "sms", provider: "sns", target: { kind: "phone", number: "+14155550100" }, ...over });

/** A sleep that parks until released, recording the requested durations. */
function parkedSleep() {
  const waits: Array<{ ms: number; release: () => void }> = [];
  return { waits, sleep: (ms: number) => new Promise<void>((release) => waits.push({ ms, release })) };
}

describe("Outbox", () => {
  it("fails the next N matching sends, then delivers; other channels are untouched", async () => {
    const outbox = new Outbox();
    expect(outbox.setFaults([{ channel: "email", fail: "retryable", times: 2, retryAfterMs: 500 }])).toEqual([{ channel: "email", fail: "retryable", times: 2, retryAfterMs: 500, remaining: 2 }]);
    const c = cmd();
    expect(await outbox.send(c)).toEqual({ status: "retryable", error: "injected retryable fault (email/ses)", retryAfterMs: 500 });
    expect((await outbox.send(sms())).status).toBe("delivered");
    expect((await outbox.send({ ...c, attempt: 2 })).status).toBe("retryable");
    expect(outbox.faults()[0].remaining).toBe(0);
    expect((await outbox.send({ ...c, attempt: 3 })).status).toBe("delivered");
    expect(outbox.list({ channel: "email" })).toMatchObject([{ notificationId: c.notificationId, attempt: 3, resends: 0 }]);
    expect(outbox.listFailures().map((f) => f.attempt)).toEqual([1, 2]);
  });

  it("fails always without times, matches on provider, and the first rule with sends left wins", async () => {
    const outbox = new Outbox();
    outbox.setFaults([{ provider: "apns", fail: "invalid_token" }, { channel: "mobile_push", fail: "retryable", times: 1 }, { channel: "mobile_push", fail: "rejected" }]);
    const apns = () => cmd({ channel: "mobile_push", provider: "apns", target: { kind: "device_token", deviceId: "d", platform: "apns", token: "t" } });
    for (let k = 0; k < 3; k++) expect(await outbox.send(apns())).toMatchObject({ status: "hard", kind: "invalid_token" });
    const fcm = () => cmd({ channel: "mobile_push", provider: "fcm", target: { kind: "device_token", deviceId: "d", platform: "fcm", token: "t" } });
    expect((await outbox.send(fcm())).status).toBe("retryable");
    expect((await outbox.send(fcm())).status).toBe("rejected");
    expect((await outbox.send(fcm())).status).toBe("rejected");
    outbox.setFaults([]);
    expect((await outbox.send(fcm())).status).toBe("delivered");
  });

  it("answers late by the rule's latency, delivering or failing", async () => {
    const { waits, sleep } = parkedSleep();
    const outbox = new Outbox({ sleep });
    outbox.setFaults([{ channel: "sms", latencyMs: 250, times: 1 }, { channel: "sms", latencyMs: 40, fail: "invalid_address" }]);
    const first = outbox.send(sms());
    await Promise.resolve();
    expect(waits.map((w) => w.ms)).toEqual([250]);
    expect(outbox.list()).toEqual([]);
    waits[0].release();
    expect((await first).status).toBe("delivered");
    const second = outbox.send(sms());
    await Promise.resolve();
    waits[1].release();
    expect(await second).toMatchObject({ status: "hard", kind: "invalid_address" });
    expect(waits.map((w) => w.ms)).toEqual([250, 40]);
  });

  it("shows a notification once even when two sends of it overlap during latency", async () => {
    const { waits, sleep } = parkedSleep();
    const outbox = new Outbox({ sleep });
    outbox.setFaults([{ latencyMs: 100 }]);
    const c = cmd();
    const a = outbox.send(c);
    const b = outbox.send({ ...c, attempt: 2 });
    await Promise.resolve();
    waits.forEach((w) => w.release());
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra).toEqual(rb);
    expect(outbox.shown(c.notificationId)).toBe(1);
    expect(outbox.list()[0].resends).toBe(1);
  });

  it("dedups per (notificationId, channel): the same id on another channel is its own delivery", async () => {
    const outbox = new Outbox({ clock: new ManualClock(42) });
    const email = cmd();
    await outbox.send(email);
    await outbox.send(sms({ notificationId: email.notificationId }));
    expect(outbox.shown(email.notificationId)).toBe(2);
    expect(outbox.list({ notificationId: email.notificationId }).map((d) => [d.channel, d.deliveredAt])).toEqual([["email", 42], ["sms", 42]]);
  });

  it("filters listings, clears everything but the faults, and keeps at most maxEntries", async () => {
    const outbox = new Outbox({ maxEntries: 3 });
    outbox.setFaults([{ channel: "web_push", fail: "retryable" }]);
    for (const userId of ["ann", "bob", "ann", "cy"]) await outbox.send(cmd({ userId }));
    expect(outbox.list().map((d) => d.userId)).toEqual(["bob", "ann", "cy"]);
    expect(outbox.list({ userId: "ann" })).toHaveLength(1);
    expect(outbox.list({ tenant: "other" })).toEqual([]);
    const old = cmd({ userId: "ann" });
    await outbox.send(old);
    outbox.clear();
    expect(outbox.list()).toEqual([]);
    expect(outbox.faults()).toHaveLength(1);
    // Cleared dedup memory: the same notification is delivered (and shown) again.
    await outbox.send(old);
    expect(outbox.shown(old.notificationId)).toBe(1);
  });
});
