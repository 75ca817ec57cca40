import type { SNSEvent } from "aws-lambda";
import { hardFailureAction, type HardFailureAction } from "@weft/core/notify/delivery/index";
import { fromTagValue } from "./aws-errors.js";
import { SES_HEADERS, SES_TAGS } from "./ses.js";

/** What a batch of SES notifications asks for. */
export interface SesFeedback {
  actions: HardFailureAction[];
  /** Notifications that needed no action or could not be attributed, and why (for the log). */
  skipped: Array<{ messageId?: string; reason: string }>;
}

interface SesMail {
  messageId?: string;
  tags?: Record<string, string[]>;
  headers?: Array<{ name?: string; value?: string }>;
}

interface SesNotification {
  /** Configuration-set event publishing. */
  eventType?: string;
  /** Identity notifications (the older mechanism). */
  notificationType?: string;
  mail?: SesMail;
  bounce?: { bounceType?: string; bounceSubType?: string; bouncedRecipients?: Array<{ emailAddress?: string; diagnosticCode?: string }> };
  complaint?: { complaintFeedbackType?: string; complainedRecipients?: Array<{ emailAddress?: string }> };
}

/**
 * Turns one SES bounce or complaint notification (the JSON in an SNS message, from a
 * configuration set's event destination or an identity's notification topic) into
 * hard-failure actions:
 * - a Permanent bounce -> disable_address for each bounced recipient ("bounce");
 * - a complaint (other than feedback type "not-spam") -> disable_channel email ("complaint");
 * - Transient and Undetermined bounces, other event types -> skipped (SES retries soft bounces).
 * The tenant and user come from the message's tags (SES_TAGS), else its headers (SES_HEADERS,
 * present when the identity includes original headers); without them it is skipped. Pure.
 */
export function parseSesNotification(raw: unknown): SesFeedback {
  let n: SesNotification;
  try {
    n = (typeof raw === "string" ? JSON.parse(raw) : raw) as SesNotification;
  } catch {
    return { actions: [], skipped: [{ reason: "not JSON" }] };
  }
  const type = n?.eventType ?? n?.notificationType;
  const messageId = n?.mail?.messageId;
  const skip = (reason: string): SesFeedback => ({ actions: [], skipped: [{ ...(messageId ? { messageId } : {}), reason }] });
  if (type !== "Bounce" && type !== "Complaint") return skip(`not a bounce or complaint: ${String(type)}`);
  const who = attribution(n.mail);
  if (!who) return skip(`${type} for a message without weft tags or headers`);

  if (type === "Bounce") {
    if (n.bounce?.bounceType !== "Permanent") return skip(`${n.bounce?.bounceType ?? "unknown"} bounce: SES retries it`);
    const addresses = (n.bounce.bouncedRecipients ?? []).map((r) => r.emailAddress).filter((a): a is string => !!a);
    if (addresses.length === 0) return skip("permanent bounce without recipients");
    return { actions: addresses.map((address) => hardFailureAction("bounce", { ...who, target: { kind: "email", address } })!), skipped: [] };
  }
  if (n.complaint?.complaintFeedbackType === "not-spam") return skip("complaint of type not-spam");
  return { actions: [hardFailureAction("complaint", { ...who, target: { kind: "email", address: n.complaint?.complainedRecipients?.[0]?.emailAddress ?? "" } })!], skipped: [] };
}

/** The Lambda handler's work for an SNS-subscribed function: every record's feedback, merged. */
export function sesFeedbackFromSnsEvent(event: SNSEvent): SesFeedback {
  const out: SesFeedback = { actions: [], skipped: [] };
  for (const record of event.Records ?? []) {
    const one = parseSesNotification(record.Sns?.Message ?? "");
    out.actions.push(...one.actions);
    out.skipped.push(...one.skipped);
  }
  return out;
}

function attribution(mail: SesMail | undefined): { tenant: string; userId: string } | undefined {
  const tag = (name: string) => mail?.tags?.[name]?.[0];
  const header = (name: string) => mail?.headers?.find((h) => h.name?.toLowerCase() === name.toLowerCase())?.value;
  const tenant = tag(SES_TAGS.tenant) ?? header(SES_HEADERS.tenant);
  const userId = tag(SES_TAGS.userId) ?? header(SES_HEADERS.userId);
  if (!tenant || !userId) return undefined;
  return { tenant: fromTagValue(tenant), userId: fromTagValue(userId) };
}
