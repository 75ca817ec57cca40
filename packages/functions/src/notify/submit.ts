import { HOUR_MS, checkRecipientCeiling, DEFAULT_FANOUT_POLICY, planFanout, type FanoutPolicy } from "@weft/core/notify/fanout/index";
import type { NotifyIntent } from "@weft/core/notify/engine/index";
import { withCurrentReadAccess } from "@weft/core/notify/sources/committed-intents";
import { WeftError } from "@weft/core";
import type { Wiring } from "../wiring.js";
import { CHUNK_CONCURRENCY, forEachUser, groupByUser } from "./fan-out.js";

export interface SubmitResult {
  /** "inline": decided before returning; "queued": cut into chunks the notify timers decide when due. */
  mode: "inline" | "queued";
  recipients: number;
  chunks: number;
}

/** The deployment's fan-out policy: defaults, overridden by WEFT_NOTIFY_FANOUT_* env. */
export function fanoutPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): FanoutPolicy {
  const num = (name: string, dflt: number) => (env[name] !== undefined && env[name] !== "" ? Number(env[name]) : dflt);
  return {
    chunkSize: num("WEFT_NOTIFY_FANOUT_CHUNK", DEFAULT_FANOUT_POLICY.chunkSize),
    spreadMs: num("WEFT_NOTIFY_FANOUT_SPREAD_MS", DEFAULT_FANOUT_POLICY.spreadMs),
    maxRecipients: num("WEFT_NOTIFY_MAX_RECIPIENTS", DEFAULT_FANOUT_POLICY.maxRecipients),
    senderBudgetPerHour: num("WEFT_NOTIFY_SENDER_BUDGET", DEFAULT_FANOUT_POLICY.senderBudgetPerHour),
    inlineMax: num("WEFT_NOTIFY_INLINE_MAX", DEFAULT_FANOUT_POLICY.inlineMax),
  };
}

/** The fan-out timer of one chunk: timers are keyed by DocRef, so "<index>.<jobId>" takes the docId's place. */
export function chunkRef(tenant: string, jobId: string, index: number) {
  return { tenant, docId: `${index}.${jobId}` };
}

export function parseChunkRef(docId: string): { jobId: string; index: number } {
  const dot = docId.indexOf(".");
  return { index: Number(docId.slice(0, dot)), jobId: docId.slice(dot + 1) };
}

/**
 * Hands expanded intents (one or more per recipient) of one event to the engine.
 * - Over the recipient ceiling: refused (invalid_request), nothing sent.
 * - `senderId` given: the recipients are spent from the sender's hourly budget first (once per
 *   event: a retry of the same event is not charged again); over it: refused (rate_limited),
 *   nothing sent.
 * - Up to `inlineMax` recipients: decided before returning.
 * - More: stored as a fan-out job of chunks spread over the window, each decided by the notify
 *   timers when due. A retried submit of the same job stores nothing new.
 * Decisions are idempotent per (event id, recipient) either way.
 */
export async function submitIntents(w: Wiring, intents: NotifyIntent[], opts: { jobId?: string; senderId?: string; policy?: FanoutPolicy }): Promise<SubmitResult> {
  const policy = opts.policy ?? fanoutPolicyFromEnv();
  const byUser = groupByUser(intents);
  checkRecipientCeiling(byUser.size, policy);
  if (byUser.size === 0) return { mode: "inline", recipients: 0, chunks: 0 };
  const tenant = intents[0].tenant;
  // One event's fan-out is one job (POST /v1/notify: its eventId).
  const jobId = opts.jobId ?? intents[0].eventId;
  const now = w.clock.now();
  if (opts.senderId !== undefined) {
    const windowStart = Math.floor(now / HOUR_MS) * HOUR_MS;
    if (!(await w.notify.fanout.spend(tenant, opts.senderId, windowStart, byUser.size, policy.senderBudgetPerHour, jobId))) {
      throw new WeftError("rate_limited", `sender ${opts.senderId} has used up this hour's budget of ${policy.senderBudgetPerHour} recipients`, [
        { path: "recipients", issue: `${byUser.size} more would pass the budget; it renews at ${new Date(windowStart + HOUR_MS).toISOString()}` },
      ]);
    }
  }
  if (byUser.size <= policy.inlineMax) {
    await forEachUser(byUser, (user, list) => w.notify.service.handleIntents(user, list));
    return { mode: "inline", recipients: byUser.size, chunks: 0 };
  }
  const chunks = planFanout(intents, now, policy);
  await w.notify.fanout.create(tenant, jobId, { senderId: opts.senderId ?? "", recipients: byUser.size, chunks: chunks.length, createdAt: now }, chunks);
  await Promise.all(chunks.map((c) => w.notify.fanoutTimers.add(chunkRef(tenant, jobId, c.index), c.dueAt)));
  return { mode: "queued", recipients: byUser.size, chunks: chunks.length };
}

/**
 * Decides one due chunk (called by the notify timers), then forgets it. A chunk is decided up
 * to the fan-out window after its event's readers were judged: the `readAccess` of its intents
 * about a document is judged again first from the document's current ACL (one fresh AclReader
 * read per document in the chunk, not per recipient), so a user who lost access meanwhile gets
 * nothing about it (suppressed:permission).
 */
export async function runChunk(w: Wiring, tenant: string, jobId: string, index: number): Promise<number> {
  const chunk = await w.notify.fanout.chunk(tenant, jobId, index);
  if (!chunk) return 0;
  const intents = await withCurrentReadAccess(chunk.intents, (doc) => w.acls.read(doc, { fresh: true }));
  const byUser = groupByUser(intents);
  await forEachUser(byUser, (user, list) => w.notify.service.handleIntents(user, list), CHUNK_CONCURRENCY);
  await w.notify.fanout.finish(tenant, jobId, index);
  return byUser.size;
}
