import type { Clock } from "../../ports/clock.js";
import type { DeliverDeps } from "../delivery/deliver.js";
import type { DigestResolver } from "../engine/digest-resolver.js";
import { decide, markRead as engineMarkRead, wake as engineWake } from "../engine/engine.js";
import type { NotifyIntent } from "../engine/intent.js";
import type { Presence } from "../engine/presence.js";
import type { Delivery, EngineContext, EngineResult } from "../engine/run.js";
import type { NotifyUserState } from "../engine/state.js";
import { userContactsOf } from "../preferences/contacts.js";
import { parseTenantPolicy } from "../preferences/tenant-policy.js";
import { policyVersionOf, storedPreferencesOf } from "../preferences/user-preferences.js";
import type { NotifyUser } from "../stores/common.js";
import type { DecisionLogStore } from "../stores/decision-log-store.js";
import type { DeviceStore, PushDevice } from "../stores/device-store.js";
import type { MarkReadTarget, NotificationFeedStore } from "../stores/feed-store.js";
import type { ContactFacts, NotifyProfileStore } from "../stores/profile-store.js";
import type { NotifyUserStateStore } from "../stores/user-state-store.js";
import type { DecisionRecord } from "../vocabulary.js";
import { applyEntries, type ApplyDeps } from "./apply-entries.js";
import { AppliedEntries } from "./applied-entries.js";
import { claimDue, entryId, OUTBOX_CLAIM_MS, outboxWakeAt, settle, storedStateOf, toStorage, type OutboxEntry, type StoredNotifyState } from "./outbox.js";
import { targetsOf } from "./targets.js";

export interface NotifyServiceDeps extends Omit<ApplyDeps, "devices" | "profiles" | "postToUser"> {
  /** Posts one JSON message to the user's live connections (those given, else looked up). */
  postToUser: (user: NotifyUser, message: unknown, connectionIds?: readonly string[]) => Promise<void>;
  states: NotifyUserStateStore;
  feed: NotificationFeedStore;
  decisions: DecisionLogStore;
  devices: DeviceStore;
  profiles: NotifyProfileStore;
  /**
   * The user's presence, with the ids of their live connections (where in-app messages go) and,
   * when connected, the `groups` of their newest connection's token (fresher than the recorded ones).
   */
  presence: (user: NotifyUser) => Promise<Presence & { connectionIds: readonly string[]; groups?: readonly string[] }>;
  /** The tenant's notification policy as stored (opaque JSON); may be cached briefly. */
  tenantPolicy: (tenant: string) => Promise<unknown>;
  resolver: DigestResolver;
  delivery: DeliverDeps;
  /** Makes sure `wake(user)` runs at or soon after `at` (idempotent per (user, at)). */
  scheduleWake: (user: NotifyUser, at: number) => Promise<void>;
  clock: Clock;
}

/** Compare-and-set rounds before a call gives up (the caller's retry then starts over). */
const COMMIT_ROUNDS = 20;

/** After a lost compare-and-set: a random pause growing with the round, so contenders spread out. */
function backoff(round: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.random() * Math.min(250, 4 * 2 ** round)));
}

type Step = (state: NotifyUserState, ctx: EngineContext) => Promise<EngineResult[]>;

/**
 * The notification engine around its stores, for one user at a time. Every call is a
 * read-decide-commit loop on the user's state (NotifyUserStateStore's compare-and-set): two
 * processes deciding for the same user can never both pass a cap; the loser reloads and
 * decides again. The deliveries a decision makes are committed with it in the user's outbox
 * (claimed by the committing process), then applied (feed + WebSocket, or the channel
 * adapters). Failed, retried and re-claimed sends are then settled with a second commit (a
 * failed send stays in the outbox with its retry time); applied in-app entries and external
 * ones sent on their first attempt by the commit that decided them are not, since the feed or
 * the decision log records them (applied-entries.ts): the user's next commit drops them, so a
 * notification costs one state write. Decisions are appended to the log after the commit and
 * its sends (idempotent). The next
 * wake-up (the engine's own, or the outbox's earliest due time) is put before the commit that
 * records it, and only when it changes.
 */
export class NotifyService {
  private readonly applied: AppliedEntries;

  constructor(private readonly deps: NotifyServiceDeps) {
    this.applied = new AppliedEntries(deps.feed, deps.decisions);
  }

  /** Decides every intent (all for this user), each event id at most once ever (7-day dedupe keys). */
  async handleIntents(user: NotifyUser, intents: NotifyIntent[]): Promise<void> {
    let pending = intents;
    const duplicates: DecisionRecord[] = [];
    await this.transact(
      user,
      async (state, ctx) => {
        const results: EngineResult[] = [];
        for (const intent of pending) {
          const r = await decide(state, intent, ctx);
          results.push(r);
          state = r.state;
        }
        return results;
      },
      () => pending.map((i) => i.eventId),
      (keys, policyVersion) => {
        const dup = new Set(keys);
        for (const i of pending) {
          if (dup.has(i.eventId)) duplicates.push({ tenant: user.tenant, userId: user.userId, eventId: i.eventId, reason: "duplicate", policyVersion, at: this.deps.clock.now(), detail: "this event was already decided for this user (7-day dedupe)" });
        }
        pending = pending.filter((i) => !dup.has(i.eventId));
      },
    );
    if (duplicates.length > 0) await this.deps.decisions.append(duplicates);
  }

