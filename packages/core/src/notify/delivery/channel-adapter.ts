import type { ExternalChannel } from "../vocabulary.js";

/** The providers behind the external channels; `outbox` is the local stack's stand-in. */
export const PROVIDERS = ["ses", "sns", "webpush", "fcm", "apns", "outbox"] as const;
export type Provider = (typeof PROVIDERS)[number];

/** A browser's PushSubscription as `PushSubscription.toJSON()` gives it. */
export interface WebPushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/**
 * Where a delivery goes. Push targets name the stored device (`deviceId`) so an
 * `invalid_token` failure can delete exactly that device.
 */
export type DeliveryTarget =
  | { kind: "email"; address: string }
  /** E.164, e.g. "+14155550100". */
  | { kind: "phone"; number: string }
  | { kind: "web_push"; deviceId: string; subscription: WebPushSubscription }
  | { kind: "device_token"; deviceId: string; platform: "fcm" | "apns"; token: string };

/** The target kind each external channel takes. */
export const TARGET_KIND_OF: Record<ExternalChannel, DeliveryTarget["kind"]> = {
  email: "email",
  sms: "phone",
  web_push: "web_push",
  mobile_push: "device_token",
};

/** One attempt to hand one notification to one provider. */
export interface DeliveryCommand {
  /** Derived from (event id, recipient, channel): the idempotency key of the delivery. */
  notificationId: string;
  tenant: string;
  userId: string;
  channel: ExternalChannel;
  provider: Provider;
  target: DeliveryTarget;
  title: string;
  body: string;
  url?: string;
  data?: Record<string, unknown>;
  /** 1 for the first attempt, + 1 for each retry. */
  attempt: number;
}

/**
 * A failure that retrying cannot fix and that says something about the recipient:
 * - `invalid_token`: the push token / subscription is gone or not valid (delete the device);
 * - `bounce`: the address hard-bounced (disable the address);
 * - `complaint`: the recipient marked the mail as spam (disable email for the user);
 * - `invalid_address`: the provider refused the address itself (disable the address).
 */
export const HARD_FAILURE_KINDS = ["invalid_token", "bounce", "complaint", "invalid_address"] as const;
export type HardFailureKind = (typeof HARD_FAILURE_KINDS)[number];

/**
 * What one attempt came to:
 * - `delivered`: the provider accepted it (not: the user saw it).
 * - `retryable`: a transient provider or transport failure; `retryAfterMs` when the provider
 *   said when to come back (429 Retry-After).
 * - `hard`: see HardFailureKind; never retried.
 * - `rejected`: this message can never be sent (malformed, too large, content refused) but the
 *   target is fine: never retried, dead-lettered at once, no action on the recipient.
 */
export type DeliveryResult =
  | { status: "delivered"; providerMessageId: string }
  | { status: "retryable"; error: string; retryAfterMs?: number }
  | { status: "hard"; kind: HardFailureKind; error: string }
  | { status: "rejected"; error: string };

/**
 * One external channel's provider, normalised at the edge.
 *
 * Contract:
 * - `send` never throws for anything the provider or the network does: every answer, error
 *   status and transport failure becomes a DeliveryResult (a throw is a bug; `deliver` treats
 *   it as retryable). Results are plain JSON.
 * - Mapping: a provider's "gone / unregistered / bad token" is `hard invalid_token`; a refused
 *   address is `hard invalid_address`; throttling, 5xx, timeouts, auth and account trouble are
 *   `retryable` (the circuit breaker, not the recipient, deals with those); a malformed or
 *   oversized message is `rejected`.
 * - `delivered.providerMessageId` is non-empty: the provider's id for the accepted message.
 * - Idempotency: the provider call carries `notificationId` as its idempotency or collapse key
 *   where the provider has one (web push `Topic`, APNs `apns-collapse-id`, FCM collapse keys),
 *   so a retried delivery of the same notificationId replaces rather than adds on the device.
 *   SES and SNS have no such key: a retry after an ambiguous failure (a timeout after the
 *   provider accepted) can send twice, which is why only failures where the provider said no
 *   are retried fast. The local outbox enforces the strict form: a second send of a delivered
 *   (notificationId, channel) is answered `delivered` with the first providerMessageId and
 *   stores nothing.
 * - `attempt` is informational (logged, tagged); it never changes the request's meaning.
 */
export interface ChannelAdapter {
  send(cmd: DeliveryCommand): Promise<DeliveryResult>;
}

/** Runs `send`, turning a throw (an adapter bug) into a retryable result. */
export async function safeSend(adapter: ChannelAdapter, cmd: DeliveryCommand): Promise<DeliveryResult> {
  try {
    return await adapter.send(cmd);
  } catch (err) {
    return { status: "retryable", error: `adapter threw: ${(err as Error)?.message ?? String(err)}` };
  }
}

/** The provider that serves a target on AWS (the local stack routes every channel to its outbox regardless). */
export function providerFor(target: DeliveryTarget): Provider {
  switch (target.kind) {
    case "email":
      return "ses";
    case "phone":
      return "sns";
    case "web_push":
      return "webpush";
    case "device_token":
      return target.platform;
  }
}
