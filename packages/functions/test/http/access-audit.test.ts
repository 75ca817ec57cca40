import { describe, expect, it } from "vitest";
import { ManualClock, MemoryAuditStore, type AuditStore, type Principal } from "@weft/core";
import { httpAccessAudit, refusalOf } from "../../src/http/access-audit.js";

const who: Principal = { userId: "vic", tenant: "t1", admin: false };
const doc = { tenant: "t1", docId: "d1" };

describe("http access audit", () => {
  it("records a refusal with its reason and first op, and an override, as access events", async () => {
    const store = new MemoryAuditStore();
    const audit = httpAccessAudit({ auditStore: store, clock: new ManualClock(1_760_000_000_000) }, () => {});
    await audit.onRefused(who, doc, "submit ops", "op v1: insert needs the editor role; you have the viewer role", [
      { index: 0, id: "v1", path: "ops[0]", issue: "needs the editor role; you have viewer" },
    ]);
    await audit.onRefused(who, doc, "read log", "you have no access to document d1");
    await audit.onOverride({ ...who, userId: "root", admin: true }, doc, "read state");
    const { events } = await store.accessEvents(doc, { limit: 10 });
    expect(events).toHaveLength(3);
    expect(events.map((e) => e.id)).toEqual([expect.stringMatching(/^override\.[a-z0-9]+$/), expect.stringMatching(/^refused\./), expect.stringMatching(/^refused\./)]);
    const at = 1_760_000_000_000;
    expect(events.map(({ id: _id, ...e }) => e)).toEqual(
      expect.arrayContaining([
        { at, userId: "root", kind: "override", action: "read state" },
        { at, userId: "vic", kind: "refused", action: "submit ops", reason: "role too low, needs editor", opId: "v1", message: "op v1: insert needs the editor role; you have the viewer role" },
        { at, userId: "vic", kind: "refused", action: "read log", reason: "no access", message: "you have no access to document d1" },
      ]),
    );
  });

  it("a failing audit store is logged and never throws", async () => {
    const lines: Record<string, unknown>[] = [];
    const down = { putAccessEvents: () => Promise.reject(new Error("table down")) } as unknown as AuditStore;
    const audit = httpAccessAudit({ auditStore: down, clock: new ManualClock(5) }, (l) => void lines.push(l));
    await expect(audit.onRefused(who, doc, "read state", "you have no access to document d1")).resolves.toBeUndefined();
    await expect(audit.onOverride(who, doc, "read log")).resolves.toBeUndefined();
    expect(lines).toEqual([
      { kind: "access_audit_failed", tenant: "t1", docId: "d1", event: "refused", userId: "vic", message: "table down" },
      { kind: "access_audit_failed", tenant: "t1", docId: "d1", event: "override", userId: "vic", message: "table down" },
    ]);
  });

  it("reads the reason of a 403 from its details", () => {
    expect(refusalOf([])).toEqual({ reason: "no access" });
    expect(refusalOf([{ id: "o3", issue: "needs the owner role; you have editor" }])).toEqual({ reason: "role too low, needs owner", opId: "o3" });
    expect(refusalOf([{ issue: "something else" }])).toEqual({ reason: "role too low" });
  });
});
