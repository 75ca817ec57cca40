import { describe, expect, it } from "vitest";
import type { ChannelAdapter, DeliveryCommand, DeliveryTarget, HardFailureKind, Provider } from "../../../src/notify/delivery/channel-adapter.js";
import { deliveryCommandSchema, deliveryResultSchema } from "../../../src/notify/delivery/delivery-schema.js";
import type { ExternalChannel } from "../../../src/notify/vocabulary.js";
import { uid } from "../../conformance/fixtures.js";

/** A failure the harness can make its provider answer with, and the result the adapter must map it to. */
export type ProvokedFailure = { status: "retryable" } | { status: "rejected" } | { status: "hard"; kind: HardFailureKind };

/**
 * How the adapter keeps a retried notification from showing twice:
 * - `strict`: it remembers deliveries itself (the outbox); `shown` counts what the user sees.
 * - `key`: it hands the provider an idempotency or collapse key; `lastKey` is the key on the
 *   provider's last request.
 * - `none`: the provider has no such key (SES, SNS): nothing to check.
 */
export type IdempotencyProbe =
  | { kind: "strict"; shown(notificationId: string): Promise<number> }
  | { kind: "key"; lastKey(): string | undefined }
  | { kind: "none" };

export interface ChannelAdapterHarness {
  adapter: ChannelAdapter;
  channel: ExternalChannel;
  provider: Provider;
  /** A fresh valid target for this provider. */
  target(): DeliveryTarget;
  /** The failures this harness can provoke (at least one). */
  provoke: ProvokedFailure[];
  /** The provider answers the next send with `failure`, then goes back to accepting. */
  failNext(failure: ProvokedFailure): Promise<void>;
  idempotency: IdempotencyProbe;
  /** The same adapter pointed at a provider that does not answer (a closed port), when feasible. */
  unreachable?(): ChannelAdapter;
  close?(): Promise<void>;
}

/** A valid command for the harness's channel, with Unicode text, a URL and data. */
export function commandFor(h: ChannelAdapterHarness, over: Partial<DeliveryCommand> = {}): DeliveryCommand {
  const cmd: DeliveryCommand = {
    notificationId: uid("n"),
    tenant: uid("t"),
    userId: uid("u"),
    channel: h.channel,
    provider: h.provider,
    target: h.target(),
    title: "Dan mentioned you — “Roadmap” 👋",
    body: "Ünïcode body: can you look at §3?",
    url: "https://app.example/docs/roadmap#c1",
    data: { docId: "roadmap", count: 2 },
    attempt: 1,
    ...over,
  };
  deliveryCommandSchema.parse(cmd);
  return cmd;
}

function label(f: ProvokedFailure): string {
  return f.status === "hard" ? `hard ${f.kind}` : f.status;
}

/** ChannelAdapter contract suite (see notify/delivery/channel-adapter.ts); one harness per test. */
export function runChannelAdapterConformance(name: string, factory: () => Promise<ChannelAdapterHarness>): void {
  const withHarness = (fn: (h: ChannelAdapterHarness) => Promise<void>) => async () => {
    const h = await factory();
    try {
      await fn(h);
    } finally {
      await h.close?.();
    }
  };

  describe(`ChannelAdapter conformance: ${name}`, () => {
    it(
      "delivers a valid command with a non-empty provider message id, as plain JSON",
      withHarness(async (h) => {
        const result = await h.adapter.send(commandFor(h));
        expect(result).toEqual({ status: "delivered", providerMessageId: expect.stringMatching(/.+/) });
        expect(deliveryResultSchema.parse(JSON.parse(JSON.stringify(result)))).toEqual(result);
      }),
    );

    it(
      "maps each provoked provider failure to its result without throwing, and accepts again afterwards",
      withHarness(async (h) => {
        expect(h.provoke.length).toBeGreaterThan(0);
        for (const failure of h.provoke) {
          await h.failNext(failure);
          const result = await h.adapter.send(commandFor(h));
          expect(deliveryResultSchema.parse(result), label(failure)).toMatchObject(failure);
          expect(result.status === "delivered" ? "" : result.error, label(failure)).not.toBe("");
          expect((await h.adapter.send(commandFor(h))).status, `after ${label(failure)}`).toBe("delivered");
        }
      }),
    );

    it(
      "delivers the retry of a command whose first attempt failed retryably",
      withHarness(async (h) => {
        if (!h.provoke.some((f) => f.status === "retryable")) return;
        const cmd = commandFor(h);
        await h.failNext({ status: "retryable" });
        expect((await h.adapter.send(cmd)).status).toBe("retryable");
        expect((await h.adapter.send({ ...cmd, attempt: 2 })).status).toBe("delivered");
        if (h.idempotency.kind === "strict") expect(await h.idempotency.shown(cmd.notificationId)).toBe(1);
      }),
    );

    it(
      "never shows a retried notification twice: strict dedup, or the notificationId's key on every request",
      withHarness(async (h) => {
        const cmd = commandFor(h);
        const first = await h.adapter.send(cmd);
        const again = await h.adapter.send({ ...cmd, attempt: 2 });
        expect(first.status).toBe("delivered");
        expect(again.status).toBe("delivered");
        const probe = h.idempotency;
        if (probe.kind === "strict") {
          expect(again).toEqual(first);
          expect(await probe.shown(cmd.notificationId)).toBe(1);
          // Another notification to the same user is its own delivery.
          const other = await h.adapter.send({ ...cmd, notificationId: uid("n") });
          expect(other).not.toEqual(first);
        } else if (probe.kind === "key") {
          const key = probe.lastKey();
          expect(key).toBeTruthy();
          await h.adapter.send(cmd);
          expect(probe.lastKey()).toBe(key);
          await h.adapter.send({ ...cmd, notificationId: uid("n") });
          expect(probe.lastKey()).not.toBe(key);
        }
      }),
    );

    it(
      "answers retryable, not a throw, when the provider cannot be reached",
      withHarness(async (h) => {
        if (!h.unreachable) return;
        const result = await h.unreachable().send(commandFor(h));
        expect(result).toMatchObject({ status: "retryable", error: expect.stringMatching(/.+/) });
      }),
    );
  });
}
