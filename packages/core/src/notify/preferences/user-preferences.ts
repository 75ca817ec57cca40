import { z } from "zod";
import type { ErrorDetail } from "../../errors.js";
import { type Channel, CHANNELS } from "../vocabulary.js";
import { intIn, knownTopics, POLICY_LIMITS, type TenantPolicy } from "./tenant-policy.js";
import { canonicalTimeZone, minuteOfDay } from "./time-zones.js";
import { describe, expected, invalid, zodDetails } from "./validation.js";

/** Who consented (or withdrew) to a channel, and how: kept as proof, never inferred. */
export interface ConsentRecord {
  granted: boolean;
  /** Where it was given: "settings_page", "signup_form", "import:crm", ... */
  source: string;
  /** Server ms when this record was made. */
  at: number;
  /** The User-Agent of the request that made it, when there was one. */
  userAgent?: string;
}

/** Local quiet period in the user's IANA zone; `end` may be earlier than `start` (over midnight). */
export interface QuietHours {
  start: string;
  end: string;
  timeZone: string;
}

export interface TopicPreference {
  enabled: boolean;
  /** The channels for this topic, replacing the class's defaults (still filtered by class policy). */
  channels?: Channel[];
}

/** A user's stored notification preferences. */
export interface UserPreferences {
  /** Bumped by every accepted update; part of every decision's policy version. */
  revision: number;
  /** Global channel switches (all on by default). */
  channels: Record<Channel, boolean>;
  /** Per-topic overrides; a topic not listed is enabled with its class's channels. */
  topics: Record<string, TopicPreference>;
  quietHours?: QuietHours;
  /** The digest window for this user (else the tenant's). */
  digestWindowMs?: number;
  /** The social + marketing cap for this user (else the tenant's); 0..policy.caps.maxUserCap. */
  capOverride?: number;
  consent: { email?: ConsentRecord; sms?: ConsentRecord };
  /** Explicit opt-in to social notifications by SMS (critical and transactional need only consent). */
  smsOptIn: boolean;
}

export function defaultUserPreferences(): UserPreferences {
  return {
    revision: 0,
    channels: { in_app: true, web_push: true, mobile_push: true, email: true, sms: true },
    topics: {},
    consent: {},
    smsOptIn: false,
  };
}

/** `policyVersion` of decisions: the tenant policy's version and the user's preferences revision. */
export function policyVersionOf(policy: TenantPolicy, prefs: UserPreferences): string {
  return `${policy.version}+r${prefs.revision}`;
}

const hhmm = z.string({ error: expected('a local time "HH:MM" (00:00..23:59)') }).refine((s) => minuteOfDay(s) !== undefined, {
  error: expected('a local time "HH:MM" (00:00..23:59)'),
});

const consentInput = z.strictObject(
  {
    granted: z.boolean({ error: expected("true or false") }),
    source: z
      .string({ error: expected("a source of 1..64 characters [A-Za-z0-9_.:-]") })
      .regex(/^[A-Za-z0-9_.:-]{1,64}$/, { error: expected("a source of 1..64 characters [A-Za-z0-9_.:-]") }),
    // Echoed back from a GET; ignored (the server stamps provenance itself).
    at: z.number().optional(),
    userAgent: z.string().optional(),
  },
  { error: expected("a consent object {granted, source}") },
);

const channelSwitches = z.strictObject(
  Object.fromEntries(CHANNELS.map((c) => [c, z.boolean({ error: expected("true or false") }).optional()])) as Record<
    Channel,
    z.ZodOptional<z.ZodBoolean>
  >,
  { error: expected(`an object of channel switches (${CHANNELS.join(", ")})`) },
);

const updateSchema = z.strictObject(
  {
    /** Optimistic concurrency: when given, the update applies only over this revision. */
    revision: z.number().int().min(0).optional(),
    channels: channelSwitches.optional(),
    topics: z
      .record(
        z.string(),
        z.strictObject(
          {
            enabled: z.boolean({ error: expected("true or false") }).default(true),
            channels: z
              .array(z.enum(CHANNELS, { error: expected(`one of ${CHANNELS.join(", ")}`) }), { error: expected("an array of channels") })
              .optional(),
          },
          { error: expected("a topic preference {enabled, channels?}") },
        ),
        { error: expected("an object of topic preferences") },
      )
      .optional(),
    quietHours: z
      .strictObject(
        { start: hhmm, end: hhmm, timeZone: z.string({ error: expected("an IANA time zone such as Europe/Paris") }) },
        { error: expected("quiet hours {start, end, timeZone} or null") },
      )
      .nullable()
      .optional(),
    digestWindowMs: intIn(POLICY_LIMITS.digestWindowMs, " ms").nullable().optional(),
    capOverride: z.number({ error: expected("an integer") }).nullable().optional(),
    consent: z
      .strictObject({ email: consentInput.optional(), sms: consentInput.optional() }, { error: expected("a consent object {email?, sms?}") })
      .optional(),
    smsOptIn: z.boolean({ error: expected("true or false") }).optional(),
  },
  { error: expected("a preferences object") },
);

/** A validated PUT body (see `parsePreferencesUpdate`). */
export interface PreferencesUpdate {
  expectedRevision?: number;
  channels: Record<Channel, boolean>;
  topics: Record<string, TopicPreference>;
  quietHours?: QuietHours;
  digestWindowMs?: number;
  capOverride?: number;
  consent: { email?: { granted: boolean; source: string }; sms?: { granted: boolean; source: string } };
  smsOptIn: boolean;
}

