import type { NotifyIntent } from "@weft/core/notify/engine/index";
import type { Wiring } from "../wiring.js";
import { forEachUser, groupByUser } from "./fan-out.js";

export interface SubmitResult {
  /** "inline": decided before returning; "queued": expanded in chunks by the notify timers. */
  mode: "inline" | "queued";
  recipients: number;
  chunks: number;
}

/**
 * Hands already-expanded intents (one per recipient) to the engine. Small sets are decided at
 * once; large ones are cut into chunks spread over the fan-out window (see fanout jobs).
 * Idempotent per (event id, recipient).
 */
export async function submitIntents(w: Wiring, intents: NotifyIntent[], _opts: { senderId: string }): Promise<SubmitResult> {
  const byUser = groupByUser(intents);
  await forEachUser(byUser, (user, list) => w.notify.service.handleIntents(user, list));
  return { mode: "inline", recipients: byUser.size, chunks: 1 };
}
