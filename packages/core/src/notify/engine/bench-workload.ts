import { defaultTenantPolicy, type TenantPolicy } from "../preferences/tenant-policy.js";
import { defaultUserPreferences } from "../preferences/user-preferences.js";
import type { NotificationClass } from "../vocabulary.js";
import { decide, wake } from "./engine.js";
import type { NotifyIntent } from "./intent.js";
import { MemoryDigestResolver } from "./memory-digest-resolver.js";
import { OFFLINE } from "./presence.js";
import type { EngineContext } from "./run.js";
import { emptyNotifyState, type NotifyUserState } from "./state.js";
import { mulberry32 } from "../../prng.js";

/**
 * A deterministic decision workload for `npm run bench -- notify` (decisions per second per
 * core, in process): `users` users with default preferences and every channel reachable, and
 * `events` intents spread over them in time order. Mix: 45% social mentions (capped, sent at
 * once), 25% comments (digested), 15% transactional (push + fallback), 10% marketing, 5%
 * critical; one event in 50 is a redelivery (duplicate).
 */
export interface BenchWorkload {
  policy: TenantPolicy;
  resolver: MemoryDigestResolver;
  intents: NotifyIntent[];
  users: string[];
}

export function benchWorkload(opts: { users?: number; events?: number; seed?: number; spanMs?: number } = {}): BenchWorkload {
  const users = Array.from({ length: opts.users ?? 1000 }, (_, k) => `user-${k}`);
  const events = opts.events ?? 100_000;
  const span = opts.spanMs ?? 6 * 3_600_000;
  const rnd = mulberry32(opts.seed ?? 1);
  const resolver = new MemoryDigestResolver();
  for (let k = 0; k < 20; k++) resolver.setActorName("bench", `actor-${k}`, `Actor ${k}`).setDocTitle("bench", `doc-${k}`, `Document ${k}`);
  const t0 = Date.UTC(2025, 0, 6, 8);
  const intents: NotifyIntent[] = [];
  for (let i = 0; i < events; i++) {
    const at = t0 + Math.floor((i / events) * span);
    if (i > 0 && rnd() < 0.02) {
      intents.push({ ...intents[i - 1], at });
      continue;
    }
    const r = rnd();
    const [cls, topic]: [NotificationClass, string] =
      r < 0.45 ? ["social", "mentions"] : r < 0.7 ? ["social", "comments"] : r < 0.85 ? ["transactional", "tasks"] : r < 0.95 ? ["marketing", "product"] : ["critical", "security"];
    const doc = `doc-${Math.floor(rnd() * 20)}`;
    intents.push({
      tenant: "bench",
      eventId: `ev-${i}`,
      userId: users[Math.floor(rnd() * users.length)],
      class: cls,
      topic,
      actorId: `actor-${Math.floor(rnd() * 20)}`,
      docId: doc,
      subject: { kind: "comment", id: `c-${i}` },
      title: `Actor mentioned you in ${doc}`,
      body: "Could you have a look at the second paragraph before Friday?",
      url: `/docs/${doc}#c-${i}`,
      at,
    });
  }
  return { policy: defaultTenantPolicy(), resolver, intents, users };
}

/**
 * Runs the workload through decide (and wake when a user's wake is due before its next
 * event), keeping each user's state in a Map. Returns how many engine calls ran and what
 * came out; the caller times it.
 */
export async function runBenchWorkload(w: BenchWorkload): Promise<{ decideCalls: number; wakeCalls: number; decisions: number; deliveries: number }> {
  const states = new Map<string, { state: NotifyUserState; next?: number }>();
  const prefs = defaultUserPreferences();
  const contacts = { emailVerified: true, hasPhone: true, devices: { web_push: 1, mobile_push: 1 } };
  const ctx = (userId: string, now: number): EngineContext => ({ now, tenant: "bench", userId, policy: w.policy, prefs, contacts, presence: OFFLINE, resolver: w.resolver });
  let decideCalls = 0, wakeCalls = 0, decisions = 0, deliveries = 0;
  for (const i of w.intents) {
    let u = states.get(i.userId);
    if (!u) states.set(i.userId, (u = { state: emptyNotifyState() }));
    if (u.next !== undefined && u.next < i.at) {
      const r = await wake(u.state, ctx(i.userId, u.next));
      wakeCalls++;
      decisions += r.decisions.length;
      deliveries += r.deliveries.length;
      u.state = r.state;
      u.next = r.nextWakeAt;
    }
    const r = await decide(u.state, i, ctx(i.userId, i.at));
    decideCalls++;
    decisions += r.decisions.length;
    deliveries += r.deliveries.length;
    u.state = r.state;
    u.next = r.nextWakeAt;
  }
  return { decideCalls, wakeCalls, decisions, deliveries };
}
