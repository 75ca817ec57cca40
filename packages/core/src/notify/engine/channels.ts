import type { UserContacts } from "../preferences/contacts.js";
import type { TenantPolicy } from "../preferences/tenant-policy.js";
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
 * Candidates: the user's channels for the topic, else the tenant's for the class. Then, per
 * candidate: no address -> not a candidate; switched off by the user -> suppressed:preference;
 * class policy (never marketing by SMS) -> suppressed:preference; social by SMS without the
 * explicit opt-in, any SMS without SMS consent, marketing email without email consent ->
 * suppressed:consent; presence -> suppressed:presence.
 * Critical notifications ignore the user's switches, topic settings and presence (a security
 * alert must reach the user out of band even when someone else holds a live session); they
 * still need consent and an address.
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
  const candidates = topicPref?.channels ?? policy.classChannels[cls];
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
      if (why === undefined) plan.external.push(c);
      else {
        plan.presenceOnly.push(c);
        plan.blocked.push({ channel: c, reason: "suppressed:presence", detail: why });
      }
    }
  }
  return plan;
}
