import type { UserContacts } from "../preferences/contacts.js";
import { tenantChannels, type TenantPolicy } from "../preferences/tenant-policy.js";
import type { UserPreferences } from "../preferences/user-preferences.js";
import type { Channel, ExternalChannel, NotificationClass, ReasonCode } from "../vocabulary.js";
import { type Presence, presenceBlock } from "./presence.js";

export interface BlockedChannel {
  channel: Channel;
  reason: ReasonCode;
  detail: string;
}

export interface ChannelPlan {
  /** The user switched the topic off: nothing at all, not even in-app. */
  topicOff: boolean;
  inApp: boolean;
  /** External channels usable now. */
  external: ExternalChannel[];
  /** External channels kept out only by presence (a later flush or release asks again). */
  presenceOnly: ExternalChannel[];
  /** Why each other candidate channel is not used (channels the user has no address for are not candidates). */
  blocked: BlockedChannel[];
}

export interface PlanEnv {
  now: number;
  policy: TenantPolicy;
  prefs: UserPreferences;
  contacts: UserContacts;
  presence: Presence;
}

function reachable(c: ExternalChannel, contacts: UserContacts): boolean {
  switch (c) {
    case "email":
      return contacts.emailVerified;
    case "sms":
      return contacts.hasPhone;
    default:
      return contacts.devices[c] > 0;
  }
}

/**
 * The channels for a notification of class `cls` about `topic` (and `docId`), now.
 * Candidates: the user's channels for the topic, else the tenant's for the topic, else for the class. Then, per
 * candidate: no address -> not a candidate; switched off by the user -> suppressed:preference;
 * class policy (never marketing by SMS) -> suppressed:preference; social by SMS without the
 * explicit opt-in, any SMS without SMS consent, marketing email without email consent ->
 * suppressed:consent; presence -> suppressed:presence.
 * Critical notifications ignore the user's switches, topic settings and presence (a security
 * alert must reach the user out of band even when someone else holds a live session); they
 * still need consent and an address.
 * Then the cross-channel rule (policy.emailOnlyWithoutPush, for the class's channels only):
 * see `emailOnlyWithoutPush` below.
 */
export function planChannels(cls: NotificationClass, topic: string, docId: string | undefined, env: PlanEnv): ChannelPlan {
  const { prefs, policy } = env;
  const critical = cls === "critical";
  const topicPref = critical ? undefined : prefs.topics[topic];
  const plan: ChannelPlan = { topicOff: false, inApp: false, external: [], presenceOnly: [], blocked: [] };
  if (topicPref && !topicPref.enabled) {
    plan.topicOff = true;
    return plan;
  }
  const candidates = topicPref?.channels ?? tenantChannels(policy, cls, topic);
  // Where email's entry goes in `blocked` should the cross-channel rule leave it out (in candidate order).
  let emailSlot = -1;
  for (const c of candidates) {
    if (c === "in_app") {
      if (critical || prefs.channels.in_app) plan.inApp = true;
      else plan.blocked.push({ channel: c, reason: "suppressed:preference", detail: "in-app notifications are switched off" });
      continue;
    }
    if (!reachable(c, env.contacts)) continue;
    if (!critical && !prefs.channels[c]) {
      plan.blocked.push({ channel: c, reason: "suppressed:preference", detail: `${c} is switched off` });
    } else if (c === "sms" && cls === "marketing") {
      plan.blocked.push({ channel: c, reason: "suppressed:preference", detail: "class policy: marketing is never sent by SMS" });
    } else if (c === "sms" && cls === "social" && !prefs.smsOptIn) {
      plan.blocked.push({ channel: c, reason: "suppressed:consent", detail: "no opt-in to social notifications by SMS" });
    } else if (c === "sms" && prefs.consent.sms?.granted !== true) {
      plan.blocked.push({ channel: c, reason: "suppressed:consent", detail: "no SMS consent on record" });
    } else if (c === "email" && cls === "marketing" && prefs.consent.email?.granted !== true) {
      plan.blocked.push({ channel: c, reason: "suppressed:consent", detail: "no consent to marketing email on record" });
    } else {
      const why = critical ? undefined : presenceBlock(env.presence, c, docId, env.now, policy.presenceGraceMs);
      if (c === "email") emailSlot = plan.blocked.length;
      if (why === undefined) plan.external.push(c);
      else {
        plan.presenceOnly.push(c);
        plan.blocked.push({ channel: c, reason: "suppressed:presence", detail: why });
      }
    }
  }
  if (emailSlot >= 0 && topicPref?.channels === undefined && (policy.emailOnlyWithoutPush as readonly NotificationClass[]).includes(cls)) {
    emailOnlyWithoutPush(plan, emailSlot);
  }
  return plan;
}

/** The decision detail of an email left out by the cross-channel rule. */
export const EMAIL_WITH_PUSH_DETAIL = "push reaches the user; email is used only without push";

const isPush = (c: ExternalChannel) => c === "web_push" || c === "mobile_push";

/**
 * The decision detail of a transactional email left out under the tenant policy's
 * `fallback.transactionalEmail: "without_push"` (after "<push channel> reaches the user; ").
 */
export const TRANSACTIONAL_WITHOUT_PUSH_DETAIL = 'transactional email is for users no push reaches (policy fallback.transactionalEmail "without_push")';

/**
 * The push channel that makes a transactional item's email redundant under `policy` (its
 * `fallback.transactionalEmail` is `without_push` and one of `reaching` is a push channel), or
 * undefined when the email goes. Dispatch and the delayed fallback both ask here.
 */
export function transactionalEmailLeftOutBy(policy: TenantPolicy, reaching: readonly ExternalChannel[]): "web_push" | "mobile_push" | undefined {
  if (policy.fallback.transactionalEmail !== "without_push") return undefined;
  return reaching.find(isPush) as "web_push" | "mobile_push" | undefined;
}

/**
 * The cross-channel rule (product: one of {push, email}, not both; parallel sends are the
 * duplicate users complain about most). Called only for a class in policy.emailOnlyWithoutPush
 * whose candidates are the tenant's class channels (a user who chose a topic's channels gets
 * them all), and only when email passed every other check (`emailSlot` is where its entry
 * goes). A push channel counts when it is usable now, or when only presence holds it back and
 * the user gets the in-app item: they are (or were just) in the app, which is where Pattern B
 * reaches them, and email must not reach them instead. Then email is left out
 * (suppressed:preference); the plan is otherwise unchanged. Every engine path plans through
 * here (event, digest flush, release of held items), so a held item is judged again when it
 * goes out: no push left by then means email.
 */
function emailOnlyWithoutPush(plan: ChannelPlan, emailSlot: number): void {
  if (!plan.external.some(isPush) && !(plan.inApp && plan.presenceOnly.some(isPush))) return;
  const entry: BlockedChannel = { channel: "email", reason: "suppressed:preference", detail: EMAIL_WITH_PUSH_DETAIL };
  const usable = plan.external.indexOf("email");
  if (usable >= 0) {
    plan.external.splice(usable, 1);
    plan.blocked.splice(emailSlot, 0, entry);
    return;
  }
  // Held back by presence too: the rule is the lasting reason (offline later, push still wins).
  plan.presenceOnly.splice(plan.presenceOnly.indexOf("email"), 1);
  plan.blocked[emailSlot] = entry;
}