  /** Runs the user's due work: digest flushes, releases, fallbacks, expiries, due outbox entries. */
  async wake(user: NotifyUser): Promise<void> {
    await this.transact(user, async (state, ctx) => [await engineWake(state, ctx)]);
  }

  /** The user read `target`: the feed, the engine (fallbacks and digests cancelled), the user's other connections. */
  async markRead(user: NotifyUser, target: MarkReadTarget): Promise<string[]> {
    const now = this.deps.clock.now();
    const ids = await this.deps.feed.markRead(user, target, now);
    await this.transact(user, async (state, ctx) => [engineMarkRead(state, "all" in target ? "all" : target.ids, ctx)]);
    if (ids.length > 0) await this.deps.postToUser(user, { type: "notification.read", ids });
    return ids;
  }

  private async transact(user: NotifyUser, step: Step, dedupeKeys?: () => string[], onDuplicate?: (keys: string[], policyVersion: string) => void): Promise<void> {
    const ctxBase = await this.context(user);
    for (let round = 0; round < COMMIT_ROUNDS; round++) {
      if (round > 0) await backoff(round);
      const snap = await this.deps.states.load(user);
      const stored = storedStateOf(snap.state, snap.parts, user);
      // In-app entries an earlier commit claimed and applied leave the outbox with this commit.
      const kept = await this.applied.pending(user, stored.outbox);
      const now = this.deps.clock.now();
      const ctx: EngineContext = { ...ctxBase.ctx, now };
      const results = await step(stored.engine, ctx);
      const last = results.at(-1);
      const engine = last ? last.state : stored.engine;
      const fresh: OutboxEntry[] = [];
      for (const r of results) for (const d of r.deliveries) fresh.push(...this.entriesOf(d, ctxBase.devices, ctxBase.contactFacts, now));
      const { outbox, claimed } = claimDue([...kept, ...fresh], now);
      const claimedIds = new Set(claimed);
      const keys = dedupeKeys?.() ?? [];
      const decisions = results.flatMap((x) => x.decisions);
      // When `wake` must run next, leaving out this commit's own claims: they are applied and
      // settled below (a failure reschedules there).
      const wakeAt = minDefined(last?.nextWakeAt, outboxWakeAt(outbox.filter((e) => !claimedIds.has(e.id))));
      // A wake with nothing due (timers may fire more than once per user) or a read of nothing
      // pending changes nothing: no write (dropping applied entries can wait for a real change).
      if (claimed.length === 0 && keys.length === 0 && decisions.length === 0 && sameJson(engine, stored.engine)) {
        if (wakeAt !== undefined && wakeAt > now && wakeAt !== stored.wake) await this.deps.scheduleWake(user, wakeAt);
        return;
      }
      const next: StoredNotifyState = { engine, outbox };
      const wake = await this.timer(user, stored.wake, wakeAt, now);
      if (wake !== undefined) next.wake = wake;
      const body = toStorage(next, snap.version + 1);
      const r = await this.deps.states.commit(user, snap.version, body.state, { parts: body.parts, ...(keys.length > 0 ? { dedupeKeys: keys } : {}) });
      if (!r.ok && r.reason === "duplicate") {
        onDuplicate?.(r.keys, policyVersionOf(ctx.policy, ctx.prefs));
        continue;
      }
      if (!r.ok) continue;
      const mine = outbox.filter((e) => claimedIds.has(e.id));
      const outcomes = await applyEntries(this.applyDeps(ctxBase.connectionIds), user, mine);
      // The decisions go to the log after the sends: their `sent` records then say that the
      // sends they name went through (applied-entries.ts). Should the append fail, the sends are
      // settled by a commit first, so none of them is made again.
      try {
        if (decisions.length > 0) await this.deps.decisions.append(decisions);
      } catch (err) {
        if (mine.length > 0) await this.settle(user, r.version, next, outcomes, now);
        throw err;
      }
      // Applied in-app entries need no write (the feed records them), nor do external ones this
      // commit decided and sent on their first attempt (the log now records them); failed ones,
      // retries and re-claimed ones do.
      const freshIds = new Set(fresh.map((e) => e.id));
      const recorded = (e: OutboxEntry) => freshIds.has(e.id) && decisions.some((d) => d.reason === "sent" && d.notificationId === e.delivery.notificationId && d.channel === e.delivery.channel);
      const outcomeOf = new Map(outcomes.map((o) => [o.id, o]));
      const applied = mine.filter((e) => {
        const o = outcomeOf.get(e.id);
        if (!o?.done) return false;
        return AppliedEntries.isInApp(e) || (o.sent === true && e.attempt === 1 && recorded(e));
      });
      this.applied.remember(user, applied);
      if (applied.length < mine.length) await this.settle(user, r.version, next, outcomes, now);
      return;
    }
    throw new Error(`notify: ${user.tenant}/${user.userId}: state kept changing under ${COMMIT_ROUNDS} attempts; retried later`);
  }

