import { WeftError } from "../../../errors.js";
import { DEAD_LETTER_ID_PATTERN } from "../../../ports/dead-letter-store.js";
import type { DeliveryDeadLetter, DeliveryDeadLetterPage, DeliveryDeadLetterStore } from "../dead-letter-store.js";

/** In-memory DeliveryDeadLetterStore: the reference implementation. The cursor is the last returned id. */
export class MemoryDeliveryDeadLetterStore implements DeliveryDeadLetterStore {
  private readonly tenants = new Map<string, Map<string, DeliveryDeadLetter>>();

  async put(letter: DeliveryDeadLetter): Promise<"stored" | "duplicate"> {
    let letters = this.tenants.get(letter.tenant);
    if (!letters) this.tenants.set(letter.tenant, (letters = new Map()));
    for (const l of letters.values()) if (l.notificationId === letter.notificationId && l.channel === letter.channel) return "duplicate";
    letters.set(letter.id, structuredClone(letter));
    return "stored";
  }

  async list(tenant: string, q: { limit: number; cursor?: string; userId?: string }): Promise<DeliveryDeadLetterPage> {
    if (q.cursor !== undefined && !DEAD_LETTER_ID_PATTERN.test(q.cursor)) {
      throw new WeftError("invalid_request", "invalid dead-letter cursor", [{ path: "cursor", issue: "not a cursor this store issued" }]);
    }
    const matching = [...(this.tenants.get(tenant)?.values() ?? [])]
      .filter((l) => (q.cursor === undefined || l.id < q.cursor) && (q.userId === undefined || l.userId === q.userId))
      .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    const page = matching.slice(0, Math.max(0, q.limit));
    const more = matching.length > page.length && page.length > 0;
    return { letters: structuredClone(page), ...(more ? { cursor: page.at(-1)!.id } : {}) };
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    return this.tenants.get(tenant)?.delete(id) ?? false;
  }
}
