/**
 * Bounds of the per-user engine state, which is stored as one DynamoDB item (at most 400 KB;
 * the user-state store refuses more than 350 KB of JSON). Worst case, with every string at its
 * bound: 80 stored items x ~2.9 KB + 16 digest headers + 512 seen hashes + send times
 * ~ 255 KB. The test "state size" builds that worst case and measures it.
 */
export const ENGINE_LIMITS = {
  /** Recent event ids (as 53-bit hashes) kept for duplicate detection; older ones rely on the store's 7-day dedupe. */
  seenEvents: 512,
  /** Pending items across open digests, deferred ("held") items and pending fallbacks. Beyond it the oldest held item expires. */
  storedItems: 80,
  /** Open digests; opening one more flushes the oldest at once. */
  openDigests: 16,
  /** JSON bytes of a stored title and body (cut at a code point, with "…"). */
  storedTitleBytes: 300,
  storedBodyBytes: 500,
} as const;

/** Limits of an intent (see intent.ts); every string is measured in UTF-8 bytes. */
export const INTENT_LIMITS = {
  titleBytes: 200,
  bodyBytes: 2000,
  urlBytes: 512,
  dataBytes: 512,
  subjectIdLength: 128,
} as const;

/** The cap wake runs this long after a slot frees, so an event arriving at that very instant takes the slot. */
export const CAP_WAKE_DELAY_MS = 1000;
