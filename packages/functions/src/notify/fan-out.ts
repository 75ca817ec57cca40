import type { NotifyIntent } from "@weft/core/notify/engine/index";
import type { NotifyUser } from "@weft/core/notify/stores/index";

/**
 * Recipients decided at once by one process. Each is about ten small DynamoDB calls in a row,
 * so the rate is bounded by round trips, not CPU: a request handler keeps it modest, a fan-out
 * chunk (nothing else to do) goes wider.
 */
export const USER_CONCURRENCY = 16;
export const CHUNK_CONCURRENCY = 64;

/** Intents grouped per recipient, in their order. */
export function groupByUser(intents: NotifyIntent[]): Map<string, { user: NotifyUser; intents: NotifyIntent[] }> {
  const out = new Map<string, { user: NotifyUser; intents: NotifyIntent[] }>();
  for (const i of intents) {
    const key = `${i.tenant}\u0001${i.userId}`;
    const group = out.get(key) ?? { user: { tenant: i.tenant, userId: i.userId }, intents: [] };
    group.intents.push(i);
    out.set(key, group);
  }
  return out;
}

/**
 * Runs `fn` for every user, USER_CONCURRENCY at a time. Every user is attempted; if any failed,
 * it throws afterwards naming how many (the caller's retry redoes only what is not committed:
 * decisions are idempotent per event and user).
 */
export async function forEachUser(
  groups: Map<string, { user: NotifyUser; intents: NotifyIntent[] }>,
  fn: (user: NotifyUser, intents: NotifyIntent[]) => Promise<void>,
  concurrency = USER_CONCURRENCY,
): Promise<void> {
  const queue = [...groups.values()];
  const errors: unknown[] = [];
  const worker = async () => {
    for (let g = queue.shift(); g; g = queue.shift()) {
      try {
        await fn(g.user, g.intents);
      } catch (err) {
        errors.push(err);
        console.error(JSON.stringify({ kind: "notify_user_failed", tenant: g.user.tenant, userId: g.user.userId, error: String(err) }));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
  if (errors.length > 0) throw new Error(`notify: ${errors.length} of ${groups.size} recipients failed; the event will be retried (decided ones are not repeated)`);
}
