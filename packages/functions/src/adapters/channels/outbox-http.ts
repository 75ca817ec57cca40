import { deliveryResultSchema, type ChannelAdapter, type DeliveryCommand, type DeliveryResult } from "@weft/core/notify/delivery/index";
import { describeError, fetchWithTimeout } from "./http-util.js";

/**
 * The ChannelAdapter of handlers running in the local stack: every external channel posts its
 * command to the local outbox (`POST {endpoint}/v1/dev/outbox/deliveries`, served by
 * packages/local/src/outbox) and returns the outbox's result. The outbox holds the strict
 * idempotency (one delivery per notificationId and channel) and the injected faults. Transport
 * failures and 5xx are retryable; a 400 (a command the outbox refuses) is rejected.
 */
export class HttpOutboxAdapter implements ChannelAdapter {
  constructor(
    private readonly endpoint: string,
    private readonly timeoutMs = 65_000,
  ) {}

  async send(cmd: DeliveryCommand): Promise<DeliveryResult> {
    let res: Response;
    try {
      res = await fetchWithTimeout(`${this.endpoint.replace(/\/+$/, "")}/v1/dev/outbox/deliveries`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(cmd),
      }, this.timeoutMs);
    } catch (err) {
      return { status: "retryable", error: `outbox unreachable: ${describeError(err)}` };
    }
    const text = await res.text().catch(() => "");
    if (!res.ok) {
      const error = `outbox answered ${res.status}: ${text.slice(0, 500)}`;
      return res.status >= 400 && res.status < 500 && res.status !== 429 ? { status: "rejected", error } : { status: "retryable", error };
    }
    try {
      return deliveryResultSchema.parse(JSON.parse(text));
    } catch {
      return { status: "retryable", error: `outbox answered a malformed result: ${text.slice(0, 200)}` };
    }
  }
}
