import { z } from "zod";
import type { ErrorDetail } from "../../errors.js";
import { BUILTIN_TOPICS, type Channel, CHANNELS, NOTIFICATION_CLASSES, type NotificationClass, TOPIC_PATTERN } from "../vocabulary.js";
import { describe, expected, inFieldOrder, invalid, isRecord, zodDetails } from "./validation.js";

/** What a digest key is made of, besides the user (always part of it). */
export const DIGEST_KEY_PARTS = ["doc", "topic", "class"] as const;
export type DigestKeyPart = (typeof DIGEST_KEY_PARTS)[number];

/**
 * The classes the cross-channel rule may apply to (`emailOnlyWithoutPush`). Critical
 * notifications go to every channel at once (a security alert must get through); transactional
 * ones use email as a delayed fallback to push (`fallback`: push or email by default there too).
 */
export const EMAIL_WITHOUT_PUSH_CLASSES = ["social", "marketing"] as const;
export type EmailWithoutPushClass = (typeof EMAIL_WITHOUT_PUSH_CLASSES)[number];

/**
 * Which still-unread transactional items get their delayed email (`fallback.transactionalEmail`).
 * `without_push`: only those no push channel reaches when the delay ends (the user has none,
 * switched it off, or its device was dropped after the provider refused it): push or email,
 * never both, as for social notifications. `unread`: every one still unread.
 */
export const TRANSACTIONAL_EMAIL_MODES = ["without_push", "unread"] as const;
export type TransactionalEmailMode = (typeof TRANSACTIONAL_EMAIL_MODES)[number];

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
  emailDigestWindowMs: [MINUTE, DAY],
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
    /** Sends per rolling window (the user's budget): social, marketing and transactional ones count in it (engine/caps.ts). */
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
    /** Which unread items get that email: see TRANSACTIONAL_EMAIL_MODES. */
    transactionalEmail: TransactionalEmailMode;
  };
  /** After the user's last WebSocket closes, push waits this long (they may be switching tabs). */
  presenceGraceMs: number;
  /** The tenant's own topics, besides BUILTIN_TOPICS. */
  topics: string[];
  /** Channels each class uses unless a user's topic preference names others. Marketing never has sms. */
  classChannels: Record<NotificationClass, Channel[]>;
  /**
   * Channels a topic's notifications use instead of their class's (known topics only; a user's
   * own channels for the topic still come first; critical notifications keep their class's):
   * e.g. reactions in-app and by push, never by email. The cross-channel rule and the email
   * digest treat them as the class's.
   */
  topicChannels: Record<string, Channel[]>;
  /**
   * The cross-channel rule: for these classes a notification goes by push or by email, never
   * both. When a push channel (web or mobile) of the class's channels can reach the user, email
   * is left out (`suppressed:preference`), also while the push itself is held back by presence;
   * email is used only when no push can. Applies to `classChannels` only: a user's own channels
   * for a topic are used as chosen (engine/channels.ts). `[]` sends on every channel at once.
   */
  emailOnlyWithoutPush: EmailWithoutPushClass[];
  /**
   * Email as a digest (the notification brief's "digest email at the next window"): a
   * notification of these classes that would be emailed now (no push reaches the user; the
   * class's channels, not a user's own for the topic) is sent on its other channels at once (the
   * in-app item as usual) and joins the user's email digest instead: one email per `windowMs`
   * from the digest's first item (or at digest.maxItems items), summarising the items still
   * unread and visible then (reading an item in-app takes it out). Notifications of the digest
   * topics are digested as before (`digest`). `[]`: every email goes out with its notification.
   */
  emailDigest: { classes: EmailWithoutPushClass[]; windowMs: number };
}

export function defaultTenantPolicy(): TenantPolicy {
  return {
    version: "default",
    caps: { social: 3, transactionalExtra: 1, critical: 2, windowMs: HOUR, maxUserCap: 20 },
    ttlMs: { critical: HOUR, transactional: DAY, social: 12 * HOUR, marketing: DAY },
    digest: { windowMs: 10 * MINUTE, maxItems: 20, topics: ["comments", "reactions", "edits"], keyBy: ["doc", "topic"] },
    fallback: { transactionalDelayMs: 15 * MINUTE, transactionalEmail: "without_push" },
    presenceGraceMs: 60_000,
    topics: [],
    classChannels: {
      critical: ["in_app", "web_push", "mobile_push", "email", "sms"],
      transactional: ["in_app", "web_push", "mobile_push", "email"],
      social: ["in_app", "web_push", "mobile_push", "email"],
      marketing: ["in_app", "email"],
    },
    topicChannels: {},
    emailOnlyWithoutPush: ["social", "marketing"],
    emailDigest: { classes: [], windowMs: HOUR },
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
      .strictObject({
        transactionalDelayMs: intIn(POLICY_LIMITS.fallbackDelayMs, " ms").default(D.fallback.transactionalDelayMs),
        transactionalEmail: z
          .enum(TRANSACTIONAL_EMAIL_MODES, { error: expected(`one of ${TRANSACTIONAL_EMAIL_MODES.join(", ")}`) })
          .default(D.fallback.transactionalEmail),
      })
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
    topicChannels: z.record(z.string(), channelList, { error: expected("an object of topic -> channels") }).default({}),
    emailOnlyWithoutPush: z
      .array(
        z.enum(EMAIL_WITHOUT_PUSH_CLASSES, {
          error: expected("social or marketing (critical notifications use every channel; transactional ones email as a delayed fallback, see fallback.transactionalEmail)"),
        }),
        { error: expected("an array of classes") },
      )
      .default(D.emailOnlyWithoutPush),
    emailDigest: z
      .strictObject({
        classes: z
          .array(z.enum(EMAIL_WITHOUT_PUSH_CLASSES, { error: expected("social or marketing") }), { error: expected("an array of classes") })
          .default(D.emailDigest.classes),
        windowMs: intIn(POLICY_LIMITS.emailDigestWindowMs, " ms").default(D.emailDigest.windowMs),
      })
      .prefault({}),
  },
  { error: expected("a tenant policy object") },
);

