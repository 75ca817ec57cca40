import { postToUser, type ConnectionStore, type DocStates, type Gateway, type Clock, type TimerStore, type DocRef } from "@weft/core";
import type { BreakerStateStore, DeliveryDeadLetterStore, Provider } from "@weft/core/notify/delivery/index";
import { NotifyService } from "@weft/core/notify/service/notify-service";
import type { DocWatchersStore } from "@weft/core/notify/sources/doc-watchers-store";
import type { FanoutJobStore } from "@weft/core/notify/fanout/index";
import { DynamoFanoutJobStore } from "../adapters/dynamo/notify-fanout-store.js";
import type {
  DecisionLogStore,
  DeviceStore,
  NotificationFeedStore,
  NotifyProfileStore,
  NotifyUser,
  NotifyUserStateStore,
} from "@weft/core/notify/stores/index";
import { channelAdaptersFromEnv, type ChannelAdapters } from "../adapters/channels/from-env.js";
import { ENV } from "../../../../infra/manifest.js";
import { DynamoDocWatchersStore } from "../adapters/dynamo/doc-watchers-store.js";
import { DynamoBreakerStateStore } from "../adapters/dynamo/notify-breaker-store.js";
import { DynamoDeliveryDeadLetterStore } from "../adapters/dynamo/notify-delivery-dead-letter-store.js";
import { DynamoDecisionLogStore } from "../adapters/dynamo/notify-decision-log-store.js";
import { DynamoDeviceStore } from "../adapters/dynamo/notify-device-store.js";
import { DynamoNotificationFeedStore } from "../adapters/dynamo/notify-feed-store.js";
import { DynamoNotifyProfileStore } from "../adapters/dynamo/notify-profile-store.js";
import { DynamoNotifyUserStateStore } from "../adapters/dynamo/notify-user-state-store.js";
import { DynamoTimerStore } from "../adapters/dynamo/timer-store.js";
import type { DynamoAdapterOptions } from "../adapters/dynamo/table.js";
import { DocStateDigestResolver } from "./doc-state-resolver.js";
import { GroupsRecorder } from "./groups-recorder.js";
import { PolicyCache } from "./policy-cache.js";
import { WatcherCache } from "./watcher-cache.js";

/** How long the notify consumer reuses a document's watcher records (see WatcherCache). */
export const WATCHER_CACHE_MS = 10_000;

/**
 * How long a process reuses a tenant's notification policy: every decision needs it, and it
 * changes rarely (an admin edit takes effect within this long).
 */
export const POLICY_CACHE_MS = 10_000;
/** Users' display names are cached this long per process (a rename shows within it), at most NAME_CACHE_ENTRIES of them. */
export const NAME_CACHE_MS = 10_000;
const NAME_CACHE_ENTRIES = 10_000;

/** Display names of users of a tenant (contacts `name`), by user id; a user without one is left out. */
export type ActorNames = (tenant: string, userIds: Iterable<string>) => Promise<Map<string, string>>;

/** Everything the notification engine uses in one process, on the `notify` table. */
export interface NotifyWiring {
  states: NotifyUserStateStore;
  feed: NotificationFeedStore;
  decisions: DecisionLogStore;
  devices: DeviceStore;
  profiles: NotifyProfileStore;
  watchers: DocWatchersStore;
  /** Per-user wake-ups (digest flushes, releases, fallbacks, retries), keyed {tenant, docId: userId}. */
  wakes: TimerStore;
  breakers: BreakerStateStore;
  deliveryDeadLetters: DeliveryDeadLetterStore;
  channels: ChannelAdapters;
  service: NotifyService;
  /** Documents' watcher records, cached for WATCHER_CACHE_MS per process (the notify consumer's reads). */
  watcherCache: WatcherCache;
  /** Tenant policies as stored, cached for POLICY_CACHE_MS per process. */
  policies: PolicyCache;
  /** Users' display names, cached for NAME_CACHE_MS per process. */
  actorNames: ActorNames;
  /** Records callers' token groups on their profile (the /v1/me/* routes), written only when they change. */
  groupsSeen: GroupsRecorder;
  /** Large fan-outs (chunks) and per-sender budgets. */
  fanout: FanoutJobStore;
  /** When each fan-out chunk is due, keyed {tenant, docId: "<index>.<jobId>"}. */
  fanoutTimers: TimerStore;
}

/**
 * What the notification wiring is built from. The document states and the WebSocket side are
 * getters, read on first use: a function that only needs the notify table (sesFeedback) never
 * touches the others.
 */
