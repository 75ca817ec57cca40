import type { NotifyUser } from "@weft/core/notify/stores/index";
import { S } from "./codec.js";
import type { Item } from "./table.js";

/**
 * Partition keys of the `notify` table (pk/sk strings, TTL attribute `expiresAt`), one
 * partition per (port, user): tenants never contain "#" and user ids never do either (both
 * are checked before any key is built), so `<kind>#<tenant>#<userId>` is unambiguous and a
 * user's data never shares a partition with another user's.
 *
 * | pk | port |
 * |---|---|
 * | `s#<tenant>#<userId>` | NotifyUserStateStore (notify-user-state-store.ts) |
 * | `f#<tenant>#<userId>` | NotificationFeedStore (notify-feed-store.ts) |
 * | `d#<tenant>#<userId>` | DecisionLogStore (notify-decision-log-store.ts) |
 * | `v#<tenant>#<userId>` | DeviceStore (notify-device-store.ts) |
 * | `p#<tenant>#<userId>` | NotifyProfileStore, per user (notify-profile-store.ts) |
 * | `tp#<tenant>` | NotifyProfileStore, tenant policy |
 * | `b#<breakerKey>` | BreakerStateStore, one item per provider breaker (notify-breaker-store.ts) |
 * | `x#<tenant>` | DeliveryDeadLetterStore, per tenant (notify-delivery-dead-letter-store.ts) |
 */
export type NotifyPartition = "s" | "f" | "d" | "v" | "p";

export function userPk(kind: NotifyPartition, user: NotifyUser): string {
  return `${kind}#${user.tenant}#${user.userId}`;
}

export function tenantPk(tenant: string): string {
  return `tp#${tenant}`;
}

export function key(pk: string, sk: string): Item {
  return { pk: S(pk), sk: S(sk) };
}

/** The TTL attribute name of the `notify` table (epoch seconds). */
export const EXPIRES_AT = "expiresAt";
