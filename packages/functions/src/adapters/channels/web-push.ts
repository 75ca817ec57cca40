import webpush from "web-push";
import type { ChannelAdapter, DeliveryCommand, DeliveryResult } from "@weft/core/notify/delivery/index";
import { describeError, fetchWithTimeout, retryAfterMs } from "./http-util.js";
import { collapseKeyOf, fitPushPayload } from "./push-payload.js";

export interface VapidConfig {
  /** "mailto:ops@example.com" or an https URL: who push services contact about abuse. */
  subject: string;
  /** Base64url, as `web-push generate-vapid-keys` prints them. */
  publicKey: string;
  privateKey: string;
}

export interface WebPushOptions {
  vapid: VapidConfig;
  /** How long a push service keeps an undelivered message (default 1 day). */
  ttlSeconds?: number;
  timeoutMs?: number;
}

/** Push services accept 4096 bytes of encrypted body; aes128gcm adds 103, JSON escaping some slack. */
const MAX_PAYLOAD_BYTES = 3_800;

/**
 * Web push (RFC 8030 + VAPID RFC 8292 + aes128gcm RFC 8291). `web-push` builds the request
 * (the VAPID JWT and the payload encryption); the POST goes out through fetch so transport
 * errors and every status are mapped here:
 * - 201/202/200 -> delivered (providerMessageId: the push service's Location, else the topic);
 * - 404, 410 -> hard invalid_token (the subscription expired or was revoked); a subscription
 *   whose keys cannot be used to encrypt -> hard invalid_token as well;
 * - 429 -> retryable with Retry-After; 5xx, 401/403 (VAPID trouble), network -> retryable;
 * - 400, 413 and other 4xx -> rejected.
 * The `Topic` header is collapseKeyOf(notificationId): a retry replaces a still-pending copy.
 */
export class WebPushAdapter implements ChannelAdapter {
  constructor(private readonly opts: WebPushOptions) {}

  async send(cmd: DeliveryCommand): Promise<DeliveryResult> {
    if (cmd.target.kind !== "web_push") return { status: "rejected", error: `web push cannot send to a ${cmd.target.kind} target` };
    const payload = fitPushPayload(cmd, MAX_PAYLOAD_BYTES);
    if (payload === undefined) return { status: "rejected", error: "notification does not fit a web push payload" };
    const topic = collapseKeyOf(cmd.notificationId);
    let details: ReturnType<typeof webpush.generateRequestDetails>;
    try {
      details = webpush.generateRequestDetails(cmd.target.subscription, payload, {
        vapidDetails: this.opts.vapid,
        TTL: this.opts.ttlSeconds ?? 86_400,
        topic,
        urgency: "high",
      });
    } catch (err) {
      return { status: "hard", kind: "invalid_token", error: `unusable push subscription: ${describeError(err)}` };
    }
    // fetch computes Content-Length itself (and refuses to be told).
    const headers = Object.fromEntries(Object.entries(details.headers).filter(([k]) => k.toLowerCase() !== "content-length").map(([k, v]) => [k, String(v)]));
    let res: Response;
    try {
      res = await fetchWithTimeout(details.endpoint, { method: "POST", headers, body: details.body ? new Uint8Array(details.body) : undefined }, this.opts.timeoutMs ?? 10_000);
    } catch (err) {
      return { status: "retryable", error: `push service unreachable: ${describeError(err)}` };
    }
    const text = (await res.text().catch(() => "")).slice(0, 300);
    const error = `push service answered ${res.status}${text ? `: ${text}` : ""}`;
    if (res.ok) return { status: "delivered", providerMessageId: res.headers.get("location") || `topic:${topic}` };
    if (res.status === 404 || res.status === 410) return { status: "hard", kind: "invalid_token", error };
    if (res.status === 429) {
      const after = retryAfterMs(res.headers.get("retry-after"));
      return { status: "retryable", error, ...(after !== undefined ? { retryAfterMs: after } : {}) };
    }
    if (res.status >= 500 || res.status === 401 || res.status === 403) return { status: "retryable", error };
    return { status: "rejected", error };
  }
}
