import { describe, expect, test } from "vitest";
import { WeftError } from "../../../src/errors.js";
import {
  applyPreferencesUpdate,
  defaultTenantPolicy,
  defaultUserPreferences,
  parsePreferencesUpdate,
  parseTenantPolicy,
  policyVersionOf,
  updateUserPreferences,
} from "../../../src/notify/preferences/index.js";

const policy = parseTenantPolicy({ version: "p7", topics: ["billing"] });

function refusal(body: unknown): WeftError {
  try {
    parsePreferencesUpdate(body, policy);
  } catch (err) {
    expect(err).toBeInstanceOf(WeftError);
    expect((err as WeftError).code).toBe("invalid_request");
    return err as WeftError;
  }
  throw new Error("accepted");
}

describe("preferences validation: one refusal per bad input", () => {
  test.each([
    ["unknown time zone", { quietHours: { start: "22:00", end: "07:00", timeZone: "Mars/Olympus_Mons" } }, "quietHours.timeZone", /unknown time zone "Mars\/Olympus_Mons"/],
    ["a fixed offset instead of a zone", { quietHours: { start: "22:00", end: "07:00", timeZone: "+05:30" } }, "quietHours.timeZone", /unknown time zone/],
    ["an hour out of range", { quietHours: { start: "24:00", end: "07:00", timeZone: "UTC" } }, "quietHours.start", /expected a local time "HH:MM" \(00:00..23:59\), got "24:00"/],
    ["a time without leading zero", { quietHours: { start: "22:00", end: "7:00", timeZone: "UTC" } }, "quietHours.end", /got "7:00"/],
    ["minutes out of range", { quietHours: { start: "22:60", end: "07:00", timeZone: "UTC" } }, "quietHours.start", /got "22:60"/],
    ["a time that is not a string", { quietHours: { start: 2200, end: "07:00", timeZone: "UTC" } }, "quietHours.start", /got 2200/],
    ["start equal to end", { quietHours: { start: "07:00", end: "07:00", timeZone: "UTC" } }, "quietHours.end", /must differ from start/],
    ["quiet hours missing the zone", { quietHours: { start: "22:00", end: "07:00" } }, "quietHours.timeZone", /missing; expected an IANA time zone/],
    ["unknown topic", { topics: { gardening: { enabled: false } } }, "topics.gardening", /unknown topic "gardening"; not builtin and not one of the tenant's/],
    ["unknown channel in a topic", { topics: { mentions: { enabled: true, channels: ["fax"] } } }, "topics.mentions.channels[0]", /expected one of in_app, web_push, mobile_push, email, sms, got "fax"/],
    ["a channel listed twice", { topics: { mentions: { enabled: true, channels: ["email", "email"] } } }, "topics.mentions.channels[1]", /listed twice/],
    ["unknown global channel", { channels: { pager: true } }, "channels.pager", /unknown key/],
    ["digest window too short", { digestWindowMs: 1000 }, "digestWindowMs", /expected an integer 10000..86400000 ms, got 1000/],
    ["digest window too long", { digestWindowMs: 2 * 86_400_000 }, "digestWindowMs", /got 172800000/],
    ["cap over the tenant's maximum", { capOverride: 21 }, "capOverride", /expected an integer 0..20 \(the tenant's maximum\), got 21/],
    ["negative cap", { capOverride: -1 }, "capOverride", /got -1/],
    ["fractional cap", { capOverride: 2.5 }, "capOverride", /got 2.5/],
    ["unknown key", { colour: "blue" }, "colour", /unknown key/],
    ["consent without a source", { consent: { sms: { granted: true } } }, "consent.sms.source", /missing; expected a source/],
    ["consent granted not a boolean", { consent: { email: { granted: "yes", source: "settings" } } }, "consent.email.granted", /expected true or false, got "yes"/],
    ["not an object", "quiet please", "", /expected a preferences object/],
  ])("%s", (_, body, path, issue) => {
    const err = refusal(body);
    const detail = err.details.find((d) => d.path === path);
    expect(detail, JSON.stringify(err.details)).toBeDefined();
    expect(detail!.issue).toMatch(issue);
    expect(err.message).toMatch(/^invalid preferences: /);
  });

  test("every problem is reported, not only the first", () => {
    const err = refusal({ topics: { gardening: { enabled: true } }, capOverride: 99, quietHours: { start: "22:00", end: "07:00", timeZone: "Nowhere/Land" } });
    expect(err.details.map((d) => d.path).sort()).toEqual(["capOverride", "quietHours.timeZone", "topics.gardening"]);
    expect(err.message).toMatch(/\(and 2 more; see details\)$/);
  });

  test("the schema's problems and the policy's are reported together, one detail each, in the order of the fields", () => {
    const err = refusal({
      revision: "3",
      channels: { sms: "no", pager: true },
      topics: { gossip: { enabled: false }, mentions: { enabled: true, channels: ["email", "email", "fax"] } },
      quietHours: { start: "25:00", end: "07:00", timeZone: "Mars/Olympus_Mons", note: "x" },
      digestWindowMs: 5,
      capOverride: 99,
      consent: { sms: { granted: true } },
      volume: 11,
    });
    expect(err.details.map((d) => d.path)).toEqual([
      "revision",
      "channels.sms",
      "channels.pager",
      "topics.mentions.channels[2]",
      "topics.gossip",
      "topics.mentions.channels[1]",
      "quietHours.start",
      "quietHours.note",
      "quietHours.timeZone",
      "digestWindowMs",
      "capOverride",
      "consent.sms.source",
      "volume",
    ]);
    expect(err.details.find((d) => d.path === "quietHours.start")!.issue).toMatch(/got "25:00"/);
    expect(err.details.find((d) => d.path === "quietHours.timeZone")!.issue).toMatch(/unknown time zone "Mars\/Olympus_Mons"/);
    expect(err.details.find((d) => d.path === "topics.gossip")!.issue).toMatch(/unknown topic "gossip"/);
    expect(err.details.find((d) => d.path === "volume")!.issue).toBe("unknown key");
    expect(err.message).toMatch(/^invalid preferences: revision: .*\(and 12 more; see details\)$/);
  });

  test("a mistyped value gets the schema's detail only, not a second one from the policy checks", () => {
    const err = refusal({ capOverride: "5", quietHours: { start: 2200, end: 2200, timeZone: 7 }, topics: { mentions: { enabled: true, channels: ["fax", "fax"] } } });
    expect(err.details.map((d) => d.path)).toEqual(["topics.mentions.channels[0]", "topics.mentions.channels[1]", "quietHours.start", "quietHours.end", "quietHours.timeZone", "capOverride"]);
  });
});

describe("preferences: accepted updates", () => {
  test("defaults fill what is left out; a tenant topic is known; zone names are canonical", () => {
    const u = parsePreferencesUpdate({ topics: { billing: { enabled: true, channels: ["email"] } }, quietHours: { start: "22:00", end: "07:00", timeZone: "america/new_york" } }, policy);
    expect(u).toEqual({
      channels: { in_app: true, web_push: true, mobile_push: true, email: true, sms: true },
      topics: { billing: { enabled: true, channels: ["email"] } },
      quietHours: { start: "22:00", end: "07:00", timeZone: "America/New_York" },
      consent: {},
      smsOptIn: false,
    });
  });

  test("PUT replaces settings (null clears) but keeps consent unless it is given again; provenance is stamped only on change", () => {
    const now = 1_760_000_000_000;
    const first = updateUserPreferences(
      defaultUserPreferences(),
      { capOverride: 5, digestWindowMs: 60_000, consent: { sms: { granted: true, source: "settings_page" } }, smsOptIn: true },
      { policy, now, userAgent: "Mozilla/5.0 (X11) ".padEnd(400, "x") },
    );
    expect(first.revision).toBe(1);
    expect(first.consent.sms).toEqual({ granted: true, source: "settings_page", at: now, userAgent: "Mozilla/5.0 (X11) ".padEnd(256, "x") });

    // Sent back as GET returned it (with revision, at, userAgent): unchanged consent keeps its provenance.
    const echoed = { ...first, capOverride: null, digestWindowMs: null };
    const second = updateUserPreferences(first, echoed, { policy, now: now + 1000, userAgent: "other" });
    expect(second.revision).toBe(2);
    expect(second.capOverride).toBeUndefined();
    expect(second.digestWindowMs).toBeUndefined();
    expect(second.consent.sms).toEqual(first.consent.sms);
    expect(parsePreferencesUpdate(echoed, policy).expectedRevision).toBe(1);

    // Left out: kept. Withdrawn: a new record.
    const third = updateUserPreferences(second, { consent: { sms: { granted: false, source: "sms_stop" } } }, { policy, now: now + 2000 });
    expect(third.consent.sms).toEqual({ granted: false, source: "sms_stop", at: now + 2000 });
    const fourth = applyPreferencesUpdate(third, parsePreferencesUpdate({}, policy), { now: now + 3000 });
    expect(fourth.consent.sms).toEqual(third.consent.sms);
    expect(fourth.smsOptIn).toBe(false);
  });

  test("the policy version of decisions names the tenant policy and the preferences revision", () => {
    expect(policyVersionOf(policy, { ...defaultUserPreferences(), revision: 4 })).toBe("p7+r4");
    expect(policyVersionOf(defaultTenantPolicy(), defaultUserPreferences())).toBe("default+r0");
  });
});
