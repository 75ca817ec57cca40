import type { SNSEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { tagValue } from "../../../src/adapters/channels/aws-errors.js";
import { parseSesNotification, sesFeedbackFromSnsEvent } from "../../../src/adapters/channels/ses-feedback.js";

const who = { tenant: "acme corp", userId: "ann#1 ünï" };
const tags = { "ses:configuration-set": ["weft-feedback"], "ses:source-ip": ["192.0.2.0"], weft_tenant: [tagValue(who.tenant)], weft_user: [tagValue(who.userId)], weft_notification: [tagValue("n-1")] };
const mail = (extra: object = {}) => ({
  timestamp: "2025-03-09T07:00:00.000Z",
  source: "notify@weft.example",
  messageId: "0100019a-abc-000000",
  destination: ["ann@example.com"],
  headersTruncated: false,
  tags,
  ...extra,
});

/** A configuration-set event as SES publishes it to SNS (shapes from the SES developer guide). */
const permanentBounce = {
  eventType: "Bounce",
  bounce: {
    bounceType: "Permanent",
    bounceSubType: "General",
    bouncedRecipients: [{ emailAddress: "ann@example.com", action: "failed", status: "5.1.1", diagnosticCode: "smtp; 550 5.1.1 user unknown" }],
    timestamp: "2025-03-09T07:00:01.000Z",
    feedbackId: "0100019a-fb-000000",
    reportingMTA: "dsn; e242-8.smtp-out.amazonses.com",
  },
  mail: mail(),
};
const complaint = {
  eventType: "Complaint",
  complaint: {
    complainedRecipients: [{ emailAddress: "ann@example.com" }],
    timestamp: "2025-03-09T08:00:00.000Z",
    feedbackId: "0100019a-fc-000000",
    userAgent: "Mozilla/5.0",
    complaintFeedbackType: "abuse",
    arrivalDate: "2025-03-09T07:59:00.000Z",
  },
  mail: mail(),
};

describe("SES bounce and complaint notifications", () => {
  it("disables the address on a permanent bounce, attributed by the message tags", () => {
    expect(parseSesNotification(JSON.stringify(permanentBounce))).toEqual({
      actions: [{ type: "disable_address", ...who, channel: "email", address: "ann@example.com", reason: "bounce" }],
      skipped: [],
    });
  });

  it("disables email for the user on a complaint, but not on a not-spam report", () => {
    expect(parseSesNotification(complaint)).toEqual({ actions: [{ type: "disable_channel", ...who, channel: "email", reason: "complaint" }], skipped: [] });
    const notSpam = { ...complaint, complaint: { ...complaint.complaint, complaintFeedbackType: "not-spam" } };
    expect(parseSesNotification(notSpam)).toEqual({ actions: [], skipped: [{ messageId: "0100019a-abc-000000", reason: "complaint of type not-spam" }] });
  });

  it("skips soft bounces, other event types, unattributed messages and garbage, saying why", () => {
    const transient = { ...permanentBounce, bounce: { ...permanentBounce.bounce, bounceType: "Transient", bounceSubType: "MailboxFull" } };
    expect(parseSesNotification(transient).skipped).toEqual([{ messageId: "0100019a-abc-000000", reason: "Transient bounce: SES retries it" }]);
    expect(parseSesNotification({ eventType: "Delivery", mail: mail() }).skipped[0].reason).toBe("not a bounce or complaint: Delivery");
    expect(parseSesNotification({ ...permanentBounce, mail: mail({ tags: { "ses:configuration-set": ["x"] } }) }).skipped[0].reason).toBe("Bounce for a message without weft tags or headers");
    expect(parseSesNotification("{not json")).toEqual({ actions: [], skipped: [{ reason: "not JSON" }] });
    expect(parseSesNotification(null).skipped[0].reason).toBe("not a bounce or complaint: undefined");
  });

  it("reads identity notifications (notificationType) attributed by the original headers", () => {
    const identity = {
      notificationType: "Bounce",
      bounce: { ...permanentBounce.bounce, bouncedRecipients: [{ emailAddress: "ann@example.com" }, { emailAddress: "ann.alias@example.com" }] },
      mail: mail({ tags: undefined, headers: [{ name: "X-Weft-Tenant", value: tagValue(who.tenant) }, { name: "x-weft-user", value: tagValue(who.userId) }] }),
    };
    expect(parseSesNotification(identity).actions.map((a) => a.type === "disable_address" && [a.tenant, a.userId, a.address])).toEqual([
      [who.tenant, who.userId, "ann@example.com"],
      [who.tenant, who.userId, "ann.alias@example.com"],
    ]);
  });

  it("handles an SNS event of several records, as the subscribed Lambda gets it", () => {
    const record = (message: object) => ({ EventSource: "aws:sns", EventVersion: "1.0", EventSubscriptionArn: "arn", Sns: { Type: "Notification", MessageId: "m", TopicArn: "arn:aws:sns:us-east-1:0:ses-feedback", Subject: "", Message: JSON.stringify(message), Timestamp: "", SignatureVersion: "1", Signature: "", SigningCertUrl: "", UnsubscribeUrl: "", MessageAttributes: {} } });
    const event = { Records: [record(permanentBounce), record(complaint), record({ eventType: "Open", mail: mail() })] } as unknown as SNSEvent;
    const feedback = sesFeedbackFromSnsEvent(event);
    expect(feedback.actions.map((a) => a.type)).toEqual(["disable_address", "disable_channel"]);
    expect(feedback.skipped).toHaveLength(1);
  });
});
