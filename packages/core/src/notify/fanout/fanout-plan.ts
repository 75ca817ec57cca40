import { WeftError } from "../../errors.js";
import type { NotifyIntent } from "../engine/intent.js";
import type { FanoutChunk } from "./fanout-store.js";

/** How a large fan-out is expanded. Tenants cannot change these yet; a deployment can (env). */
export interface FanoutPolicy {
  /** Recipients per chunk (one chunk is one timer run: a few seconds of work). */
  chunkSize: number;
  /** The chunks' due times are spread evenly over this window from the request (0: all at once). */
  spreadMs: number;
  /** Most recipients one event may reach (over it: refused, nothing sent). */
  maxRecipients: number;
  /** Most recipients one sender may reach per rolling clock hour, over all their events. */
  senderBudgetPerHour: number;
  /** Up to this many recipients are decided before the request returns (no chunks, no timers). */
  inlineMax: number;
}

export const DEFAULT_FANOUT_POLICY: FanoutPolicy = {
  chunkSize: 500,
  spreadMs: 60_000,
  maxRecipients: 100_000,
  senderBudgetPerHour: 1_000_000,
  inlineMax: 50,
};

export const HOUR_MS = 3_600_000;

/** Refuses an event over the recipient ceiling, saying by how much. */
export function checkRecipientCeiling(recipients: number, policy: FanoutPolicy): void {
  if (recipients > policy.maxRecipients) {
    throw new WeftError("invalid_request", `an event may reach at most ${policy.maxRecipients} recipients`, [
      { path: "recipients", issue: `${recipients} recipients; at most ${policy.maxRecipients}` },
    ]);
  }
}

/**
 * The chunks of a fan-out: intents in their order (one recipient's intents never split), at
 * most `chunkSize` recipients each, chunk i due at now + floor(i * spreadMs / chunks).
 */
export function planFanout(intents: NotifyIntent[], now: number, policy: FanoutPolicy): FanoutChunk[] {
  const byUser = new Map<string, NotifyIntent[]>();
  for (const i of intents) byUser.set(i.userId, [...(byUser.get(i.userId) ?? []), i]);
  const users = [...byUser.values()];
  const count = Math.max(1, Math.ceil(users.length / policy.chunkSize));
  const chunks: FanoutChunk[] = [];
  for (let index = 0; index < count; index++) {
    const slice = users.slice(index * policy.chunkSize, (index + 1) * policy.chunkSize);
    chunks.push({ index, dueAt: now + Math.floor((index * policy.spreadMs) / count), intents: slice.flat() });
  }
  return chunks;
}
