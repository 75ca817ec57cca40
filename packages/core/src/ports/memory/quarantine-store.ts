import { WeftError } from "../../errors.js";
import type { QuarantineStore } from "../quarantine-store.js";
import type { QuarantineRecord } from "../records.js";

/**
 * In-memory QuarantineStore: the reference implementation of the port contract. The page
 * cursor is the base64url of the last returned record's `<at, 16 digits>#<id>`, the same
 * opaque form the DynamoDB adapter uses.
 */
export class MemoryQuarantineStore implements QuarantineStore {
  private readonly tenants = new Map<string, Map<string, QuarantineRecord>>();

  async put(record: QuarantineRecord): Promise<void> {
    const records = this.tenants.get(record.tenant) ?? new Map<string, QuarantineRecord>();
    if (!records.has(record.id)) records.set(record.id, structuredClone(record));
    this.tenants.set(record.tenant, records);
  }

  async list(tenant: string, limit: number, cursor?: string): Promise<{ records: QuarantineRecord[]; cursor?: string }> {
    const from = cursor === undefined ? undefined : decodeCursor(cursor);
    const newestFirst = [...(this.tenants.get(tenant)?.values() ?? [])]
      .map((r) => ({ key: sortKey(r), r }))
      .filter(({ key }) => from === undefined || key < from)
      .sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
    const page = newestFirst.slice(0, Math.max(0, limit));
    const more = newestFirst.length > page.length && page.length > 0;
    return {
      records: page.map(({ r }) => structuredClone(r)),
      ...(more ? { cursor: Buffer.from(page.at(-1)!.key).toString("base64url") } : {}),
    };
  }
}

function sortKey(r: QuarantineRecord): string {
  return `${String(r.at).padStart(16, "0")}#${r.id}`;
}

function decodeCursor(cursor: string): string {
  const key = Buffer.from(cursor, "base64url").toString("utf8");
  if (!/^\d{16}#./.test(key)) throw new WeftError("invalid_request", "invalid quarantine cursor");
  return key;
}
