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
  if (topicPref && !topicPref.enabled) return { topicOff: true, inApp: false, external: [], presenceOnly: [], blocked: [] };
  // Collected in scratch lists, then copied at their exact size (a plan is made per item and
  // often kept with it; growing fresh lists by push allocates several times what they hold).
  let inApp = false;
  let nExternal = 0, nPresence = 0, nBlocked = 0;
  const candidates = topicPref?.channels ?? policy.classChannels[cls];
  for (const c of candidates) {
    if (c === "in_app") {
      if (critical || prefs.channels.in_app) inApp = true;
      else blockedScratch[nBlocked++] = { channel: c, reason: "suppressed:preference", detail: "in-app notifications are switched off" };
      continue;
    }
    if (!reachable(c, env.contacts)) continue;
    if (!critical && !prefs.channels[c]) {
      blockedScratch[nBlocked++] = { channel: c, reason: "suppressed:preference", detail: `${c} is switched off` };
    } else if (c === "sms" && cls === "marketing") {
      blockedScratch[nBlocked++] = { channel: c, reason: "suppressed:preference", detail: "class policy: marketing is never sent by SMS" };
    } else if (c === "sms" && cls === "social" && !prefs.smsOptIn) {
      blockedScratch[nBlocked++] = { channel: c, reason: "suppressed:consent", detail: "no opt-in to social notifications by SMS" };
    } else if (c === "sms" && prefs.consent.sms?.granted !== true) {
      blockedScratch[nBlocked++] = { channel: c, reason: "suppressed:consent", detail: "no SMS consent on record" };
    } else if (c === "email" && cls === "marketing" && prefs.consent.email?.granted !== true) {
      blockedScratch[nBlocked++] = { channel: c, reason: "suppressed:consent", detail: "no consent to marketing email on record" };
    } else {
      const why = critical ? undefined : presenceBlock(env.presence, c, docId, env.now, policy.presenceGraceMs);
      if (why === undefined) externalScratch[nExternal++] = c;
      else {
        presenceScratch[nPresence++] = c;
        blockedScratch[nBlocked++] = { channel: c, reason: "suppressed:presence", detail: why };
      }
    }
  }
  const plan: ChannelPlan = {
    topicOff: false,
    inApp,
    external: externalScratch.slice(0, nExternal),
    presenceOnly: presenceScratch.slice(0, nPresence),
    blocked: blockedScratch.slice(0, nBlocked),
  };
  blockedScratch.fill(undefined as never, 0, nBlocked); // hold no details after the call
  return plan;
}

/** Scratch lists of planChannels (it runs synchronously, one call at a time). */
const externalScratch: ExternalChannel[] = [];
const presenceScratch: ExternalChannel[] = [];
const blockedScratch: BlockedChannel[] = [];
