import { PublishCommand, type MessageAttributeValue, type SNSClient } from "@aws-sdk/client-sns";
import type { ChannelAdapter, DeliveryCommand, DeliveryResult } from "@weft/core/notify/delivery/index";
import { awsErrorName, awsErrorText } from "./aws-errors.js";

export interface SnsSmsOptions {
  client: SNSClient;
  /** Alphanumeric sender id, where the destination country supports it. */
  senderId?: string;
  /** The origination number (toll-free, 10DLC, short code) registered for sending. */
  originationNumber?: string;
}

/** SNS cuts an SMS at 1600 bytes (about ten segments); longer text is shortened here instead. */
const MAX_SMS_BYTES = 1_600;

const INVALID_PARAMETER = new Set(["InvalidParameterException", "InvalidParameterValueException", "InvalidParameter", "InvalidParameterValue"]);

/**
 * SMS through SNS Publish to a phone number, always `Transactional` (SMS only carries critical
 * and transactional notifications). Mapping: an InvalidParameter error about the phone number
 * -> invalid_address; any other invalid parameter -> rejected; throttling, internal errors,
 * KMS and authorization trouble, network -> retryable. SNS has no idempotency key for SMS.
 *
 * AWS End User Messaging SMS (pinpoint-sms-voice-v2 SendTextMessage) is the better long-term
 * provider: it reports opted-out destinations as an explicit error (here SNS accepts and drops
 * them), has configuration sets with per-message delivery events, protect configurations and
 * managed origination pools. Its client (@aws-sdk/client-pinpoint-sms-voice-v2) is not a
 * dependency yet, so SNS it is; the adapter boundary makes the swap local to this file.
 */
export class SnsSmsAdapter implements ChannelAdapter {
  constructor(private readonly opts: SnsSmsOptions) {}

  async send(cmd: DeliveryCommand): Promise<DeliveryResult> {
    if (cmd.target.kind !== "phone") return { status: "rejected", error: `SMS cannot go to a ${cmd.target.kind} target` };
    const attributes: Record<string, MessageAttributeValue> = { "AWS.SNS.SMS.SMSType": { DataType: "String", StringValue: "Transactional" } };
    if (this.opts.senderId) attributes["AWS.SNS.SMS.SenderID"] = { DataType: "String", StringValue: this.opts.senderId };
    if (this.opts.originationNumber) attributes["AWS.MM.SMS.OriginationNumber"] = { DataType: "String", StringValue: this.opts.originationNumber };
    try {
      const out = await this.opts.client.send(new PublishCommand({ PhoneNumber: cmd.target.number, Message: smsText(cmd), MessageAttributes: attributes }));
      return out.MessageId ? { status: "delivered", providerMessageId: out.MessageId } : { status: "retryable", error: "SNS answered without a MessageId" };
    } catch (err) {
      const error = awsErrorText(err);
      if (INVALID_PARAMETER.has(awsErrorName(err))) return /phone ?number/i.test(error) ? { status: "hard", kind: "invalid_address", error } : { status: "rejected", error };
      return { status: "retryable", error };
    }
  }
}

/** "Title: body url", shortened to the SMS limit without splitting a character. */
export function smsText(cmd: DeliveryCommand): string {
  const tail = cmd.url ? ` ${cmd.url}` : "";
  const full = `${cmd.title}: ${cmd.body}${tail}`;
  if (Buffer.byteLength(full, "utf8") <= MAX_SMS_BYTES) return full;
  const chars = [...`${cmd.title}: ${cmd.body}`];
  while (chars.length > 0 && Buffer.byteLength(`${chars.join("")}…${tail}`, "utf8") > MAX_SMS_BYTES) chars.length -= Math.max(1, Math.floor(chars.length / 20));
  return `${chars.join("")}…${tail}`;
}