const POLICY_FIELDS = Object.keys(policySchema.shape);

/**
 * Validates a tenant policy (any field may be left out: the default applies) and returns it
 * complete. Throws WeftError "invalid_request" with one detail per problem, every problem at
 * once (in the order of the fields): out-of-range numbers, unknown keys, malformed or
 * builtin-shadowing tenant topics, digest topics that are not known, repeated entries,
 * marketing by SMS, a class the cross-channel rule cannot apply to, wrong types.
 */
export function parseTenantPolicy(input: unknown): TenantPolicy {
  const raw = input ?? {};
  const parsed = policySchema.safeParse(raw);
  const details = [...(parsed.success ? [] : zodDetails(parsed.error.issues)), ...policyChecks(raw)];
  if (!parsed.success || details.length > 0) throw invalid("tenant policy", inFieldOrder(details, POLICY_FIELDS));
  return parsed.data as TenantPolicy;
}

/**
 * The problems the schema cannot see (entries against each other, against the builtin topics,
 * marketing by SMS), found on the raw input so that they are reported together with the
 * schema's own. Each check looks only at values of the right type (a mistyped one already has
 * the schema's detail); a left-out field's default has none of these problems.
 */
function policyChecks(raw: unknown): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  if (!isRecord(raw)) return details;
  const topics = Array.isArray(raw.topics) ? raw.topics : [];
  const [, maxTopics] = POLICY_LIMITS.tenantTopics;
  if (topics.length > maxTopics) details.push({ path: "topics", issue: `${topics.length} topics; at most ${maxTopics}` });
  topics.forEach((t, i) => {
    if (typeof t !== "string") return;
    if (!TOPIC_PATTERN.test(t)) details.push({ path: `topics[${i}]`, issue: `expected a topic matching [a-z][a-z0-9_.-]{0,39}, got ${describe(t)}` });
    else if ((BUILTIN_TOPICS as readonly string[]).includes(t)) details.push({ path: `topics[${i}]`, issue: `'${t}' is a builtin topic` });
    else if (topics.indexOf(t) !== i) details.push({ path: `topics[${i}]`, issue: `'${t}' is listed twice` });
  });
  const known = new Set<unknown>([...BUILTIN_TOPICS, ...topics]);
  const digest = isRecord(raw.digest) ? raw.digest : {};
  if (Array.isArray(digest.topics)) {
    digest.topics.forEach((t, i) => {
      if (typeof t === "string" && !known.has(t)) details.push({ path: `digest.topics[${i}]`, issue: `unknown topic ${describe(t)}` });
    });
  }
  if (Array.isArray(digest.keyBy)) repeated(digest.keyBy, DIGEST_KEY_PARTS, "digest.keyBy", details);
  const classChannels = isRecord(raw.classChannels) ? raw.classChannels : {};
  for (const cls of NOTIFICATION_CLASSES) {
    const list = classChannels[cls];
    if (Array.isArray(list)) repeated(list, CHANNELS, `classChannels.${cls}`, details);
  }
  const topicChannels = isRecord(raw.topicChannels) ? raw.topicChannels : {};
  for (const [topic, list] of Object.entries(topicChannels)) {
    if (!known.has(topic)) details.push({ path: `topicChannels.${topic}`, issue: `unknown topic ${describe(topic)}` });
    if (Array.isArray(list)) repeated(list, CHANNELS, `topicChannels.${topic}`, details);
  }
  const marketing = classChannels.marketing;
  const sms = Array.isArray(marketing) ? marketing.indexOf("sms") : -1;
  if (sms >= 0) details.push({ path: `classChannels.marketing[${sms}]`, issue: "marketing is never sent by SMS" });
  if (Array.isArray(raw.emailOnlyWithoutPush)) repeated(raw.emailOnlyWithoutPush, EMAIL_WITHOUT_PUSH_CLASSES, "emailOnlyWithoutPush", details);
  const emailDigest = isRecord(raw.emailDigest) ? raw.emailDigest : {};
  if (Array.isArray(emailDigest.classes)) repeated(emailDigest.classes, EMAIL_WITHOUT_PUSH_CLASSES, "emailDigest.classes", details);
  return details;
}

/** A detail for each valid entry (one of `values`) of `list` that repeats an earlier one. */
function repeated(list: unknown[], values: readonly string[], path: string, details: ErrorDetail[]): void {
  list.forEach((v, i) => {
    if ((values as readonly unknown[]).includes(v) && list.indexOf(v) !== i) details.push({ path: `${path}[${i}]`, issue: `'${String(v)}' is listed twice` });
  });
}

/** The tenant's channels for a notification of `cls` about `topic`: the topic's own (not for critical), else the class's. */
export function tenantChannels(policy: TenantPolicy, cls: NotificationClass, topic: string): Channel[] {
  if (cls !== "critical" && Object.hasOwn(policy.topicChannels, topic)) return policy.topicChannels[topic];
  return policy.classChannels[cls];
}

/** Builtin topics plus the tenant's own. */
export function knownTopics(policy: TenantPolicy): ReadonlySet<string> {
  return new Set<string>([...BUILTIN_TOPICS, ...policy.topics]);
}