export interface NotifyWiringSources {
  table: DynamoAdapterOptions;
  clock: Clock;
  docStates: () => DocStates;
  connections: () => ConnectionStore;
  gateway: () => Gateway;
  env: NodeJS.ProcessEnv;
}

/** The user a wake timer is for: timers are keyed by DocRef, so the user id takes the docId's place. */
export function wakeRef(user: NotifyUser): DocRef {
  return { tenant: user.tenant, docId: user.userId };
}

export function notifyWiring(s: NotifyWiringSources): NotifyWiring {
  const opts = s.table;
  const feed = new DynamoNotificationFeedStore(opts);
  const decisions = new DynamoDecisionLogStore({ ...opts, now: () => s.clock.now() });
  const devices = new DynamoDeviceStore(opts);
  const profiles = new DynamoNotifyProfileStore(opts);
  const states = new DynamoNotifyUserStateStore({ ...opts, now: () => s.clock.now() });
  const wakes = new DynamoTimerStore({ ...opts, prefix: "notify-timers" });
  const breakers: BreakerStateStore = new DynamoBreakerStateStore(opts);
  const deliveryDeadLetters: DeliveryDeadLetterStore = new DynamoDeliveryDeadLetterStore(opts);
  const channels = channelAdaptersFromEnv(s.env);
  const policies = new PolicyCache((tenant) => profiles.loadPolicy(tenant).then((r) => r.policy), POLICY_CACHE_MS);
  const names = new PolicyCache(
    (key) => {
      const cut = key.indexOf("\u0001");
      return profiles.load({ tenant: key.slice(0, cut), userId: key.slice(cut + 1) }).then((p) => p.contacts.name);
    },
    NAME_CACHE_MS,
    NAME_CACHE_ENTRIES,
  );
  const actorNames: ActorNames = async (tenant, userIds) => {
    const out = new Map<string, string>();
    await Promise.all(
      [...new Set(userIds)].map(async (userId) => {
        const name = (await names.get(`${tenant}\u0001${userId}`)) as string | undefined;
        if (name !== undefined) out.set(userId, name);
      }),
    );
    return out;
  };
  const local = Boolean(s.env[ENV.outboxEndpoint]);
  const service = new NotifyService({
    states,
    feed,
    decisions,
    devices,
    profiles,
    presence: async (user) => {
      const p = await s.connections().userPresence(user.tenant, user.userId);
      // The newest live token's groups (none in it: none) judge group ACL entries for this user.
      const newest = p.connections.reduce<(typeof p.connections)[number] | undefined>((a, c) => (!a || c.connectedAt > a.connectedAt ? c : a), undefined);
      return {
        connected: p.connections.length > 0,
        subscribedDocIds: [...new Set(p.connections.flatMap((c) => c.docs))],
        ...(p.lastDisconnectAt !== undefined ? { lastDisconnectAt: p.lastDisconnectAt } : {}),
        connectionIds: p.connections.map((c) => c.connectionId),
        ...(newest ? { groups: newest.groups ?? [] } : {}),
      };
    },
    tenantPolicy: (tenant) => policies.get(tenant),
    resolver: new DocStateDigestResolver({ read: (doc, version) => s.docStates().read(doc, version) }, actorNames),
    postToUser: async (user, message, connectionIds) => {
      await postToUser({ connections: s.connections(), gateway: s.gateway(), clock: s.clock }, user.tenant, user.userId, message as never, connectionIds);
    },
    delivery: { adapters: channels, breakers, deadLetters: deliveryDeadLetters, clock: s.clock, rand: Math.random },
    providerOf: (channel, target): Provider => {
      if (local) return "outbox";
      if (channel === "email") return "ses";
      if (channel === "sms") return "sns";
      if (channel === "web_push") return "webpush";
      return target.kind === "device_token" ? target.platform : "fcm";
    },
    scheduleWake: (user, at) => wakes.add(wakeRef(user), at),
    clock: s.clock,
  });
  const watchers = new DynamoDocWatchersStore(opts);
  return { states, feed, decisions, devices, profiles, watchers, watcherCache: new WatcherCache(watchers, WATCHER_CACHE_MS), wakes, breakers, deliveryDeadLetters, channels, service, policies, actorNames,
    groupsSeen: new GroupsRecorder(profiles),
    fanout: new DynamoFanoutJobStore(opts),
    // One timer write per chunk: a single partition is plenty, and `due` is one query.
    fanoutTimers: new DynamoTimerStore({ ...opts, prefix: "fanout-timers", buckets: 1 }),
  };
}
