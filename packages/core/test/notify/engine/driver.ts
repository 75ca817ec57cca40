import { type Delivery, decide, type EngineContext, type EngineResult, MemoryDigestResolver, markRead, type NotifyIntent, notifyStateOf, type NotifyUserState, OFFLINE, type Presence, wake } from "../../../src/notify/engine/index.js";
import { defaultTenantPolicy, defaultUserPreferences, type TenantPolicy, type UserContacts, type UserPreferences } from "../../../src/notify/preferences/index.js";
import type { DecisionRecord } from "../../../src/notify/vocabulary.js";

export const TENANT = "t1";

/** A user who can be reached everywhere: a web push device, a verified email, a phone. */
export const REACHABLE: UserContacts = { emailVerified: true, hasPhone: true, devices: { web_push: 1, mobile_push: 0 } };

interface UserSim {
  state: NotifyUserState;
  nextWakeAt?: number;
  prefs: UserPreferences;
  contacts: UserContacts;
  presence: Presence;
}

export type Timed<T> = T & { callAt: number };

let counter = 0;

/** An intent with defaults (social mention by "actor" in doc "d1"), for user `userId` at `at`. */
export function intent(userId: string, at: number, over: Partial<NotifyIntent> = {}): NotifyIntent {
  counter++;
  return {
    tenant: TENANT,
    eventId: `ev-${counter}`,
    userId,
    class: "social",
    topic: "mentions",
    actorId: "actor",
    docId: "d1",
    title: `notification ${counter}`,
    body: `body ${counter}`,
    at,
    ...over,
  };
}

/**
 * Feeds intents to the engine in time order for any number of users, running each user's
 * `wake` at its `nextWakeAt` (before an event only when strictly earlier: at one instant the
 * event goes first). States round-trip through JSON between calls, as they do in storage.
 */
export class Driver {
  readonly resolver = new MemoryDigestResolver();
  readonly users = new Map<string, UserSim>();
  readonly decisions: Timed<DecisionRecord>[] = [];
  /** Deliveries with the time of the call and whether the user had a live connection then. */
  readonly deliveries: (Timed<Delivery> & { connected: boolean })[] = [];
  /** Every wake and decide call's `now` and `nextWakeAt`, to check that wakes always move forward. */
  readonly wakes: { now: number; next?: number }[] = [];
  now = 0;

  constructor(public policy: TenantPolicy = defaultTenantPolicy()) {}

  user(userId: string, setup: Partial<Omit<UserSim, "state" | "nextWakeAt">> = {}): UserSim {
    let u = this.users.get(userId);
    if (!u) {
      u = { state: notifyStateOf(undefined), prefs: defaultUserPreferences(), contacts: REACHABLE, presence: OFFLINE };
      this.users.set(userId, u);
    }
    Object.assign(u, setup);
    return u;
  }

  ctx(userId: string, now: number): EngineContext {
    const u = this.user(userId);
    return { now, tenant: TENANT, userId, policy: this.policy, prefs: u.prefs, contacts: u.contacts, presence: u.presence, resolver: this.resolver };
  }

  private apply(userId: string, now: number, r: EngineResult): EngineResult {
    const u = this.user(userId);
    u.state = JSON.parse(JSON.stringify(r.state)) as NotifyUserState;
    u.nextWakeAt = r.nextWakeAt;
    this.now = Math.max(this.now, now);
    this.wakes.push({ now, next: r.nextWakeAt });
    for (const d of r.decisions) this.decisions.push({ ...d, callAt: now });
    for (const d of r.deliveries) this.deliveries.push({ ...d, callAt: now, connected: u.presence.connected });
    return r;
  }

  /** Runs every wake due before `t` (or at `t` when `inclusive`), earliest first, across users. */
  async advance(t: number, inclusive = true): Promise<void> {
    for (;;) {
      let who: string | undefined;
      let at = Infinity;
      for (const [id, u] of this.users) {
        if (u.nextWakeAt !== undefined && u.nextWakeAt < at) {
          at = u.nextWakeAt;
          who = id;
        }
      }
      if (who === undefined || at > t || (!inclusive && at === t)) return;
      this.apply(who, at, await wake(this.user(who).state, this.ctx(who, at)));
    }
  }

  async event(i: NotifyIntent): Promise<EngineResult> {
    await this.advance(i.at, false);
    return this.apply(i.userId, i.at, await decide(this.user(i.userId).state, i, this.ctx(i.userId, i.at)));
  }

  async read(userId: string, ids: string[] | "all", at: number): Promise<EngineResult> {
    await this.advance(at, false);
    return this.apply(userId, at, markRead(this.user(userId).state, ids, this.ctx(userId, at)));
  }

  /** Runs wakes until none is pending (or `limit` wakes ran). */
  async drain(limit = 10_000): Promise<void> {
    for (let n = 0; n < limit; n++) {
      const pending = [...this.users.values()].map((u) => u.nextWakeAt).filter((x): x is number => x !== undefined);
      if (pending.length === 0) return;
      await this.advance(Math.min(...pending));
    }
    throw new Error("wakes never stopped");
  }

  decisionsFor(eventId: string): Timed<DecisionRecord>[] {
    return this.decisions.filter((d) => d.eventId === eventId);
  }

  external(userId?: string): (Timed<Delivery> & { connected: boolean })[] {
    return this.deliveries.filter((d) => d.channel !== "in_app" && (userId === undefined || d.userId === userId));
  }
}

export const at = (iso: string): number => Date.parse(iso);
