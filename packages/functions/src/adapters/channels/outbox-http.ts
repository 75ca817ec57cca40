import { deliveryResultSchema, type ChannelAdapter, type DeliveryCommand, type DeliveryResult } from "@weft/core/notify/delivery/index";
import type { ExternalChannel } from "@weft/core/notify/vocabulary";
import type { UsageUnit } from "@weft/core/cost/usage";
import { smsParts } from "../billing/message-units.js";
import { MODELLED_LATENCY_MS } from "../billing/sdk-metering.js";
import { awaitAws, meterUsage, safely } from "../billing/usage-context.js";
import { describeError, fetchWithTimeout } from "./http-util.js";
import { smsText } from "./sns-sms.js";

/**
 * What the provider behind each channel would bill for one delivered message, and how long
 * its call is assumed to take on AWS (the outbox answers locally in about no time):
 * email = SES SendEmail to one recipient, sms = SNS Publish (one unit per SMS part of the
 * text SnsSmsAdapter would send), push = web push / FCM / APNs (no AWS charge; counted).
 */
const BILLING: Record<ExternalChannel, { unit: UsageUnit; latencyMs: number; quantity: (cmd: DeliveryCommand) => number }> = {
  email: { unit: "ses.emails", latencyMs: MODELLED_LATENCY_MS.ses, quantity: () => 1 },
  sms: { unit: "sns.sms", latencyMs: MODELLED_LATENCY_MS.sns, quantity: (cmd) => smsParts(smsText(cmd)) },
  web_push: { unit: "push.messages", latencyMs: MODELLED_LATENCY_MS.push, quantity: () => 1 },
  mobile_push: { unit: "push.messages", latencyMs: MODELLED_LATENCY_MS.push, quantity: () => 1 },
};

/**
 * The ChannelAdapter of handlers running in the local stack: every external channel posts its
 * command to the local outbox (`POST {endpoint}/v1/dev/outbox/deliveries`, served by
 * packages/local/src/outbox) and returns the outbox's result. The outbox holds the strict
 * idempotency (one delivery per notificationId and channel) and the injected faults. Transport
 * failures and 5xx are retryable; a 400 (a command the outbox refuses) is rejected.
 *
 * Usage: the call stands in for the channel's provider, so it is timed as that provider's
 * call (usage-context `awaitAws`), and each `delivered` answer counts what the provider would
 * bill (BILLING) under the sending function. Failed sends count nothing (a provider that
 * refused or never got the message bills nothing); an outbox resend of an already delivered
 * notification counts again, as a real provider would bill the second send.
 */
export class HttpOutboxAdapter implements ChannelAdapter {
  constructor(
    private readonly endpoint: string,
    private readonly timeoutMs = 65_000,
  ) {}

  async send(cmd: DeliveryCommand): Promise<DeliveryResult> {
    const billing = BILLING[cmd.channel];
    const result = await awaitAws(billing?.latencyMs ?? 0, () => this.post(cmd));
    if (result.status === "delivered" && billing) safely(() => meterUsage(billing.unit, billing.quantity(cmd)));
    return result;
  }

  private async post(cmd: DeliveryCommand): Promise<DeliveryResult> {
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
