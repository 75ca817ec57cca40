import type { SNSEvent } from "aws-lambda";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { linkEnvironment } from "../../src/linked.js";
import { SES_TAGS } from "../../src/adapters/channels/ses.js";
import { tagValue } from "../../src/adapters/channels/aws-errors.js";
import type { Wiring } from "../../src/wiring.js";
import { freshTables } from "../adapters/dynamo-harness.js";

/**
 * The SES feedback handler against DynamoDB Local: SNS-wrapped SES bounce and complaint events
 * (the configuration set's event destination) disable the recipient's email in the profile
 * store the engine reads; soft bounces and unattributed mail change nothing.
 */
let w: Wiring;
let handler: (e: SNSEvent) => Promise<{ applied: number; skipped: number }>;

beforeAll(async () => {
  const tables = await freshTables();
  process.env.WEFT_DYNAMO_ENDPOINT = inject("dynamoEndpoint");
  // Only what the manifest gives the sesFeedback function: the notify table.
  Object.assign(process.env, linkEnvironment({ tables: { notify: tables.notify } }));
  w = (await import("../../src/wiring.js")).wiring();
  handler = (await import("../../src/handlers/ses-feedback.js")).handler;
});

const mail = (tenant: string, userId: string) => ({
  messageId: `m-${userId}`,
  tags: { [SES_TAGS.tenant]: [tagValue(tenant)], [SES_TAGS.userId]: [tagValue(userId)], [SES_TAGS.notificationId]: ["ntf_x"] },
});
const sns = (...messages: unknown[]): SNSEvent =>
  ({ Records: messages.map((m, i) => ({ EventSource: "aws:sns", Sns: { MessageId: `sns-${i}`, Message: JSON.stringify(m) } })) }) as unknown as SNSEvent;

describe("SES feedback handler", () => {
  it("a permanent bounce disables that address, a complaint disables email; soft bounces change nothing", async () => {
    const tenant = "acme-ses";
    for (const userId of ["ann", "ben", "cat"]) {
      await w.notify.profiles.putContacts({ tenant, userId }, { email: { address: `${userId}@example.com`, verified: true } });
    }
    const out = await handler(
      sns(
        { eventType: "Bounce", mail: mail(tenant, "ann"), bounce: { bounceType: "Permanent", bouncedRecipients: [{ emailAddress: "ann@example.com" }] } },
        { eventType: "Complaint", mail: mail(tenant, "ben"), complaint: { complainedRecipients: [{ emailAddress: "ben@example.com" }] } },
        { eventType: "Bounce", mail: mail(tenant, "cat"), bounce: { bounceType: "Transient", bouncedRecipients: [{ emailAddress: "cat@example.com" }] } },
        { eventType: "Bounce", mail: { messageId: "no-tags" }, bounce: { bounceType: "Permanent", bouncedRecipients: [{ emailAddress: "x@example.com" }] } },
      ),
    );
    expect(out).toEqual({ applied: 2, skipped: 2 });
    const email = async (userId: string) => (await w.notify.profiles.load({ tenant, userId })).contacts.email;
    expect(await email("ann")).toMatchObject({ address: "ann@example.com", disabled: "bounce" });
    expect(await email("ben")).toMatchObject({ disabled: "complaint" });
    expect((await email("cat"))?.disabled).toBeUndefined();
    // Redelivered: nothing more to do, nothing breaks.
    expect(await handler(sns({ eventType: "Bounce", mail: mail(tenant, "ann"), bounce: { bounceType: "Permanent", bouncedRecipients: [{ emailAddress: "ann@example.com" }] } }))).toEqual({ applied: 1, skipped: 0 });
    expect(await email("ann")).toMatchObject({ disabled: "bounce" });
  });
});
