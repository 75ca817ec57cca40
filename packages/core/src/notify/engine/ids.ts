import type { Channel } from "../vocabulary.js";

/**
 * Stable, deterministic ids (no randomness, no clock): the same inputs always give the same
 * id, so a retried decision re-emits the same notification ids and delivery stays idempotent.
 */

/** cyrb53: a fast 53-bit string hash (not cryptographic; ids are not secrets). */
export function hash53(s: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

// Parts never contain U+0001 (tenant, user, event and doc id patterns exclude control characters).
const SEP = "\u0001";

/** "ntf_" + 22 base-36 characters (106 bits) of the parts. */
export function stableId(...parts: string[]): string {
  const s = parts.join(SEP);
  return `ntf_${hash53(s, 1).toString(36).padStart(11, "0")}${hash53(s, 2).toString(36).padStart(11, "0")}`;
}

/** The notification id of one event for one recipient on one channel. */
export function notificationId(tenant: string, userId: string, eventId: string, channel: Channel): string {
  return stableId("e", tenant, userId, eventId, channel);
}

/** A digest's id (its in-app item keeps it for the digest's life): the key and its first event. */
export function digestId(tenant: string, userId: string, digestKey: string, firstEventId: string): string {
  return stableId("d", tenant, userId, digestKey, firstEventId);
}

/** The id of one channel's message of a send based on `baseId` (a digest or a release of deferred items). */
export function sendChannelId(baseId: string, channel: Channel): string {
  return stableId("s", baseId, channel);
}

/** The id of a release of deferred items: named after the first of them. */
export function releaseId(tenant: string, userId: string, firstEventId: string): string {
  return stableId("r", tenant, userId, firstEventId);
}

/** What the recent-event set keeps of an event id. */
export function seenHash(eventId: string): number {
  return hash53(eventId, 7);
}
