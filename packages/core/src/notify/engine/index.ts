/**
 * The per-user notification decision engine (pure): `decide`, `wake` and `markRead` over a
 * JSON state, the DigestResolver port and its in-memory adapter, and what a benchmark needs.
 * Internals (caps, channels, digests, rendering) are importable by module path.
 */
export { decide, markRead, wake } from "./engine.js";
export type { Delivery, EngineContext, EngineResult } from "./run.js";
export { EVENT_ID_PATTERN, type NotifyIntent, parseNotifyIntent } from "./intent.js";
export {
  emptyNotifyState,
  isIdle,
  type NotifyUserState,
  notifyStateOf,
  type OpenDigest,
  type PendingFallback,
  type PendingItem,
  seenCount,
  storedItemCount,
} from "./state.js";
export { CAP_WAKE_DELAY_MS, ENGINE_LIMITS, INTENT_LIMITS } from "./limits.js";
export { digestId, notificationId } from "./ids.js";
export { type DigestFacts, type DigestQuery, type DigestResolver, type SubjectRef, subjectKey } from "./digest-resolver.js";
export { MemoryDigestResolver } from "./memory-digest-resolver.js";
export { OFFLINE, type Presence } from "./presence.js";
export { quietUntil } from "./quiet-hours.js";
export { type Budget, capsOf, type Caps } from "./caps.js";
export { type ChannelPlan, EMAIL_WITH_PUSH_DETAIL, planChannels } from "./channels.js";
export { type BenchWorkload, benchWorkload, runBenchWorkload } from "./bench-workload.js";
