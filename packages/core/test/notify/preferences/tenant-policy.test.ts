import { describe, expect, test } from "vitest";
import { WeftError } from "../../../src/errors.js";
import { defaultTenantPolicy, parseTenantPolicy, userContactsOf } from "../../../src/notify/preferences/index.js";

function refusal(input: unknown): WeftError {
  try {
    parseTenantPolicy(input);
  } catch (err) {
    expect(err).toBeInstanceOf(WeftError);
    expect((err as WeftError).code).toBe("invalid_request");
    return err as WeftError;
  }
  throw new Error("accepted");
}

describe("tenant policy", () => {
  test("defaults: 3 social per rolling hour, +1 transactional, 2 critical; 10-minute digests; 60 s presence grace", () => {
    const p = parseTenantPolicy(undefined);
    expect(p).toEqual(defaultTenantPolicy());
    expect([p.caps.social, p.caps.transactionalExtra, p.caps.critical, p.caps.windowMs]).toEqual([3, 1, 2, 3_600_000]);
    expect([p.digest.windowMs, p.digest.keyBy, p.presenceGraceMs]).toEqual([600_000, ["doc", "topic"], 60_000]);
  });

  test("the cross-channel rule (push or email, not both) is on for social and marketing by default; [] turns it off", () => {
    expect(parseTenantPolicy({}).emailOnlyWithoutPush).toEqual(["social", "marketing"]);
    expect(parseTenantPolicy({ emailOnlyWithoutPush: [] }).emailOnlyWithoutPush).toEqual([]);
    expect(parseTenantPolicy({ emailOnlyWithoutPush: ["social"] }).emailOnlyWithoutPush).toEqual(["social"]);
  });

  test("transactional email: push or email by default (without_push); unread emails every item still unread after the delay", () => {
    expect(parseTenantPolicy({}).fallback).toEqual({ transactionalDelayMs: 900_000, transactionalEmail: "without_push" });
    expect(parseTenantPolicy({ fallback: { transactionalEmail: "unread" } }).fallback).toEqual({ transactionalDelayMs: 900_000, transactionalEmail: "unread" });
  });

  test("a partial policy is merged onto the defaults", () => {
    const p = parseTenantPolicy({ version: "v2", caps: { social: 5 }, topics: ["billing"], digest: { topics: ["comments", "billing"] } });
    expect(p.caps).toEqual({ ...defaultTenantPolicy().caps, social: 5 });
    expect(p.digest).toEqual({ ...defaultTenantPolicy().digest, topics: ["comments", "billing"] });
    expect(p.version).toBe("v2");
  });

  test.each([
    ["cap out of range", { caps: { social: 101 } }, "caps.social", /expected an integer 0..100, got 101/],
    ["window too short", { caps: { windowMs: 0 } }, "caps.windowMs", /expected an integer 60000..86400000 ms, got 0/],
    ["TTL too long", { ttlMs: { social: 30 * 86_400_000 } }, "ttlMs.social", /got 2592000000/],
    ["digest max items too small", { digest: { maxItems: 1 } }, "digest.maxItems", /expected an integer 2..50, got 1/],
    ["unknown key", { caps: { perDay: 3 } }, "caps.perDay", /unknown key/],
    ["malformed tenant topic", { topics: ["Billing"] }, "topics[0]", /expected a topic matching/],
    ["tenant topic shadowing a builtin", { topics: ["mentions"] }, "topics[0]", /'mentions' is a builtin topic/],
    ["tenant topic listed twice", { topics: ["billing", "billing"] }, "topics[1]", /listed twice/],
    ["unknown digest topic", { digest: { topics: ["gardening"] } }, "digest.topics[0]", /unknown topic "gardening"/],
    ["unknown digest key part", { digest: { keyBy: ["doc", "author"] } }, "digest.keyBy[1]", /expected doc, topic, class/],
    ["marketing by SMS", { classChannels: { marketing: ["in_app", "sms"] } }, "classChannels.marketing[1]", /marketing is never sent by SMS/],
    ["bad version", { version: "has space" }, "version", /expected a version string/],
    ["cross-channel rule for critical", { emailOnlyWithoutPush: ["social", "critical"] }, "emailOnlyWithoutPush[1]", /expected social or marketing .*got "critical"/],
    ["cross-channel rule for transactional", { emailOnlyWithoutPush: ["transactional"] }, "emailOnlyWithoutPush[0]", /transactional ones email as a delayed fallback, see fallback.transactionalEmail\), got "transactional"/],
    ["unknown transactional email mode", { fallback: { transactionalEmail: "always" } }, "fallback.transactionalEmail", /expected one of without_push, unread/],
    ["cross-channel rule as a boolean", { emailOnlyWithoutPush: true }, "emailOnlyWithoutPush", /expected an array of classes, got true/],
    ["cross-channel class listed twice", { emailOnlyWithoutPush: ["social", "social"] }, "emailOnlyWithoutPush[1]", /'social' is listed twice/],
  ])("%s is refused", (_, input, path, issue) => {
    const err = refusal(input);
    const detail = err.details.find((d) => d.path === path);
    expect(detail, JSON.stringify(err.details)).toBeDefined();
    expect(detail!.issue).toMatch(issue);
  });

  test("the schema's problems and the cross-field ones are reported together, one detail each", () => {
    const err = refusal({
      caps: { social: -1 },
      digest: { topics: ["gardening"], keyBy: ["doc", "doc"] },
      topics: ["mentions", 3],
      classChannels: { marketing: ["sms"] },
      emailOnlyWithoutPush: ["critical", "marketing", "marketing"],
      surprise: 1,
    });
    expect(err.details.map((d) => d.path)).toEqual([
      "caps.social",
      "digest.topics[0]",
      "digest.keyBy[1]",
      "topics[1]",
      "topics[0]",
      "classChannels.marketing[0]",
      "emailOnlyWithoutPush[0]",
      "emailOnlyWithoutPush[2]",
      "surprise",
    ]);
  });
});

describe("contacts", () => {
  test("an email counts only when verified and not disabled; a phone only when verified", () => {
    expect(userContactsOf({ email: { verified: true }, phone: { verified: false } }, { web_push: 2 })).toEqual({
      emailVerified: true,
      hasPhone: false,
      devices: { web_push: 2, mobile_push: 0 },
    });
    expect(userContactsOf({ email: { verified: true, disabled: "bounce" }, phone: { verified: true } }).emailVerified).toBe(false);
  });
});
