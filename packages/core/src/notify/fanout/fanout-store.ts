import type { NotifyIntent } from "../engine/intent.js";

/** One slice of a fan-out: the intents of up to `chunkSize` recipients, decided at `dueAt`. */
export interface FanoutChunk {
  index: number;
  dueAt: number;
  intents: NotifyIntent[];
}

export interface FanoutJobMeta {
  /** Who asked (the token's user): what the per-sender budget counts against. */
  senderId: string;
  recipients: number;
  chunks: number;
  createdAt: number;
}

/**
 * Large fan-outs, kept until each chunk is decided: an event with many recipients is cut into
 * chunks spread over a window, each decided by the notify timers when due.
 *
 * Contract:
 * - `create(tenant, jobId, meta, chunks)` stores the job and its chunks. It returns "created"
 *   the first time for (tenant, jobId) and "exists" afterwards; either way every given chunk
 *   not yet finished is stored when it resolves (a create that died half-way is completed by
 *   its retry), and a finished chunk is never brought back.
 * - `chunk(tenant, jobId, index)` returns the stored chunk, or undefined once finished (or never
 *   stored). Strongly consistent.
 * - `finish(tenant, jobId, index)` forgets the chunk. Idempotent.
 * - `spend(tenant, senderId, windowStart, n, max, spendId)` atomically adds `n` to the sender's
 *   count for the window starting at `windowStart` iff the result stays <= `max`; returns
 *   whether it did. Concurrent spends never exceed `max` together. A spend whose `spendId` the
 *   sender already spent (in any window, for at least SPEND_ID_RETENTION_MS) adds nothing and
 *   returns true: a retried request (same event id) is not charged twice. A refused spend
 *   records nothing, so its retry is judged afresh.
 * - Tenants are isolated.
 */
export interface FanoutJobStore {
  create(tenant: string, jobId: string, meta: FanoutJobMeta, chunks: FanoutChunk[]): Promise<"created" | "exists">;
  chunk(tenant: string, jobId: string, index: number): Promise<FanoutChunk | undefined>;
  finish(tenant: string, jobId: string, index: number): Promise<void>;
  spend(tenant: string, senderId: string, windowStart: number, n: number, max: number, spendId: string): Promise<boolean>;
}

/** How long a spend id is remembered: as long as event ids are deduplicated (7 days). */
export const SPEND_ID_RETENTION_MS = 7 * 24 * 3600 * 1000;
