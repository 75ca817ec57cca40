import type { ChannelAdapter, DeliveryTarget, Provider } from "@weft/core/notify/delivery/index";
import type { ExternalChannel } from "@weft/core/notify/vocabulary";
import type { ChannelAdapterHarness, ProvokedFailure } from "../../../core/test/notify/delivery/channel-adapter-conformance.js";
import type { Outbox } from "../../src/outbox/index.js";

let n = 0;

/** A fresh target per channel, and the provider the engine would pick for it. */
export const CHANNEL_SETUPS: Record<ExternalChannel, { provider: Provider; target: () => DeliveryTarget; hard: ProvokedFailure[] }> = {
  email: {
    provider: "ses",
    target: () => ({ kind: "email", address: `user${++n}@example.com` }),
    hard: [
      { status: "hard", kind: "bounce" },
      { status: "hard", kind: "complaint" },
      { status: "hard", kind: "invalid_address" },
    ],
  },
  sms: { provider: "sns", target: () => ({ kind: "phone", number: `+1415555${String(++n % 10_000).padStart(4, "0")}` }), hard: [{ status: "hard", kind: "invalid_address" }] },
  web_push: {
    provider: "webpush",
    target: () => ({ kind: "web_push", deviceId: `wd${++n}`, subscription: { endpoint: `https://push.example/${n}`, keys: { p256dh: "BKey", auth: "auth" } } }),
    hard: [{ status: "hard", kind: "invalid_token" }],
  },
  mobile_push: { provider: "fcm", target: () => ({ kind: "device_token", deviceId: `md${++n}`, platform: "fcm", token: `tok${n}` }), hard: [{ status: "hard", kind: "invalid_token" }] },
};

/** A conformance harness over an outbox reached through `adapter` (the outbox itself, or a client of its HTTP endpoint). */
export function outboxHarness(outbox: Outbox, adapter: ChannelAdapter, channel: ExternalChannel, extra: Partial<ChannelAdapterHarness> = {}): ChannelAdapterHarness {
  const setup = CHANNEL_SETUPS[channel];
  return {
    adapter,
    channel,
    provider: setup.provider,
    target: setup.target,
    provoke: [{ status: "retryable" }, { status: "rejected" }, ...setup.hard],
    failNext: async (f) => {
      outbox.setFaults([{ channel, provider: setup.provider, times: 1, fail: f.status === "hard" ? f.kind : f.status }]);
    },
    idempotency: { kind: "strict", shown: async (id) => outbox.shown(id, channel) },
    ...extra,
  };
}
