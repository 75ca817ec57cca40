import { describe, expect, test } from "vitest";
import { ManualClock } from "../../../src/ports/clock.js";
import { MemoryDecisionLogStore } from "../../../src/ports/memory/notify-decision-log-store.js";
import { MemoryDeviceStore } from "../../../src/ports/memory/notify-device-store.js";
import { MemoryNotificationFeedStore } from "../../../src/ports/memory/notify-feed-store.js";
import { MemoryNotifyProfileStore } from "../../../src/ports/memory/notify-profile-store.js";
import { MemoryNotifyUserStateStore } from "../../../src/ports/memory/notify-user-state-store.js";
import type { ChannelAdapter, DeliveryCommand, DeliveryResult } from "../../../src/notify/delivery/channel-adapter.js";
import { MemoryBreakerStateStore } from "../../../src/notify/delivery/memory/breaker-store.js";
import { MemoryDeliveryDeadLetterStore } from "../../../src/notify/delivery/memory/dead-letter-store.js";
import { MemoryDigestResolver } from "../../../src/notify/engine/memory-digest-resolver.js";
import type { NotifyIntent } from "../../../src/notify/engine/intent.js";
import type { Presence } from "../../../src/notify/engine/presence.js";
import { NotifyService } from "../../../src/notify/service/notify-service.js";
import type { NotifyUser } from "../../../src/notify/stores/common.js";

const T0 = Date.UTC(2025, 5, 2, 10, 0, 0);
const user: NotifyUser = { tenant: "acme", userId: "u1" };

/** A push provider stand-in that records what it was handed and fails on demand. */
class RecordingAdapter implements ChannelAdapter {
  sent: DeliveryCommand[] = [];
  failNext = 0;
  async send(cmd: DeliveryCommand): Promise<DeliveryResult> {
    if (this.failNext > 0) {
      this.failNext--;
      return { status: "retryable", error: "503 from the push service" };
    }
    this.sent.push(cmd);
    return { status: "delivered", providerMessageId: `m${this.sent.length}` };
  }
}

/** `shared`: the clock and state store of another setup (a second process deciding for the same users). */
async function setup(
  presence: Presence = { connected: false, subscribedDocIds: [] },
  shared?: { clock: ManualClock; states: MemoryNotifyUserStateStore },
  opts: { decisions?: MemoryDecisionLogStore; push?: RecordingAdapter } = {},
) {
  const clock = shared?.clock ?? new ManualClock(T0);
  const push = opts.push ?? new RecordingAdapter();
  const wakes: number[] = [];
  const posted: unknown[] = [];
  const feed = new MemoryNotificationFeedStore();
  const decisions = opts.decisions ?? new MemoryDecisionLogStore({ now: () => clock.now() });
  const devices = new MemoryDeviceStore();
  await devices.add({ kind: "web_push", tenant: user.tenant, userId: user.userId, endpoint: "https://push.example/abc", keys: { p256dh: "BPk", auth: "au" } }, T0);
  const states = shared?.states ?? new MemoryNotifyUserStateStore({ now: () => clock.now() });
  const service = new NotifyService({
    states,
    feed,
    decisions,
    devices,
    profiles: new MemoryNotifyProfileStore(),
    presence: async () => ({ ...presence, connectionIds: presence.connected ? ["conn-1"] : [] }),
    tenantPolicy: async () => undefined,
    resolver: new MemoryDigestResolver(),
    postToUser: async (_u, m) => void posted.push(m),
    delivery: {
      adapters: { web_push: push },
      breakers: new MemoryBreakerStateStore(),
      deadLetters: new MemoryDeliveryDeadLetterStore(),
      clock,
      rand: () => 0.5,
    },
    providerOf: () => "webpush",
    scheduleWake: async (_u, at) => void wakes.push(at),
    clock,
  });
  /** Runs every scheduled wake-up up to `until`, in time order, as the notify timers do. */
  const runWakes = async (until: number) => {
    for (;;) {
      const due = wakes.filter((t) => t <= until).sort((a, b) => a - b)[0];
      if (due === undefined) return;
      wakes.splice(wakes.indexOf(due), 1);
      clock.set(Math.max(clock.now(), due));
      await service.wake(user);
    }
  };
  return { clock, push, wakes, posted, feed, decisions, service, runWakes, states };
}

