import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/ports/clock.js";
import type { ChannelAdapter, DeliveryCommand, DeliveryResult } from "../../../src/notify/delivery/channel-adapter.js";
import type { BreakerConfig } from "../../../src/notify/delivery/circuit-breaker.js";
import { deliver, type DeliverDeps } from "../../../src/notify/delivery/deliver.js";
import { MemoryBreakerStateStore, MemoryDeliveryDeadLetterStore } from "../../../src/notify/delivery/memory/index.js";
import { RETRY_POLICIES } from "../../../src/notify/delivery/retry-policy.js";
import { EXTERNAL_CHANNELS } from "../../../src/notify/delivery/delivery-schema.js";
import type { ExternalChannel } from "../../../src/notify/vocabulary.js";

const T0 = 1_760_000_000_000;
const CFG: BreakerConfig = { threshold: 3, coolDownMs: 30_000, probeTimeoutMs: 10_000 };

/** A provider that answers from a script (then "delivered"), counting calls; `hold` parks calls until released. */
class ScriptedProvider implements ChannelAdapter {
  calls: DeliveryCommand[] = [];
  script: Array<DeliveryResult | "throw"> = [];
  held: Array<() => void> = [];
  hold = false;
  async send(cmd: DeliveryCommand): Promise<DeliveryResult> {
    this.calls.push(cmd);
    if (this.hold) await new Promise<void>((r) => this.held.push(r));
    const next = this.script.shift() ?? { status: "delivered", providerMessageId: `m-${this.calls.length}` };
    if (next === "throw") throw new Error("bug");
    return next;
  }
}

function setup(adapters: Partial<Record<ExternalChannel, ChannelAdapter>>, rand = () => 0.5) {
  const clock = new ManualClock(T0);
  const deps: DeliverDeps = { adapters, breakers: new MemoryBreakerStateStore(), deadLetters: new MemoryDeliveryDeadLetterStore(), clock, rand, breakerConfig: CFG };
  return { deps, clock };
}

let n = 0;
function cmd(over: Partial<DeliveryCommand> = {}): DeliveryCommand {
  return {
    notificationId: `n${++n}`,
    tenant: "t1",
    userId: "u1",
    channel: "email",
    provider: "ses",
    target: { kind: "email", address: "ann@example.com" },
    title: "Hi",
    body: "There",
    attempt: 1,
    ...over,
  };
}

const retryable: DeliveryResult = { status: "retryable", error: "Throttling" };

