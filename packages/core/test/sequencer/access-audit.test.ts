import { describe, expect, it } from "vitest";
import type { AccessEvent } from "../../src/audit/access-events.js";
import type { DocRef } from "../../src/doc-ref.js";
import { MemoryAuditStore } from "../../src/ports/memory/audit-store.js";
import { accessRig, acl, comment, insert, uncomment } from "./access-harness.js";

/** When the rig's changes were accepted (conformance fixtures' changeOf): the rejected events' `at`. */
const ACCEPTED_AT = 1_760_000_000_000;

type Rig = ReturnType<typeof accessRig>;

/**
 * olga creates the document and makes vic viewer and cat commenter, and comments; then one run
 * has a viewer's two-op change, a commenter's uncomment of olga's comment (forbidden), a fine
 * comment, olga demoting herself (last_owner) and olga's out-of-range delete (not an access reason).
 */
async function scenario(r: Rig): Promise<void> {
  await r.run(await r.change("olga", [insert("x"), acl("vic", "viewer"), acl("cat", "commenter"), comment("t1")]));
  await r.run(
    await r.change("vic", [insert(), comment()]),
    await r.change("cat", [uncomment("olga-4")]),
    await r.change("cat", [comment("t2")]),
    await r.change("olga", [acl("olga", "editor")]),
    await r.change("olga", [{ type: "delete", pos: 99, len: 1 }]),
  );
}

function hook() {
  const calls: Array<{ doc: DocRef; events: AccessEvent[] }> = [];
  return { calls, accessAudit: async (doc: DocRef, events: AccessEvent[]) => void calls.push({ doc, events: structuredClone(events) }) };
}

describe("sequencer: access rejections reach the audit hook", () => {
  it("one event per change rejected forbidden or last_owner, naming its first op, none for other reasons", async () => {
    const h = hook();
    const r = accessRig({ states: false, accessAudit: h.accessAudit });
    await scenario(r);
    // The rejections themselves: vic's two ops, cat's uncomment, olga's acl, olga's delete.
    expect(r.notices.map((n) => [n.opId, n.reason])).toEqual([
      ["vic-1", "forbidden"],
      ["vic-2", "forbidden"],
      ["cat-1", "forbidden"],
      ["olga-5", "last_owner"],
      ["olga-6", "position_out_of_range"],
    ]);
    const message = (opId: string) => r.notices.find((n) => n.opId === opId)!.message;
    // Run 1 rejected nothing: no call. Run 2: one call with the three access rejections.
    expect(h.calls).toHaveLength(1);
    expect(h.calls[0].doc).toEqual(r.doc);
    expect(h.calls[0].events).toEqual([
      { id: "rejected.vic-c.vic-1", at: ACCEPTED_AT, userId: "vic", kind: "rejected", reason: "forbidden", opId: "vic-1", clientId: "vic-c", ops: 2, message: message("vic-1") },
      { id: "rejected.cat-c.cat-1", at: ACCEPTED_AT, userId: "cat", kind: "rejected", reason: "forbidden", opId: "cat-1", clientId: "cat-c", ops: 1, message: message("cat-1") },
      { id: "rejected.olga-c.olga-5", at: ACCEPTED_AT, userId: "olga", kind: "rejected", reason: "last_owner", opId: "olga-5", clientId: "olga-c", ops: 1, message: message("olga-5") },
    ]);
    expect(message("cat-1")).toContain("only the comment's author or a document owner may delete a comment");
    expect(message("olga-5")).toContain("would leave the document with no owner");
  });

  it("a run with only non-access rejections does not call the hook", async () => {
    const h = hook();
    const r = accessRig({ states: false, accessAudit: h.accessAudit });
    await r.run(await r.change("olga", [insert("x")]));
    await r.run(await r.change("olga", [{ type: "delete", pos: 5, len: 1 }]));
    expect(r.notices.map((n) => n.reason)).toEqual(["position_out_of_range"]);
    expect(h.calls).toEqual([]);
  });

  it("runs retried after crashes write the same events: the audit store ends with exactly one per rejected change", async () => {
    const clean = new MemoryAuditStore();
    const c = accessRig({ states: false, accessAudit: (doc, es) => clean.putAccessEvents(doc, es) });
    await scenario(c);
    const expected = (await clean.accessEvents(c.doc, { limit: 100 })).events;
    expect(expected.map((e) => e.id)).toEqual(["rejected.cat-c.cat-1", "rejected.olga-c.olga-5", "rejected.vic-c.vic-1"]);
    let retried = 0;
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const store = new MemoryAuditStore();
      const calls: string[][] = [];
      const r = accessRig({
        states: seed % 2 === 0,
        crashRate: 0.3,
        seed,
        accessAudit: async (doc, es) => {
          calls.push(es.map((e) => e.id));
          await store.putAccessEvents(doc, es);
        },
      });
      await scenario(r);
      expect((await store.accessEvents(r.doc, { limit: 100 })).events, `seed ${seed}`).toEqual(expected);
      // Every attempt (crashed or not) reported the same events.
      for (const ids of calls) expect(ids, `seed ${seed}`).toEqual(["rejected.vic-c.vic-1", "rejected.cat-c.cat-1", "rejected.olga-c.olga-5"]);
      retried += calls.length - 1;
    }
    expect(retried).toBeGreaterThan(0); // the crashes did make runs retry after reporting
  });

  it("a failing hook is logged and never fails the run", async () => {
    const r = accessRig({
      states: false,
      accessAudit: async () => {
        throw new Error("audit table down");
      },
    });
    await scenario(r);
    expect((await r.entries()).map((e) => e.id)).toEqual(["~owner", "olga-1", "olga-2", "olga-3", "olga-4", "cat-2"]);
    expect(r.notices).toHaveLength(5);
    expect(r.logs.filter((l) => l.kind === "access_audit_failed")).toEqual([
      { kind: "access_audit_failed", tenant: r.doc.tenant, docId: r.doc.docId, events: 3, message: "audit table down" },
    ]);
  });
});
