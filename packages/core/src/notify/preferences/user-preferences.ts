import { z } from "zod";
import type { ErrorDetail } from "../../errors.js";
import { type Channel, CHANNELS } from "../vocabulary.js";
import { intIn, knownTopics, POLICY_LIMITS, type TenantPolicy } from "./tenant-policy.js";
import { canonicalTimeZone, minuteOfDay } from "./time-zones.js";
import { describe, expected, inFieldOrder, invalid, isRecord, zodDetails } from "./validation.js";

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
  /** This user's budget of sends per window, in place of policy.caps.social (engine/caps.ts); 0..policy.caps.maxUserCap. */
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
    revision: z
      .number({ error: expected("an integer >= 0") })
      .refine((v) => Number.isSafeInteger(v) && v >= 0, { error: expected("an integer >= 0") })
      .optional(),
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

const UPDATE_FIELDS = Object.keys(updateSchema.shape);

/**
 * The problems the schema cannot see (they depend on the tenant's policy, on the zone database
 * or on two fields at once), found on the raw body so that they are reported together with the
 * schema's own. Each check looks only at a value of the right type: a mistyped one already has
 * the schema's detail, so no problem is reported twice.
 */
function preferenceChecks(body: unknown, policy: TenantPolicy): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  if (!isRecord(body)) return details;
  if (isRecord(body.topics)) {
    const known = knownTopics(policy);
    for (const [topic, pref] of Object.entries(body.topics)) {
      if (!known.has(topic)) details.push({ path: `topics.${topic}`, issue: `unknown topic ${describe(topic)}; not builtin and not one of the tenant's` });
      const channels: unknown[] = isRecord(pref) && Array.isArray(pref.channels) ? pref.channels : [];
      channels.forEach((c, i) => {
        if ((CHANNELS as readonly unknown[]).includes(c) && channels.indexOf(c) !== i) details.push({ path: `topics.${topic}.channels[${i}]`, issue: `'${String(c)}' is listed twice` });
      });
    }
  }
  if (isRecord(body.quietHours)) {
    const { start, end, timeZone } = body.quietHours;
    if (typeof timeZone === "string" && canonicalTimeZone(timeZone) === undefined) {
      details.push({ path: "quietHours.timeZone", issue: `unknown time zone ${describe(timeZone)}; expected an IANA name such as America/New_York` });
    }
    const from = typeof start === "string" ? minuteOfDay(start) : undefined;
    if (from !== undefined && typeof end === "string" && minuteOfDay(end) === from) {
      details.push({ path: "quietHours.end", issue: "must differ from start (an empty or all-day quiet period)" });
    }
  }
  const cap = body.capOverride;
  const maxCap = policy.caps.maxUserCap;
  if (typeof cap === "number" && !(Number.isSafeInteger(cap) && cap >= 0 && cap <= maxCap)) {
    details.push({ path: "capOverride", issue: `expected an integer 0..${maxCap} (the tenant's maximum), got ${describe(cap)}` });
  }
  return details;
}

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
 * Throws WeftError "invalid_request" with one `{path, issue}` per problem, every problem of the
 * body at once (in the order of its fields): unknown keys (one each), unknown time zones (and
 * fixed offsets), malformed or equal quiet-hour times, unknown topics (neither builtin nor the
 * tenant's), unknown or repeated channels, out-of-range numbers, wrong types.
 */
export function parsePreferencesUpdate(body: unknown, policy: TenantPolicy): PreferencesUpdate {
  const parsed = updateSchema.safeParse(body);
  const details = [...(parsed.success ? [] : zodDetails(parsed.error.issues)), ...preferenceChecks(body, policy)];
  if (!parsed.success || details.length > 0) throw invalid("preferences", inFieldOrder(details, UPDATE_FIELDS));
  const b = parsed.data;
  const timeZone = b.quietHours ? canonicalTimeZone(b.quietHours.timeZone) : undefined;

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
