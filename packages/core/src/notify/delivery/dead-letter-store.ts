import { deadLetterId } from "../../ports/dead-letter-store.js";
import type { ExternalChannel } from "../vocabulary.js";
import type { DeliveryCommand, Provider } from "./channel-adapter.js";

/** A delivery that ran out of retries (or was rejected outright): kept for an admin to inspect. */
export interface DeliveryDeadLetter {
  /** `deliveryDeadLetterId(deadAt, notificationId, channel)`: time-sortable, URL-safe. */
  id: string;
  tenant: string;
  userId: string;
  notificationId: string;
  channel: ExternalChannel;
  provider: Provider;
  /** Attempts made, the last one included. */
  attempts: number;
  /** The last attempt's error. */
  error: string;
  /** Server ms it was given up. */
  deadAt: number;
  /** The last attempt's command, enough to send it again. */
  command: DeliveryCommand;
}

/** The same shape and ordering as the bus's dead-letter ids (DEAD_LETTER_ID_PATTERN). */
export function deliveryDeadLetterId(deadAt: number, notificationId: string, channel: ExternalChannel): string {
  return deadLetterId(deadAt, notificationId, channel);
}

export interface DeliveryDeadLetterPage {
  letters: DeliveryDeadLetter[];
  cursor?: string;
}

/**
 * Dead-lettered deliveries, per tenant.
 *
 * Contract:
 * - `put` is idempotent per (tenant, notificationId, channel): the first put stores the letter
 *   ("stored"); later ones change nothing ("duplicate"), whatever their other fields.
 * - `list(tenant, {limit, cursor, userId})` returns the tenant's letters (only that user's when
 *   `userId` is given) newest first by id, at most `limit`, with a `cursor` iff more exist; a
 *   cursor the store did not issue is WeftError("invalid_request"). Tenants are isolated.
 * - Letters round-trip deep-equal.
 * - `delete(tenant, id)` removes it (true) or finds nothing (false) and forgets its
 *   (notificationId, channel): a later put of it is stored again.
 */
export interface DeliveryDeadLetterStore {
  put(letter: DeliveryDeadLetter): Promise<"stored" | "duplicate">;
  list(tenant: string, q: { limit: number; cursor?: string; userId?: string }): Promise<DeliveryDeadLetterPage>;
  delete(tenant: string, id: string): Promise<boolean>;
}
