import { describe, expect, it } from "vitest";
import { deliveryCommandSchema, deliveryResultSchema } from "../../../src/notify/delivery/delivery-schema.js";

const valid = {
  notificationId: "n1",
  tenant: "t1",
  userId: "u1",
  channel: "sms",
  provider: "sns",
  target: { kind: "phone", number: "+14155550100" },
  title: "Code",
  body: "123456",
  attempt: 1,
};

describe("delivery wire schemas", () => {
  it("accepts a valid command and every result shape", () => {
    expect(deliveryCommandSchema.parse(valid)).toEqual(valid);
    for (const r of [
      { status: "delivered", providerMessageId: "m" },
      { status: "retryable", error: "x", retryAfterMs: 5 },
      { status: "hard", kind: "complaint", error: "x" },
      { status: "rejected", error: "x" },
    ]) expect(deliveryResultSchema.parse(r)).toEqual(r);
  });

  it("refuses a target that does not fit the channel, a non-E.164 number, unknown keys and attempt 0", () => {
    const issues = (v: unknown) => deliveryCommandSchema.safeParse(v).error?.issues.map((i) => i.path.join(".")) ?? [];
    expect(issues({ ...valid, target: { kind: "email", address: "a@b.c" } })).toEqual(["target.kind"]);
    expect(issues({ ...valid, target: { kind: "phone", number: "4155550100" } })).toEqual(["target.number"]);
    expect(issues({ ...valid, extra: 1 })).toEqual([""]);
    expect(issues({ ...valid, attempt: 0 })).toEqual(["attempt"]);
    expect(issues({ ...valid, channel: "in_app" })).toEqual(["channel"]);
    expect(deliveryResultSchema.safeParse({ status: "hard", kind: "gone", error: "x" }).success).toBe(false);
  });
});
