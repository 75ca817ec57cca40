/**
 * The notification engine's shared vocabulary: classes, topics, channels, reason codes and
 * the records every part (engine, stores, delivery, API) exchanges. Values here are part of
 * the public API (docs/api.md): they never change meaning.
 */

/** How much a notification may interrupt: caps, quiet hours and channels depend on it. */
export const NOTIFICATION_CLASSES = ["critical", "transactional", "social", "marketing"] as const;
export type NotificationClass = (typeof NOTIFICATION_CLASSES)[number];

/** Built-in topics; a tenant may add its own (lowercase `[a-z][a-z0-9_.-]{0,39}`). */
export const BUILTIN_TOPICS = ["mentions", "comments", "reactions", "tasks", "permissions", "edits", "security", "product"] as const;
export type BuiltinTopic = (typeof BUILTIN_TOPICS)[number];
export const TOPIC_PATTERN = /^[a-z][a-z0-9_.-]{0,39}$/;

/** Where a notification can go. `in_app` is the feed plus the WebSocket; the others are external providers. */
export const CHANNELS = ["in_app", "web_push", "mobile_push", "email", "sms"] as const;
export type Channel = (typeof CHANNELS)[number];
export type ExternalChannel = Exclude<Channel, "in_app">;

/**
 * Why a notification did (not) go out, one per decision. `failed:<channel>` is a delivery
 * attempt that failed (retries may follow); `dead_letter` is one that ran out of retries;
 * `expired` is a deferred notification whose class TTL passed before it could go out.
 */
export const REASON_CODES = [
  "sent",
  "merged",
  "deferred:cap",
  "deferred:quiet_hours",
  "suppressed:preference",
  "suppressed:consent",
  "suppressed:presence",
  "suppressed:permission",
  "duplicate",
  "bypass:critical",
  "dead_letter",
  "expired",
  ...CHANNELS.map((c) => `failed:${c}` as const),
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

/**
 * One decision of the engine about one (event, recipient[, channel]): the answer to "why did
 * I (not) get this". Stored append-only; queried by user and by event.
 */
export interface DecisionRecord {
  tenant: string;
  userId: string;
  eventId: string;
  /** Absent when the decision precedes any notification (a duplicate event, a suppressed one). */
  notificationId?: string;
  channel?: Channel;
  reason: ReasonCode;
  /** The policy version (tenant policy + the user's preferences revision) that applied. */
  policyVersion: string;
  /** Server ms of the decision. */
  at: number;
  /** Human-readable specifics: "3 of 3 social sends in the last hour; next slot at 10:00:00Z". */
  detail?: string;
}

/**
 * An in-app feed item. A digest's item is updated in place: same id, `version` + 1, back to
 * unread (`readAt` removed).
 */
export interface FeedItem {
  tenant: string;
  userId: string;
  id: string;
  version: number;
  class: NotificationClass;
  topic: string;
  title: string;
  body: string;
  url?: string;
  docId?: string;
  /** The source events this item summarises (one, or a digest's). */
  eventIds: string[];
  data?: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
  readAt?: number;
}
