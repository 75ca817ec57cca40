import { describe, expect, test } from "vitest";
import { ManualClock } from "../../../src/ports/clock.js";
import { MemoryDecisionLogStore } from "../../../src/ports/memory/notify-decision-log-store.js";
import { MemoryDeviceStore } from "../../../src/ports/memory/notify-device-store.js";
import { MemoryNotificationFeedStore } from "../../../src/ports/memory/notify-feed-store.js";
import { MemoryNotifyProfileStore } from "../../../src/ports/memory/notify-profile-store.js";
import { MemoryNotifyUserStateStore } from "../../../src/ports/memory/notify-user-state-store.js";
import { MemoryBreakerStateStore } from "../../../src/notify/delivery/memory/breaker-store.js";
import { MemoryDeliveryDeadLetterStore } from "../../../src/notify/delivery/memory/dead-letter-store.js";
import { MemoryDigestResolver } from "../../../src/notify/engine/memory-digest-resolver.js";
import type { NotifyIntent } from "../../../src/notify/engine/intent.js";
import { NotifyService } from "../../../src/notify/service/notify-service.js";
import type { NotifyUser } from "../../../src/notify/stores/common.js";

/**
 * NotifyService judges a document's group entries (intent readAccess) with the user's groups as
 * last seen: their live connection's token groups when connected, else the groups recorded on
 * their profile (NotifyProfileStore.putGroups), else none.
 */

const T0 = Date.UTC(2025, 5, 2, 10, 0, 0);

function rig(live: Map<string, readonly string[]>) {
  const clock = new ManualClock(T0);
  const profiles = new MemoryNotifyProfileStore();
  const decisions = new MemoryDecisionLogStore({ now: () => clock.now() });
  const feed = new MemoryNotificationFeedStore();
  const service = new NotifyService({
    states: new MemoryNotifyUserStateStore({ now: () => clock.now() }),
    feed,
    decisions,
    devices: new MemoryDeviceStore(),
    profiles,
    presence: async (u) => {
      const groups = live.get(u.userId);
      return groups === undefined ? { connected: false, subscribedDocIds: [], connectionIds: [] } : { connected: true, subscribedDocIds: [], connectionIds: ["c1"], groups };
    },
    tenantPolicy: async () => undefined,
    resolver: new MemoryDigestResolver(),
    postToUser: async () => {},
    delivery: { adapters: {}, breakers: new MemoryBreakerStateStore(), deadLetters: new MemoryDeliveryDeadLetterStore(), clock, rand: () => 0.5 },
    providerOf: () => "outbox",
    scheduleWake: async () => {},
    clock,
  });
  return { profiles, decisions, feed, service };
}

let n = 0;
const mention = (userId: string): NotifyIntent => ({
  tenant: "acme",
  eventId: `roadmap.${++n}`,
  userId,
  class: "social",
  topic: "mentions",
  actorId: "olga",
  docId: "roadmap",
  title: "olga mentioned you in Roadmap",
  body: "hi",
  at: T0,
  readAccess: ["eng"],
});

describe("groups as last seen judge group-only access", () => {
  test("recorded groups, a live token's groups (over the recorded ones), and unknown groups", async () => {
    const live = new Map<string, readonly string[]>([["connected-out", ["design"]], ["connected-in", ["eng"]]]);
    const r = rig(live);
    const users = ["recorded-in", "recorded-out", "never-seen", "connected-out", "connected-in"];
    await r.profiles.putGroups({ tenant: "acme", userId: "recorded-in" }, ["eng", "ops"]);
    await r.profiles.putGroups({ tenant: "acme", userId: "recorded-out" }, []);
    await r.profiles.putGroups({ tenant: "acme", userId: "connected-out" }, ["eng"]); // stale: the live token says otherwise
    const outcome: Record<string, string> = {};
    for (const userId of users) {
      const user: NotifyUser = { tenant: "acme", userId };
      const intent = mention(userId);
      await r.service.handleIntents(user, [intent]);
      outcome[userId] = (await r.decisions.byEvent("acme", userId, intent.eventId)).map((d) => d.reason).join(",");
    }
    expect(outcome).toEqual({
      "recorded-in": "sent",
      "recorded-out": "suppressed:permission",
      "never-seen": "suppressed:permission",
      "connected-out": "suppressed:permission",
      "connected-in": "sent",
    });
    expect((await r.feed.list({ tenant: "acme", userId: "never-seen" }, { limit: 10 })).items).toEqual([]);
  });
});
