import { z } from "zod";
import type { ErrorDetail } from "../../errors.js";
import { BUILTIN_TOPICS, type Channel, CHANNELS, type NotificationClass, TOPIC_PATTERN } from "../vocabulary.js";
import { describe, expected, invalid, zodDetails } from "./validation.js";

/** What a digest key is made of, besides the user (always part of it). */
export const DIGEST_KEY_PARTS = ["doc", "topic", "class"] as const;
export type DigestKeyPart = (typeof DIGEST_KEY_PARTS)[number];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The accepted range of every number in a tenant policy (inclusive). */
export const POLICY_LIMITS = {
  capSocial: [0, 100],
  capTransactionalExtra: [0, 10],
  capCritical: [0, 20],
  capWindowMs: [MINUTE, DAY],
  maxUserCap: [0, 100],
  ttlMs: [MINUTE, 7 * DAY],
  digestWindowMs: [10_000, DAY],
  digestMaxItems: [2, 50],
  fallbackDelayMs: [0, DAY],
  presenceGraceMs: [0, HOUR],
  tenantTopics: [0, 50],
} as const satisfies Record<string, readonly [number, number]>;

/**
 * A tenant's notification policy. Every user of the tenant gets it; a user's preferences may
 * narrow it (and override the cap and the digest window within these limits).
 */
export interface TenantPolicy {
  /** Names this policy in every decision record (with the user's preferences revision). */
  version: string;
  caps: {
    /** Social + marketing sends per rolling window, together (the user's budget). */
    social: number;
    /** Transactional sends allowed over a full social budget per window (they never use it up). */
    transactionalExtra: number;
    /** Critical sends per window: their own budget, which also ignores quiet hours. */
    critical: number;
    /** The rolling window (an hour by default; never a clock hour). */
    windowMs: number;
    /** The highest cap a user may choose for themselves (`capOverride`). */
    maxUserCap: number;
  };
  /** How long a deferred notification of each class may wait (from its event) before it expires. */
  ttlMs: Record<NotificationClass, number>;
  digest: {
    /** Default window, from a digest's first item (a user may override it). */
    windowMs: number;
    /** A digest that reaches this many items flushes at once. */
    maxItems: number;
    /** Topics whose social and marketing notifications are digested. */
    topics: string[];
    /** The digest key besides the user. */
    keyBy: DigestKeyPart[];
  };
  fallback: {
    /** Transactional: email this long after the push/in-app item if it is still unread (0 = with it). */
    transactionalDelayMs: number;
  };
  /** After the user's last WebSocket closes, push waits this long (they may be switching tabs). */
  presenceGraceMs: number;
  /** The tenant's own topics, besides BUILTIN_TOPICS. */
  topics: string[];
  /** Channels each class uses unless a user's topic preference names others. Marketing never has sms. */
  classChannels: Record<NotificationClass, Channel[]>;
}

export function defaultTenantPolicy(): TenantPolicy {
  return {
    version: "default",
    caps: { social: 3, transactionalExtra: 1, critical: 2, windowMs: HOUR, maxUserCap: 20 },
    ttlMs: { critical: HOUR, transactional: DAY, social: 12 * HOUR, marketing: DAY },
    digest: { windowMs: 10 * MINUTE, maxItems: 20, topics: ["comments", "reactions", "edits"], keyBy: ["doc", "topic"] },
    fallback: { transactionalDelayMs: 15 * MINUTE },
    presenceGraceMs: 60_000,
    topics: [],
    classChannels: {
      critical: ["in_app", "web_push", "mobile_push", "email", "sms"],
      transactional: ["in_app", "web_push", "mobile_push", "email"],
      social: ["in_app", "web_push", "mobile_push", "email"],
      marketing: ["in_app", "email"],
    },
  };
}

export function intIn([min, max]: readonly [number, number], unit = "") {
  const error = expected(`an integer ${min}..${max}${unit}`);
  return z.number({ error }).refine((v) => Number.isSafeInteger(v) && v >= min && v <= max, { error });
}

const channelList = z.array(z.enum(CHANNELS, { error: expected(`one of ${CHANNELS.join(", ")}`) }), {
  error: expected("an array of channels"),
});

const D = defaultTenantPolicy();

