import { SendEmailCommand, type MessageTag, type SESv2Client } from "@aws-sdk/client-sesv2";
import type { ChannelAdapter, DeliveryCommand, DeliveryResult } from "@weft/core/notify/delivery/index";
import { awsErrorName, awsErrorText, tagValue } from "./aws-errors.js";

export interface SesOptions {
  client: SESv2Client;
  /** The verified sender, e.g. "Weft <notify@example.com>". */
  from: string;
  /** A configuration set whose event destination (SNS) publishes bounces and complaints with tags. */
  configurationSetName?: string;
}

/**
 * The message tags every email carries, so the asynchronous bounce and complaint events
 * (ses-feedback.ts) name the tenant, user and notification. Values are base64url (SES tag
 * values allow only [A-Za-z0-9_-]).
 */
export const SES_TAGS = { tenant: "weft_tenant", userId: "weft_user", notificationId: "weft_notification" } as const;

/** The same ids as headers, for identity notifications that include the original headers. */
export const SES_HEADERS = { tenant: "X-Weft-Tenant", userId: "X-Weft-User", notificationId: "X-Weft-Notification" } as const;

const ADDRESS = /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/;
const REJECTED = new Set(["MessageRejected", "BadRequestException"]);

/**
 * Email through SES v2 SendEmail (simple content: text and HTML parts). A hard bounce or a
 * complaint arrives later through SNS (see ses-feedback.ts), never as the answer to the send.
 * Mapping: an address that is not an address -> invalid_address (without calling SES);
 * MessageRejected, BadRequestException -> rejected; everything else (throttling, sending
 * paused, account suspended, unverified MAIL FROM, 5xx, network) -> retryable. SES has no
 * idempotency key: a send that timed out after SES accepted it can go out twice on retry.
 */
export class SesEmailAdapter implements ChannelAdapter {
  constructor(private readonly opts: SesOptions) {}

  async send(cmd: DeliveryCommand): Promise<DeliveryResult> {
    if (cmd.target.kind !== "email") return { status: "rejected", error: `SES cannot send to a ${cmd.target.kind} target` };
    const address = cmd.target.address;
    if (!ADDRESS.test(address)) return { status: "hard", kind: "invalid_address", error: `not an email address: ${JSON.stringify(address.slice(0, 80))}` };
    const subject = cmd.title.replace(/[\r\n]+/g, " ").trim() || "Notification";
    try {
      const out = await this.opts.client.send(
        new SendEmailCommand({
          FromEmailAddress: this.opts.from,
          Destination: { ToAddresses: [address] },
          Content: {
            Simple: {
              Subject: { Data: subject, Charset: "UTF-8" },
              Body: { Text: { Data: textBody(cmd), Charset: "UTF-8" }, Html: { Data: htmlBody(cmd, subject), Charset: "UTF-8" } },
              Headers: Object.entries(SES_HEADERS).map(([field, Name]) => ({ Name, Value: tagValue(cmd[field as keyof typeof SES_HEADERS]) })),
            },
          },
          EmailTags: tags(cmd),
          ...(this.opts.configurationSetName ? { ConfigurationSetName: this.opts.configurationSetName } : {}),
        }),
      );
      return out.MessageId ? { status: "delivered", providerMessageId: out.MessageId } : { status: "retryable", error: "SES answered without a MessageId" };
    } catch (err) {
      return REJECTED.has(awsErrorName(err)) ? { status: "rejected", error: awsErrorText(err) } : { status: "retryable", error: awsErrorText(err) };
    }
  }
}

function tags(cmd: DeliveryCommand): MessageTag[] {
  // A tag value over SES's 256 characters is left out: that one id is then missing from feedback.
  return Object.entries(SES_TAGS)
    .map(([field, Name]) => ({ Name, Value: tagValue(cmd[field as keyof typeof SES_TAGS]) }))
    .filter((t) => t.Value.length <= 256);
}

function textBody(cmd: DeliveryCommand): string {
  return cmd.url ? `${cmd.body}\n\n${cmd.url}\n` : `${cmd.body}\n`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function htmlBody(cmd: DeliveryCommand, subject: string): string {
  const link = cmd.url && /^https?:\/\//.test(cmd.url) ? `<p><a href="${escapeHtml(cmd.url)}">Open</a></p>` : "";
  return `<!doctype html><html><body><h1 style="font-size:18px">${escapeHtml(subject)}</h1><p>${escapeHtml(cmd.body).replace(/\n/g, "<br>")}</p>${link}</body></html>`;
}
