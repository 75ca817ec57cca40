import { WeftError } from "../../errors.js";
import { DEAD_LETTER_ID_PATTERN, type DeadLetter, type DeadLetterStore } from "../dead-letter-store.js";

/**
 * In-memory DeadLetterStore: the reference implementation of the port contract. The cursor is
 * the base64url of the last returned id, the same opaque form the DynamoDB adapter uses.
 */
export class MemoryDeadLetterStore implements DeadLetterStore {
  private readonly tenants = new Map<string, { letters: Map<string, DeadLetter>; keys: Map<string, string> }>();

  private tenant(t: string) {
    let entry = this.tenants.get(t);
    if (!entry) this.tenants.set(t, (entry = { letters: new Map(), keys: new Map() }));
    return entry;
  }

  async put(letter: DeadLetter): Promise<"stored" | "duplicate"> {
    const t = this.tenant(letter.tenant);
    const key = `${letter.eventId}\n${letter.rule}`;
    if (t.keys.has(key)) return "duplicate";
    t.keys.set(key, letter.id);
    t.letters.set(letter.id, structuredClone(letter));
    return "stored";
  }

  async list(tenant: string, limit: number, cursor?: string): Promise<{ deadLetters: DeadLetter[]; cursor?: string }> {
    const from = cursor === undefined ? undefined : decodeCursor(cursor);
    const newestFirst = [...(this.tenants.get(tenant)?.letters.values() ?? [])]
      .filter((l) => from === undefined || l.id < from)
      .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    const page = newestFirst.slice(0, Math.max(0, limit));
    const more = newestFirst.length > page.length && page.length > 0;
    return {
      deadLetters: page.map((l) => structuredClone(l)),
      ...(more ? { cursor: Buffer.from(page.at(-1)!.id).toString("base64url") } : {}),
    };
  }

  async get(tenant: string, id: string): Promise<DeadLetter | undefined> {
    const l = this.tenants.get(tenant)?.letters.get(id);
    return l && structuredClone(l);
  }

  async markRedriven(tenant: string, id: string, at: number): Promise<DeadLetter | undefined> {
    const l = this.tenants.get(tenant)?.letters.get(id);
    if (!l) return undefined;
    l.status = "redriven";
    l.redrivenAt = at;
    l.redrives += 1;
    return structuredClone(l);
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    const t = this.tenants.get(tenant);
    const l = t?.letters.get(id);
    if (!t || !l) return false;
    t.letters.delete(id);
    t.keys.delete(`${l.eventId}\n${l.rule}`);
    return true;
  }
}

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, "base64url").toString("utf8");
  if (!DEAD_LETTER_ID_PATTERN.test(id)) throw new WeftError("invalid_request", "invalid dead-letter cursor");
  return id;
}