const policySchema = z.strictObject(
  {
    version: z
      .string({ error: expected("a version string of 1..64 characters [A-Za-z0-9_.:-]") })
      .regex(/^[A-Za-z0-9_.:-]{1,64}$/, { error: expected("a version string of 1..64 characters [A-Za-z0-9_.:-]") })
      .default(D.version),
    caps: z
      .strictObject({
        social: intIn(POLICY_LIMITS.capSocial).default(D.caps.social),
        transactionalExtra: intIn(POLICY_LIMITS.capTransactionalExtra).default(D.caps.transactionalExtra),
        critical: intIn(POLICY_LIMITS.capCritical).default(D.caps.critical),
        windowMs: intIn(POLICY_LIMITS.capWindowMs, " ms").default(D.caps.windowMs),
        maxUserCap: intIn(POLICY_LIMITS.maxUserCap).default(D.caps.maxUserCap),
      })
      .prefault({}),
    ttlMs: z
      .strictObject({
        critical: intIn(POLICY_LIMITS.ttlMs, " ms").default(D.ttlMs.critical),
        transactional: intIn(POLICY_LIMITS.ttlMs, " ms").default(D.ttlMs.transactional),
        social: intIn(POLICY_LIMITS.ttlMs, " ms").default(D.ttlMs.social),
        marketing: intIn(POLICY_LIMITS.ttlMs, " ms").default(D.ttlMs.marketing),
      })
      .prefault({}),
    digest: z
      .strictObject({
        windowMs: intIn(POLICY_LIMITS.digestWindowMs, " ms").default(D.digest.windowMs),
        maxItems: intIn(POLICY_LIMITS.digestMaxItems).default(D.digest.maxItems),
        topics: z.array(z.string({ error: expected("a topic name") }), { error: expected("an array of topics") }).default(D.digest.topics),
        keyBy: z
          .array(z.enum(DIGEST_KEY_PARTS, { error: expected(DIGEST_KEY_PARTS.join(", ")) }), { error: expected("an array") })
          .default(D.digest.keyBy),
      })
      .prefault({}),
    fallback: z
      .strictObject({ transactionalDelayMs: intIn(POLICY_LIMITS.fallbackDelayMs, " ms").default(D.fallback.transactionalDelayMs) })
      .prefault({}),
    presenceGraceMs: intIn(POLICY_LIMITS.presenceGraceMs, " ms").default(D.presenceGraceMs),
    topics: z.array(z.string({ error: expected("a topic name") }), { error: expected("an array of topic names") }).default([]),
    classChannels: z
      .strictObject({
        critical: channelList.default(D.classChannels.critical),
        transactional: channelList.default(D.classChannels.transactional),
        social: channelList.default(D.classChannels.social),
        marketing: channelList.default(D.classChannels.marketing),
      })
      .prefault({}),
  },
  { error: expected("a tenant policy object") },
);

/**
 * Validates a tenant policy (any field may be left out: the default applies) and returns it
 * complete. Throws WeftError "invalid_request" with one detail per problem: out-of-range
 * numbers, unknown keys, malformed or builtin-shadowing tenant topics, digest topics that are
 * not known, repeated entries, marketing by SMS.
 */
export function parseTenantPolicy(input: unknown): TenantPolicy {
  const parsed = policySchema.safeParse(input ?? {});
  if (!parsed.success) throw invalid("tenant policy", zodDetails(parsed.error.issues));
  const p = parsed.data as TenantPolicy;
  const details: ErrorDetail[] = [];
  const [, maxTopics] = POLICY_LIMITS.tenantTopics;
  if (p.topics.length > maxTopics) details.push({ path: "topics", issue: `${p.topics.length} topics; at most ${maxTopics}` });
  p.topics.forEach((t, i) => {
    if (!TOPIC_PATTERN.test(t)) details.push({ path: `topics[${i}]`, issue: `expected a topic matching [a-z][a-z0-9_.-]{0,39}, got ${describe(t)}` });
    else if ((BUILTIN_TOPICS as readonly string[]).includes(t)) details.push({ path: `topics[${i}]`, issue: `'${t}' is a builtin topic` });
    else if (p.topics.indexOf(t) !== i) details.push({ path: `topics[${i}]`, issue: `'${t}' is listed twice` });
  });
  const known = knownTopics(p);
  p.digest.topics.forEach((t, i) => {
    if (!known.has(t)) details.push({ path: `digest.topics[${i}]`, issue: `unknown topic ${describe(t)}` });
  });
  p.digest.keyBy.forEach((k, i) => {
    if (p.digest.keyBy.indexOf(k) !== i) details.push({ path: `digest.keyBy[${i}]`, issue: `'${k}' is listed twice` });
  });
  for (const cls of Object.keys(p.classChannels) as NotificationClass[]) {
    p.classChannels[cls].forEach((c, i) => {
      if (p.classChannels[cls].indexOf(c) !== i) details.push({ path: `classChannels.${cls}[${i}]`, issue: `'${c}' is listed twice` });
    });
  }
  const sms = p.classChannels.marketing.indexOf("sms");
  if (sms >= 0) details.push({ path: `classChannels.marketing[${sms}]`, issue: "marketing is never sent by SMS" });
  if (details.length > 0) throw invalid("tenant policy", details);
  return p;
}

/** Builtin topics plus the tenant's own. */
export function knownTopics(policy: TenantPolicy): ReadonlySet<string> {
  return new Set<string>([...BUILTIN_TOPICS, ...policy.topics]);
}