describe("deliver", () => {
  it("returns done with the provider's message id", async () => {
    const p = new ScriptedProvider();
    const { deps } = setup({ email: p });
    expect(await deliver(deps, cmd())).toEqual({ next: "done", providerMessageId: "m-1" });
    expect(await deps.breakers.load("ses")).toEqual({ state: { status: "closed", failures: 0 }, version: 0 });
  });

  it("schedules retries with backoff through the email budget (3), then dead-letters, listable", async () => {
    const p = new ScriptedProvider();
    p.script = [retryable, retryable, retryable, retryable];
    const { deps, clock } = setup({ email: p });
    const deps2 = { ...deps, breakerConfig: { ...CFG, threshold: 10 } };
    let c = cmd();
    const ats: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const out = await deliver(deps2, c);
      expect(out).toMatchObject({ next: "retry", attempt: attempt + 1, reason: "retryable", error: "Throttling" });
      if (out.next !== "retry") throw new Error("unreachable");
      ats.push(out.at - clock.now());
      clock.set(out.at);
      c = { ...c, attempt: out.attempt };
    }
    // rand = 0.5: half of base * 2^(n-1).
    const { baseMs } = RETRY_POLICIES.email;
    expect(ats).toEqual([baseMs / 2, baseMs, baseMs * 2]);
    const out = await deliver(deps2, c);
    expect(out).toMatchObject({ next: "dead_letter", error: "Throttling", letter: { notificationId: c.notificationId, attempts: 4, channel: "email", provider: "ses", deadAt: clock.now(), command: c } });
    expect((await deps.deadLetters.list("t1", { limit: 10 })).letters).toEqual([out.next === "dead_letter" && out.letter]);
    expect(p.calls).toHaveLength(4);
  });

  it("waits at least a provider's Retry-After", async () => {
    const p = new ScriptedProvider();
    p.script = [{ status: "retryable", error: "429", retryAfterMs: 120_000 }];
    const { deps } = setup({ mobile_push: p });
    const out = await deliver(deps, cmd({ channel: "mobile_push", provider: "fcm", target: { kind: "device_token", deviceId: "d1", platform: "fcm", token: "tok" } }));
    expect(out).toMatchObject({ next: "retry", at: T0 + 120_000, attempt: 2 });
  });

  it("turns a hard failure into the recipient action, never retried, and counts it as provider health", async () => {
    const p = new ScriptedProvider();
    p.script = [{ status: "hard", kind: "invalid_token", error: "410 Gone" }];
    const { deps } = setup({ web_push: p });
    const c = cmd({ channel: "web_push", provider: "webpush", target: { kind: "web_push", deviceId: "dev-9", subscription: { endpoint: "https://push.example/e", keys: { p256dh: "p", auth: "a" } } } });
    expect(await deliver(deps, c)).toEqual({
      next: "hard_failure",
      kind: "invalid_token",
      error: "410 Gone",
      action: { type: "delete_device", tenant: "t1", userId: "u1", deviceId: "dev-9", reason: "invalid_token" },
    });
    expect((await deps.breakers.load("webpush")).state).toEqual({ status: "closed", failures: 0 });
  });

  it("dead-letters a rejected message at once, and treats an adapter throw as retryable", async () => {
    const p = new ScriptedProvider();
    p.script = [{ status: "rejected", error: "MessageRejected" }, "throw"];
    const { deps } = setup({ email: p });
    expect(await deliver(deps, cmd())).toMatchObject({ next: "dead_letter", error: "MessageRejected", letter: { attempts: 1 } });
    expect(await deliver(deps, cmd())).toMatchObject({ next: "retry", attempt: 2, error: "adapter threw: bug" });
  });

  it("throws when no adapter serves the channel", async () => {
    const { deps } = setup({ email: new ScriptedProvider() });
    await expect(deliver(deps, cmd({ channel: "sms", provider: "sns", target: { kind: "phone", number: "+14155550100" } }))).rejects.toThrow(/no channel adapter for sms/);
  });

  it("opens the provider's breaker after consecutive failures: no provider call, attempt kept, then one probe", async () => {
    const p = new ScriptedProvider();
    p.script = [retryable, retryable, retryable];
    const { deps, clock } = setup({ email: p });
    for (let k = 0; k < 3; k++) await deliver(deps, cmd());
    expect((await deps.breakers.load("ses")).state).toEqual({ status: "open", openedAt: T0, until: T0 + CFG.coolDownMs });

    const waiting = cmd({ attempt: 2 });
    const refused = await deliver(deps, waiting);
    expect(refused).toMatchObject({ next: "retry", reason: "breaker_open", attempt: 2 });
    if (refused.next !== "retry") throw new Error("unreachable");
    expect(refused.at).toBeGreaterThanOrEqual(T0 + CFG.coolDownMs);
    expect(refused.at).toBeLessThan(T0 + CFG.coolDownMs + RETRY_POLICIES.email.baseMs);
    expect(p.calls).toHaveLength(3);

    // Another provider's breaker is its own.
    const sms = new ScriptedProvider();
    const other = await deliver({ ...deps, adapters: { ...deps.adapters, sms } }, cmd({ channel: "sms", provider: "sns", target: { kind: "phone", number: "+14155550100" } }));
    expect(other.next).toBe("done");

    // After the cool-down, concurrent deliveries: exactly one probe reaches the provider.
    clock.set(T0 + CFG.coolDownMs);
    p.hold = true;
    const racing = [cmd(), cmd(), cmd(), cmd()].map((c) => deliver(deps, c));
    await new Promise((r) => setTimeout(r, 0));
    expect(p.calls).toHaveLength(4);
    p.held.forEach((release) => release());
    const outs = await Promise.all(racing);
    expect(outs.filter((o) => o.next === "done")).toHaveLength(1);
    expect(outs.filter((o) => o.next === "retry" && o.reason === "breaker_open")).toHaveLength(3);
    expect((await deps.breakers.load("ses")).state).toEqual({ status: "closed", failures: 0 });
  });

  it("a failed probe reopens the breaker for another cool-down", async () => {
    const p = new ScriptedProvider();
    p.script = [retryable, retryable, retryable, retryable];
    const { deps, clock } = setup({ email: p });
    for (let k = 0; k < 3; k++) await deliver(deps, cmd());
    clock.advance(CFG.coolDownMs);
    expect((await deliver(deps, cmd())).next).toBe("retry");
    expect((await deps.breakers.load("ses")).state).toEqual({ status: "open", openedAt: clock.now(), until: clock.now() + CFG.coolDownMs });
  });

  it("property: driven by its outcomes, every delivery ends done, hard or dead-lettered within its budget", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer(), fc.array(fc.constantFrom(...EXTERNAL_CHANNELS), { minLength: 1, maxLength: 12 }), async (seed, channels) => {
        let s = seed >>> 0;
        const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
        // A flaky provider: 60% retryable, 10% hard, 5% rejected, the rest delivered.
        const flaky: ChannelAdapter = {
          send: async (c) => {
            const r = rand();
            if (r < 0.6) return { status: "retryable", error: "flaky" };
            if (r < 0.7) return { status: "hard", kind: c.channel === "email" ? "bounce" : c.channel === "sms" ? "invalid_address" : "invalid_token", error: "hard" };
            if (r < 0.75) return { status: "rejected", error: "rejected" };
            return { status: "delivered", providerMessageId: `m${r}` };
          },
        };
        const { deps, clock } = setup(Object.fromEntries(EXTERNAL_CHANNELS.map((c) => [c, flaky])), rand);
        const targets = {
          email: { kind: "email", address: "a@b.c" },
          sms: { kind: "phone", number: "+14155550100" },
          web_push: { kind: "web_push", deviceId: "d", subscription: { endpoint: "https://p.example/x", keys: { p256dh: "p", auth: "a" } } },
          mobile_push: { kind: "device_token", deviceId: "d", platform: "fcm", token: "t" },
        } as const;
        let deadLetters = 0;
        for (const channel of channels) {
          let c = cmd({ channel, provider: channel === "email" ? "ses" : channel === "sms" ? "sns" : channel === "web_push" ? "webpush" : "fcm", target: targets[channel] });
          let providerAttempts = 0;
          for (let round = 0; ; round++) {
            expect(round).toBeLessThan(100);
            const out = await deliver(deps, c);
            if (out.next === "retry") {
              if (out.reason === "retryable") providerAttempts++;
              expect(out.at).toBeGreaterThanOrEqual(clock.now());
              clock.set(out.at);
              c = { ...c, attempt: out.attempt };
              continue;
            }
            providerAttempts++;
            expect(providerAttempts).toBeLessThanOrEqual(RETRY_POLICIES[channel].retries + 1);
            if (out.next === "hard_failure") expect(out.action).toBeDefined();
            if (out.next === "dead_letter") deadLetters++;
            break;
          }
        }
        expect((await deps.deadLetters.list("t1", { limit: 100 })).letters).toHaveLength(deadLetters);
      }),
      { numRuns: 60 },
    );
  });
});