/**
 * Validates the body of `PUT /v1/me/preferences` against the tenant's policy. PUT replaces
 * every setting (a left-out field gets its default; `null` clears quiet hours, the digest
 * window or the cap override), except consent: a left-out consent record is kept, since
 * consent is only ever given or withdrawn explicitly. `revision` and consent `at`/`userAgent`
 * (as GET returns them) are accepted so a GET result can be edited and sent back.
 *
 * Throws WeftError "invalid_request" with one `{path, issue}` per problem: unknown keys,
 * unknown time zones (and fixed offsets), malformed or equal quiet-hour times, unknown topics
 * (neither builtin nor the tenant's), unknown channels, out-of-range numbers.
 */
export function parsePreferencesUpdate(body: unknown, policy: TenantPolicy): PreferencesUpdate {
  const parsed = updateSchema.safeParse(body);
  const details: ErrorDetail[] = parsed.success ? [] : zodDetails(parsed.error.issues);
  if (!parsed.success) throw invalid("preferences", details);
  const b = parsed.data;
  const known = knownTopics(policy);
  for (const topic of Object.keys(b.topics ?? {})) {
    if (!known.has(topic)) details.push({ path: `topics.${topic}`, issue: `unknown topic ${describe(topic)}; not builtin and not one of the tenant's` });
  }
  for (const [topic, pref] of Object.entries(b.topics ?? {})) {
    pref.channels?.forEach((c, i) => {
      if (pref.channels!.indexOf(c) !== i) details.push({ path: `topics.${topic}.channels[${i}]`, issue: `'${c}' is listed twice` });
    });
  }
  let timeZone: string | undefined;
  if (b.quietHours) {
    timeZone = canonicalTimeZone(b.quietHours.timeZone);
    if (timeZone === undefined) {
      details.push({ path: "quietHours.timeZone", issue: `unknown time zone ${describe(b.quietHours.timeZone)}; expected an IANA name such as America/New_York` });
    }
    if (b.quietHours.start === b.quietHours.end) details.push({ path: "quietHours.end", issue: "must differ from start (an empty or all-day quiet period)" });
  }
  const maxCap = policy.caps.maxUserCap;
  if (b.capOverride != null && !(Number.isSafeInteger(b.capOverride) && b.capOverride >= 0 && b.capOverride <= maxCap)) {
    details.push({ path: "capOverride", issue: `expected an integer 0..${maxCap} (the tenant's maximum), got ${describe(b.capOverride)}` });
  }
  if (details.length > 0) throw invalid("preferences", details);

  const channels = defaultUserPreferences().channels;
  for (const c of CHANNELS) if (b.channels?.[c] !== undefined) channels[c] = b.channels[c]!;
  const topics: Record<string, TopicPreference> = {};
  for (const [topic, pref] of Object.entries(b.topics ?? {})) {
    topics[topic] = pref.channels ? { enabled: pref.enabled, channels: pref.channels } : { enabled: pref.enabled };
  }
  const consent: PreferencesUpdate["consent"] = {};
  if (b.consent?.email) consent.email = { granted: b.consent.email.granted, source: b.consent.email.source };
  if (b.consent?.sms) consent.sms = { granted: b.consent.sms.granted, source: b.consent.sms.source };
  return {
    ...(b.revision !== undefined ? { expectedRevision: b.revision } : {}),
    channels,
    topics,
    ...(b.quietHours ? { quietHours: { start: b.quietHours.start, end: b.quietHours.end, timeZone: timeZone! } } : {}),
    ...(b.digestWindowMs != null ? { digestWindowMs: b.digestWindowMs } : {}),
    ...(b.capOverride != null ? { capOverride: b.capOverride } : {}),
    consent,
    smsOptIn: b.smsOptIn ?? false,
  };
}

const MAX_USER_AGENT = 256;

/**
 * The preferences after `update` over `previous`: revision + 1; a consent record whose
 * `granted` or `source` changed is stamped with `now` and the request's User-Agent (cut to
 * 256 characters); an unchanged or left-out one keeps its original provenance.
 */
export function applyPreferencesUpdate(
  previous: UserPreferences,
  update: PreferencesUpdate,
  request: { now: number; userAgent?: string },
): UserPreferences {
  const stamp = (prev: ConsentRecord | undefined, next: { granted: boolean; source: string } | undefined): ConsentRecord | undefined => {
    if (!next) return prev;
    if (prev && prev.granted === next.granted && prev.source === next.source) return prev;
    const ua = request.userAgent?.slice(0, MAX_USER_AGENT);
    return { granted: next.granted, source: next.source, at: request.now, ...(ua ? { userAgent: ua } : {}) };
  };
  const email = stamp(previous.consent.email, update.consent.email);
  const sms = stamp(previous.consent.sms, update.consent.sms);
  return {
    revision: previous.revision + 1,
    channels: update.channels,
    topics: update.topics,
    ...(update.quietHours ? { quietHours: update.quietHours } : {}),
    ...(update.digestWindowMs !== undefined ? { digestWindowMs: update.digestWindowMs } : {}),
    ...(update.capOverride !== undefined ? { capOverride: update.capOverride } : {}),
    consent: { ...(email ? { email } : {}), ...(sms ? { sms } : {}) },
    smsOptIn: update.smsOptIn,
  };
}

/** Validates `body` and applies it: the one call a PUT handler needs. Throws as `parsePreferencesUpdate`. */
export function updateUserPreferences(
  previous: UserPreferences,
  body: unknown,
  request: { policy: TenantPolicy; now: number; userAgent?: string },
): UserPreferences {
  return applyPreferencesUpdate(previous, parsePreferencesUpdate(body, request.policy), request);
}

/** Stored preferences as loaded (opaque JSON), or the defaults when there are none (revision 0). */
export function storedPreferencesOf(stored: unknown, revision: number): UserPreferences {
  if (stored === undefined || stored === null) return { ...defaultUserPreferences(), revision };
  return { ...(stored as UserPreferences), revision };
}