let n = 0;
const social = (at: number, extra: Partial<NotifyIntent> = {}): NotifyIntent => ({
  tenant: user.tenant,
  eventId: `ev-${++n}`,
  userId: user.userId,
  class: "social",
  topic: "comments",
  actorId: "alice",
  docId: `doc-${n}`,
  subject: { kind: "comment", id: `c-${n}` },
  title: "alice commented",
  body: "hi",
  at,
  ...extra,
});

describe("NotifyService", () => {
  test("five social events at one instant: exactly 3 pushes, every event in the feed, the rest deferred", async () => {
    const { service, push, feed, decisions, runWakes } = await setup();
    const events = Array.from({ length: 5 }, () => social(T0));
    for (const e of events) await service.handleIntents(user, [e]);
    // Social events wait in their digests (10 minutes) before any push.
    expect(push.sent).toHaveLength(0);
    await runWakes(T0 + 15 * 60_000);
    expect(push.sent).toHaveLength(3);
    expect((await feed.list(user, { limit: 50 })).items.length).toBeGreaterThanOrEqual(1);
    const reasons = await Promise.all(events.map(async (e) => (await decisions.byEvent(user.tenant, user.userId, e.eventId)).map((d) => d.reason)));
    expect(reasons.filter((r) => r.includes("deferred:cap"))).toHaveLength(2);
  });

  test("concurrent calls for one user never pass the cap (compare-and-set on the user's state)", async () => {
    const { service, push, runWakes } = await setup();
    await Promise.all(Array.from({ length: 12 }, () => service.handleIntents(user, [social(T0)])));
    await Promise.all(Array.from({ length: 4 }, () => runWakes(T0 + 15 * 60_000)));
    expect(push.sent).toHaveLength(3);
  });

  test("the same event four times: one in-app item and one push; later copies are duplicates", async () => {
    const { service, push, feed, decisions, runWakes } = await setup();
    const e = social(T0, { class: "transactional", topic: "tasks" });
    for (let i = 0; i < 4; i++) await service.handleIntents(user, [e]);
    await runWakes(T0 + 15 * 60_000);
    for (let i = 0; i < 2; i++) await service.handleIntents(user, [e]);
    expect(push.sent).toHaveLength(1);
    expect((await feed.list(user, { limit: 50 })).items).toHaveLength(1);
    const reasons = (await decisions.byEvent(user.tenant, user.userId, e.eventId)).map((d) => d.reason);
    expect(reasons.filter((r) => r === "duplicate").length).toBeGreaterThanOrEqual(1);
  });

  test("a failed push stays in the outbox, is retried when due, and the failure is explained", async () => {
    const { service, push, runWakes, decisions } = await setup();
    push.failNext = 1;
    const e = social(T0, { class: "transactional", topic: "tasks" });
    await service.handleIntents(user, [e]);
    expect(push.sent).toHaveLength(0);
    await runWakes(T0 + 60_000);
    expect(push.sent.map((c) => [c.notificationId, c.attempt])).toEqual([[expect.any(String), 2]]);
    const reasons = (await decisions.byEvent(user.tenant, user.userId, e.eventId)).map((d) => d.reason);
    expect(reasons).toContain("failed:web_push");
    expect(reasons).toContain("sent");
  });

  test("a connected user gets the in-app item live over the WebSocket and no push; reading it syncs", async () => {
    const { service, push, posted, feed } = await setup({ connected: true, subscribedDocIds: [] });
    await service.handleIntents(user, [social(T0)]);
    expect(push.sent).toHaveLength(0);
    const [item] = (await feed.list(user, { limit: 10 })).items;
    expect(posted).toEqual([{ type: "notification", notification: item }]);
    expect(await service.markRead(user, { ids: [item.id] })).toEqual([item.id]);
    expect(posted.at(-1)).toEqual({ type: "notification.read", ids: [item.id] });
    expect(await feed.unreadCount(user)).toBe(0);
  });

  test("an in-app delivery costs one state write; its applied entry leaves the outbox with the next commit, in any process", async () => {
    const online = { connected: true, subscribedDocIds: [] };
    const a = await setup(online);
    const tasks = (at: number) => social(at, { class: "transactional", topic: "tasks" });
    const outbox = async () => ((await a.states.load(user)).state as { outbox: Array<{ delivery: { notificationId: string }; claimUntil?: number }> }).outbox;
    await a.service.handleIntents(user, [tasks(T0)]);
    // One commit: the entry it claimed was applied (it is in the feed) and stays claimed in the outbox.
    expect((await a.states.load(user)).version).toBe(1);
    const [first] = await outbox();
    expect(first.claimUntil).toBeDefined();
    expect((await a.feed.list(user, { limit: 10 })).items).toHaveLength(1);
    // Another process, which remembers nothing, decides the next event: it finds the first entry
    // applied (its feed is the same) and drops it with its own commit.
    const b = await setup(online, a);
    (b.service as unknown as { applied: { feed: unknown } }).applied.feed = a.feed;
    (b.service as unknown as { deps: { feed: unknown } }).deps.feed = a.feed;
    await b.service.handleIntents(user, [tasks(T0 + 1)]);
    expect((await a.states.load(user)).version).toBe(2);
    expect((await outbox()).map((e) => e.delivery.notificationId)).not.toContain(first.delivery.notificationId);
    expect((await a.feed.list(user, { limit: 10 })).items).toHaveLength(2);
  });

  test("an in-app entry whose process died after the commit is applied once its claim lapses", async () => {
    const online = { connected: true, subscribedDocIds: [] };
    // `dead` commits and claims, but its upsert never reaches the feed the others read.
    const dead = await setup(online);
    const live = await setup(online, dead);
    await dead.service.handleIntents(user, [social(T0, { class: "transactional", topic: "tasks" })]);
    expect((await live.feed.list(user, { limit: 10 })).items).toHaveLength(0);
    // Within its claim, a wake of another process leaves it alone (and wakes again when it lapses).
    dead.clock.set(T0 + 30_000);
    await live.service.wake(user);
    expect((await live.feed.list(user, { limit: 10 })).items).toHaveLength(0);
    expect(live.wakes).toContain(T0 + 60_000);
    await live.runWakes(T0 + 60_000);
    const items = (await live.feed.list(user, { limit: 10 })).items;
    expect(items.map((i) => i.eventIds)).toEqual([[`ev-${n}`]]);
    expect(live.posted).toHaveLength(1);
  });

  test("a push sent on its first attempt costs one state write; its entry leaves the outbox with the next commit, in any process", async () => {
    const a = await setup();
    const tasks = (at: number) => social(at, { class: "transactional", topic: "tasks" });
    const outbox = async () => ((await a.states.load(user)).state as { outbox: Array<{ delivery: { notificationId: string; channel: string }; claimUntil?: number }> }).outbox;
    const first = tasks(T0);
    await a.service.handleIntents(user, [first]);
    expect(a.push.sent).toHaveLength(1);
    // One commit: the push it claimed went out and stays claimed in the outbox; the log says it was sent.
    expect((await a.states.load(user)).version).toBe(1);
    const sentPush = (await outbox()).find((e) => e.delivery.channel === "web_push")!;
    expect(sentPush.claimUntil).toBeDefined();
    expect((await a.decisions.byNotification(user.tenant, user.userId, sentPush.delivery.notificationId)).map((d) => d.reason)).toEqual(["sent"]);
    // Another process, which remembers nothing but reads the same log, drops it with its own commit.
    const b = await setup(undefined, a, { decisions: a.decisions, push: a.push });
    b.clock.set(T0 + 1);
    await b.service.handleIntents(user, [tasks(T0 + 1)]);
    expect((await a.states.load(user)).version).toBe(2);
    expect((await outbox()).map((e) => e.delivery.notificationId)).not.toContain(sentPush.delivery.notificationId);
    // Long after every claim lapsed, nothing is sent twice.
    await b.runWakes(T0 + 3_600_000);
    expect(a.push.sent.filter((c) => c.notificationId === sentPush.delivery.notificationId)).toHaveLength(1);
    expect(a.push.sent).toHaveLength(2);
  });

  test("a push whose process died after the commit, before its send, is sent once its claim lapses", async () => {
    const shared = new MemoryDecisionLogStore({ now: () => Date.now() });
    // `dead` commits and claims, then hangs in its send: it never sends nor appends its decisions.
    const hanging = new RecordingAdapter();
    hanging.send = () => new Promise<DeliveryResult>(() => {});
    const dead = await setup(undefined, undefined, { decisions: shared, push: hanging });
    const live = await setup(undefined, dead, { decisions: shared });
    void dead.service.handleIntents(user, [social(T0, { class: "transactional", topic: "tasks" })]);
    await new Promise((r) => setTimeout(r, 20));
    expect((await dead.states.load(user)).version).toBe(1);
    // Within its claim, another process leaves it alone.
    dead.clock.set(T0 + 30_000);
    await live.service.wake(user);
    expect(live.push.sent).toHaveLength(0);
    // Once it lapsed, a later commit claims it again and sends it, and settles it.
    dead.clock.set(T0 + 61_000);
    await live.service.wake(user);
    expect(live.push.sent).toHaveLength(1);
    await live.runWakes(T0 + 3_600_000);
    expect(live.push.sent).toHaveLength(1);
    const left = ((await live.states.load(user)).state as { outbox: Array<{ delivery: { channel: string } }> }).outbox;
    expect(left.filter((e) => e.delivery.channel === "web_push")).toEqual([]);
  });

  test("a sent push whose record cannot be read is not taken as unsent: the call fails and is retried", async () => {
    const a = await setup();
    await a.service.handleIntents(user, [social(T0, { class: "transactional", topic: "tasks" })]);
    expect(a.push.sent).toHaveLength(1);
    // Another process, past the push's claim, while the log cannot be read.
    const b = await setup(undefined, a, { decisions: a.decisions, push: a.push });
    b.clock.set(T0 + 120_000);
    const read = a.decisions.byNotification.bind(a.decisions);
    a.decisions.byNotification = async () => {
      throw new Error("log unavailable");
    };
    await expect(b.service.handleIntents(user, [social(T0 + 120_000, { class: "transactional", topic: "tasks" })])).rejects.toThrow("log unavailable");
    expect(a.push.sent).toHaveLength(1);
    a.decisions.byNotification = read;
    await b.service.handleIntents(user, [social(T0 + 120_000, { class: "transactional", topic: "tasks" })]);
    expect(a.push.sent).toHaveLength(2);
    expect(new Set(a.push.sent.map((c) => c.notificationId)).size).toBe(2);
  });

  test("a push whose decisions could not be logged after its send is settled, not sent again", async () => {
    const { service, push, decisions, states, runWakes } = await setup();
    const append = decisions.append.bind(decisions);
    let fail = 1;
    decisions.append = async (records) => {
      if (records.some((r) => r.reason === "sent") && fail-- > 0) throw new Error("log unavailable");
      return append(records);
    };
    await expect(service.handleIntents(user, [social(T0, { class: "transactional", topic: "tasks" })])).rejects.toThrow("log unavailable");
    expect(push.sent).toHaveLength(1);
    const outbox = ((await states.load(user)).state as { outbox: Array<{ delivery: { channel: string } }> }).outbox;
    expect(outbox.filter((e) => e.delivery.channel === "web_push")).toEqual([]);
    await runWakes(T0 + 3_600_000);
    expect(push.sent).toHaveLength(1);
  });

  test("full chunks of the engine's recent events are stored as parts, once, and still catch an old replay", async () => {
    const { service, states, feed, decisions, clock } = await setup({ connected: true, subscribedDocIds: [] });
    const events = Array.from({ length: 140 }, (_, k) => social(T0 + k, { class: "transactional", topic: "tasks" }));
    for (const e of events) {
      clock.set(e.at);
      await service.handleIntents(user, [e]);
    }
    const snap = await states.load(user);
    const seen = (snap.state as { engine: { seen: unknown[] } }).engine.seen;
    expect(seen.slice(0, 2).every((c) => typeof c === "string")).toBe(true);
    expect(seen[2]).toHaveLength(140 - 128);
    expect(Object.values(snap.parts ?? {}).map((p) => (p as number[]).length)).toEqual([64, 64]);
    // Eight days on, the store's 7-day dedupe key of the first event is gone: the engine's own
    // memory of its last 512 events (the first chunk, a part) still knows it.
    clock.set(T0 + 8 * 86_400_000);
    const items = (await feed.list(user, { limit: 100 })).items.length;
    await service.handleIntents(user, [events[0]]);
    const reasons = (await decisions.byEvent(user.tenant, user.userId, events[0].eventId)).map((d) => [d.reason, d.detail]);
    expect(reasons).toContainEqual(["duplicate", "this event was already decided for this user"]);
    expect((await feed.list(user, { limit: 100 })).items.length).toBe(items);
  });

  test("a wake with nothing due writes nothing", async () => {
    const { service, states } = await setup();
    await service.handleIntents(user, [social(T0)]);
    const { version } = await states.load(user);
    await service.wake(user);
    await service.wake(user);
    expect((await states.load(user)).version).toBe(version);
  });
});
