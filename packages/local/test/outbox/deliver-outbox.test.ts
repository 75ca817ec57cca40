import { describe, expect, it } from "vitest";
import { ManualClock } from "@weft/core";
import {
  deliver,
  MemoryBreakerStateStore,
  MemoryDeliveryDeadLetterStore,
  type DeliverDeps,
  type DeliveryCommand,
  type DeliveryOutcome,
} from "@weft/core/notify/delivery/index";
import { Outbox } from "../../src/outbox/index.js";

const T0 = Date.UTC(2025, 2, 9, 10);

function stack() {
  const clock = new ManualClock(T0);
  const outbox = new Outbox({ clock });
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const deps: DeliverDeps = {
    adapters: { email: outbox, sms: outbox, web_push: outbox, mobile_push: outbox },
    breakers: new MemoryBreakerStateStore(),
    deadLetters: new MemoryDeliveryDeadLetterStore(),
    clock,
    rand,
  };
  return { clock, outbox, deps };
}

let n = 0;
const email = (): DeliveryCommand => ({ notificationId: `n${++n}`, tenant: "t1", userId: "ann", channel: "email", provider: "ses", target: { kind: "email", address: "ann@example.com" }, title: "T", body: "B", attempt: 1 });
const webPush = (): DeliveryCommand => ({ ...email(), channel: "web_push", provider: "webpush", target: { kind: "web_push", deviceId: "laptop", subscription: { endpoint: "https://push.example/1", keys: { p256dh: "p", auth: "a" } } } });

/** The caller's loop: follow `retry` outcomes on the clock until the delivery settles. */
async function settle(s: ReturnType<typeof stack>, cmd: DeliveryCommand): Promise<{ out: DeliveryOutcome; trail: string[] }> {
  const trail: string[] = [];
  for (;;) {
    const out = await deliver(s.deps, cmd);
    trail.push(out.next === "retry" ? `retry(${out.reason})` : out.next);
    if (out.next !== "retry") return { out, trail };
    s.clock.set(out.at);
    cmd = { ...cmd, attempt: out.attempt };
  }
}

describe("deliver() against the local outbox with injected faults", () => {
  it("retries through two injected failures and shows the email once", async () => {
    const s = stack();
    s.outbox.setFaults([{ channel: "email", fail: "retryable", times: 2 }]);
    const cmd = email();
    const { out, trail } = await settle(s, cmd);
    expect(trail).toEqual(["retry(retryable)", "retry(retryable)", "done"]);
    expect(s.outbox.list()).toMatchObject([{ notificationId: cmd.notificationId, attempt: 3 }]);
    // A redelivery of the same notification (a queue retry after success) shows nothing new.
    expect(await deliver(s.deps, { ...cmd, attempt: 1 })).toEqual(out);
    expect(s.outbox.shown(cmd.notificationId)).toBe(1);
  });

  it("dead-letters after the web push budget (1 retry) when the provider keeps failing", async () => {
    const s = stack();
    s.outbox.setFaults([{ provider: "webpush", fail: "retryable" }]);
    const { out, trail } = await settle(s, webPush());
    expect(trail).toEqual(["retry(retryable)", "dead_letter"]);
    expect(out).toMatchObject({ next: "dead_letter", letter: { attempts: 2, channel: "web_push" } });
    expect((await s.deps.deadLetters.list("t1", { limit: 5 })).letters).toHaveLength(1);
  });

  it("opens the provider's breaker after 5 consecutive failures: later deliveries wait without reaching the outbox", async () => {
    const s = stack();
    s.outbox.setFaults([{ provider: "ses", fail: "retryable", times: 5 }]);
    for (let k = 0; k < 5; k++) expect((await deliver(s.deps, email())).next).toBe("retry");
    expect((await s.deps.breakers.load("ses")).state.status).toBe("open");
    const waiting = await deliver(s.deps, email());
    expect(waiting).toMatchObject({ next: "retry", reason: "breaker_open", attempt: 1 });
    expect(s.outbox.listFailures()).toHaveLength(5);
    // Another provider is unaffected; after the cool-down the probe goes through and closes it.
    expect((await deliver(s.deps, webPush())).next).toBe("done");
    if (waiting.next !== "retry") throw new Error("unreachable");
    s.clock.set(waiting.at);
    expect((await deliver(s.deps, email())).next).toBe("done");
    expect((await s.deps.breakers.load("ses")).state).toEqual({ status: "closed", failures: 0 });
  });

  it("turns an injected dead token into deleting that device", async () => {
    const s = stack();
    s.outbox.setFaults([{ channel: "web_push", fail: "invalid_token", times: 1 }]);
    expect(await deliver(s.deps, webPush())).toMatchObject({ next: "hard_failure", action: { type: "delete_device", deviceId: "laptop", userId: "ann" } });
  });
});