  /**
   * The wake-up timer for `wakeAt` (not before `now`), put only when it differs from the one
   * already put (`known`, recorded by the committed state and still ahead). It is put before
   * the commit that records it: a crash in between leaves at worst a spare timer (its wake
   * finds nothing due), never a recorded time without a timer. Returns the time to record.
   */
  private async timer(user: NotifyUser, known: number | undefined, wakeAt: number | undefined, now: number): Promise<number | undefined> {
    const live = known !== undefined && known > now ? known : undefined;
    if (wakeAt === undefined) return live;
    const at = Math.max(wakeAt, now);
    if (at !== live) await this.deps.scheduleWake(user, at);
    return at;
  }

  /** Removes sent entries and reschedules failed ones (with their wake-up), re-reading on conflict. */
  private async settle(user: NotifyUser, version: number, state: StoredNotifyState, outcomes: Parameters<typeof settle>[1], now: number): Promise<void> {
    for (let round = 0; round < COMMIT_ROUNDS; round++) {
      if (round > 0) await backoff(round);
      const next: StoredNotifyState = { engine: state.engine, outbox: settle(state.outbox, outcomes) };
      // A failed entry's retry needs a wake-up unless an earlier one is already set.
      const failed = new Set(outcomes.filter((o) => !o.done).map((o) => o.id));
      const retry = outboxWakeAt(next.outbox.filter((e) => failed.has(e.id)));
      const known = state.wake !== undefined && state.wake > now ? state.wake : undefined;
      const wake = retry !== undefined && (known === undefined || retry < known) ? await this.timer(user, known, retry, now) : known;
      if (wake !== undefined) next.wake = wake;
      const body = toStorage(next, version + 1);
      const r = await this.deps.states.commit(user, version, body.state, { parts: body.parts });
      if (r.ok) return;
      const snap = await this.deps.states.load(user);
      state = storedStateOf(snap.state, snap.parts, user);
      version = snap.version;
    }
    // Left claimed: after OUTBOX_CLAIM_MS another wake re-claims them (a send may repeat then).
    console.warn(JSON.stringify({ kind: "notify_settle_conflict", tenant: user.tenant, userId: user.userId, claimMs: OUTBOX_CLAIM_MS }));
  }

  private entriesOf(d: Delivery, devices: PushDevice[], contacts: ContactFacts, now: number): OutboxEntry[] {
    if (d.channel === "in_app") return [{ id: entryId(d), delivery: d, attempt: 1, dueAt: now }];
    return targetsOf(d.channel, devices, contacts).map((target) => ({ id: entryId(d, target), delivery: d, target, attempt: 1, dueAt: now }));
  }

  /**
   * What applying entries needs. In-app messages go to the connections the presence read found
   * (none: the user is offline and reads the feed when they connect), not looked up again.
   */
  private applyDeps(connectionIds: readonly string[]): ApplyDeps {
    const { feed, decisions, devices, profiles, delivery, clock, providerOf } = this.deps;
    const postToUser = async (user: NotifyUser, message: unknown) => {
      if (connectionIds.length > 0) await this.deps.postToUser(user, message, connectionIds);
    };
    return { feed, decisions, devices, profiles, postToUser, delivery, clock, providerOf };
  }

  private async context(user: NotifyUser) {
    const [profile, storedPolicy, devices, presence] = await Promise.all([
      this.deps.profiles.load(user),
      this.deps.tenantPolicy(user.tenant),
      this.deps.devices.list(user),
      this.deps.presence(user),
    ]);
    const count = (kind: PushDevice["kind"]) => devices.filter((d) => d.kind === kind).length;
    const ctx: Omit<EngineContext, "now"> = {
      tenant: user.tenant,
      userId: user.userId,
      policy: parseTenantPolicy(storedPolicy ?? {}),
      prefs: storedPreferencesOf(profile.preferences, profile.preferencesRevision),
      contacts: userContactsOf(profile.contacts, { web_push: count("web_push"), mobile_push: count("mobile_push") }),
      presence,
      resolver: this.deps.resolver,
    };
    // Group ACL entries are judged with the groups of a live token, else those last recorded.
    const groups = presence.groups ?? profile.groups;
    if (groups !== undefined) ctx.groups = groups;
    return { ctx, devices, contactFacts: profile.contacts, connectionIds: presence.connectionIds };
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}
