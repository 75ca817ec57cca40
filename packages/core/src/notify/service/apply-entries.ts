import type { Clock } from "../../ports/clock.js";
import type { DeliveryCommand, Provider } from "../delivery/channel-adapter.js";
import { deliver, type DeliverDeps } from "../delivery/deliver.js";
import type { HardFailureAction } from "../delivery/hard-failure.js";
import type { NotifyUser } from "../stores/common.js";
import type { DecisionLogStore } from "../stores/decision-log-store.js";
import type { DeviceStore } from "../stores/device-store.js";
import type { NotificationFeedStore } from "../stores/feed-store.js";
import type { NotifyProfileStore } from "../stores/profile-store.js";
import type { DecisionRecord, ExternalChannel, FeedItem } from "../vocabulary.js";
import type { EntryOutcome, OutboxEntry } from "./outbox.js";

/** When an entry could not even be attempted (a store or wiring failure), it is tried again after this. */
export const INFRA_RETRY_MS = 60_000;

export interface ApplyDeps {
  feed: NotificationFeedStore;
  decisions: DecisionLogStore;
  devices: DeviceStore;
  profiles: NotifyProfileStore;
  /** Posts one JSON message to every live WebSocket of the user. */
  postToUser: (user: NotifyUser, message: unknown) => Promise<void>;
  delivery: DeliverDeps;
  clock: Clock;
  /** The provider an external channel goes through here (locally: "outbox"). */
  providerOf: (channel: ExternalChannel, target: NonNullable<OutboxEntry["target"]>) => Provider;
}

/**
 * Applies claimed outbox entries: an in-app one becomes a feed item (upserted by version, so
 * a repeat is a no-op) pushed to the user's live connections; an external one is one attempt
 * through `deliver` (breaker, adapter, retry policy). Failed attempts are recorded as
 * `failed:<channel>` decisions, spent ones as `dead_letter`; hard failures are acted on
 * (device deleted, email disabled). Returns each entry's outcome for the outbox.
 */
export async function applyEntries(deps: ApplyDeps, user: NotifyUser, entries: OutboxEntry[]): Promise<EntryOutcome[]> {
  const decisions: DecisionRecord[] = [];
  const outcomes = await Promise.all(
    entries.map(async (e) => {
      try {
        return await applyOne(deps, user, e, decisions);
      } catch (err) {
        // An infrastructure failure (a store, no adapter for the channel): not the provider's
        // verdict, so no retry is spent; the entry is tried again in a minute.
        const at = deps.clock.now() + INFRA_RETRY_MS;
        decisions.push({ tenant: user.tenant, userId: user.userId, eventId: e.delivery.eventIds[0] ?? e.delivery.notificationId, notificationId: e.delivery.notificationId, channel: e.delivery.channel, reason: `failed:${e.delivery.channel}`, policyVersion: "delivery", at: deps.clock.now(), detail: `not attempted: ${String(err).slice(0, 300)}` });
        return { id: e.id, done: false as const, attempt: e.attempt, dueAt: at };
      }
    }),
  );
  if (decisions.length > 0) await deps.decisions.append(decisions);
  return outcomes;
}

async function applyOne(deps: ApplyDeps, user: NotifyUser, e: OutboxEntry, decisions: DecisionRecord[]): Promise<EntryOutcome> {
  const d = e.delivery;
  const now = deps.clock.now();
  if (d.channel === "in_app") {
    const existing = d.version > 1 ? await deps.feed.get(user, d.notificationId) : undefined;
    const item: FeedItem = {
      tenant: user.tenant,
      userId: user.userId,
      id: d.notificationId,
      version: d.version,
      class: d.class,
      topic: d.topic,
      title: d.title,
      body: d.body,
      ...(d.url !== undefined ? { url: d.url } : {}),
      ...(d.docId !== undefined ? { docId: d.docId } : {}),
      eventIds: d.eventIds,
      ...(d.data !== undefined ? { data: d.data } : {}),
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
      // A retracted digest (everything it summarised is gone) stays in the feed as read.
      ...(d.retract ? { readAt: now } : {}),
    };
    if (await deps.feed.upsert(item)) await deps.postToUser(user, { type: "notification", notification: item });
    return { id: e.id, done: true };
  }
  const channel = d.channel as ExternalChannel;
  const target = e.target!;
  const cmd: DeliveryCommand = {
    notificationId: d.notificationId,
    tenant: user.tenant,
    userId: user.userId,
    channel,
    provider: deps.providerOf(channel, target),
    target,
    title: d.title,
    body: d.body,
    ...(d.url !== undefined ? { url: d.url } : {}),
    ...(d.data !== undefined ? { data: d.data } : {}),
    attempt: e.attempt,
  };
  const outcome = await deliver(deps.delivery, cmd);
  const record = (reason: DecisionRecord["reason"], detail: string) =>
    decisions.push({ tenant: user.tenant, userId: user.userId, eventId: d.eventIds[0] ?? d.notificationId, notificationId: d.notificationId, channel, reason, policyVersion: "delivery", at: now, detail });
  switch (outcome.next) {
    case "done":
      // The first attempt's "sent" was recorded with the decision; a retry that got through says so.
      if (e.attempt > 1) record("sent", `delivered on attempt ${e.attempt}`);
      return { id: e.id, done: true, sent: true };
    case "retry":
      record(`failed:${channel}`, `attempt ${e.attempt}: ${outcome.error}; next attempt ${outcome.attempt} at ${new Date(outcome.at).toISOString()}`);
      return { id: e.id, done: false, attempt: outcome.attempt, dueAt: outcome.at };
    case "dead_letter":
      record("dead_letter", `after ${e.attempt} attempts: ${outcome.error}`);
      return { id: e.id, done: true };
    case "hard_failure":
      record(`failed:${channel}`, `hard failure ${outcome.kind}: ${outcome.error}`);
      if (outcome.action) await applyHardFailureAction(deps, outcome.action);
      return { id: e.id, done: true };
  }
}

/**
 * Acts on a recipient after a hard failure (from a send, or reported later by the provider:
 * SES bounces and complaints): deletes a dead push device, disables a bounced email address,
 * disables email after a complaint. Idempotent.
 */
export async function applyHardFailureAction(deps: Pick<ApplyDeps, "devices" | "profiles">, action: HardFailureAction): Promise<void> {
  const user = { tenant: action.tenant, userId: action.userId };
  switch (action.type) {
    case "delete_device":
      await deps.devices.remove(user, action.deviceId);
      return;
    case "disable_address":
      if (action.channel === "email") await deps.profiles.disableEmail(user, "bounce", action.address);
      // A refused phone number: nothing stored marks it yet (phone verification is the app's); logged.
      else console.warn(JSON.stringify({ kind: "notify_phone_refused", tenant: action.tenant, userId: action.userId }));
      return;
    case "disable_channel":
      await deps.profiles.disableEmail(user, "complaint");
      return;
  }
}
