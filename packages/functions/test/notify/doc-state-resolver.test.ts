import { describe, expect, it } from "vitest";
import { DocStates, ManualClock, MemoryDocStateStore, MemoryLogStore, type LogEntry } from "@weft/core";
import { subjectKey } from "@weft/core/notify/engine/digest-resolver";
import { batchOf } from "@weft/core/testing";
import { DocStateDigestResolver } from "../../src/notify/doc-state-resolver.js";

/** The doc-state resolver over real DocStates (memory stores): what a digest flush asks about comments. */
function rig() {
  const log = new MemoryLogStore();
  const docStates = new DocStates({ log, store: new MemoryDocStateStore(), clock: new ManualClock(1_760_000_000_000) });
  let seq = 0;
  const commit = async (docId: string, bodies: Array<Record<string, unknown> & { by: string }>) => {
    const doc = { tenant: "acme", docId };
    const from = (await log.head(doc)).seq;
    seq = from;
    const entries = bodies.map(({ by, ...b }) => ({ seq: ++seq, id: `${docId}-${seq}`, clientId: `${by}-c`, clientSeq: seq, userId: by, serverTs: 1_760_000_000_000 + seq, ...b }) as LogEntry);
    const batch = batchOf(doc, entries);
    await log.append(batch);
    await docStates.apply(doc, [batch]);
  };
  return { commit, resolver: new DocStateDigestResolver(docStates) };
}

const comment = (by: string) => ({ by, type: "comment", threadId: "t1", body: `from ${by}` });
const subjects = (docId: string, ids: number[]) => ids.map((n) => ({ kind: "comment", id: `${docId}-${n}`, docId }));

describe("DocStateDigestResolver", () => {
  it("a comment deleted by an uncomment is gone; the others, and comments of other documents, are not", async () => {
    const r = rig();
    await r.commit("roadmap", [{ by: "rex", type: "insert", pos: 0, text: "Roadmap\n" }, comment("alice"), comment("bob"), comment("carol"), comment("dan")]);
    await r.commit("notes", [comment("carol")]);
    await r.commit("roadmap", [{ by: "carol", type: "uncomment", threadId: "t1", commentId: "roadmap-4" }]);
    const f = await r.resolver.resolve({
      tenant: "acme",
      userId: "rex",
      subjects: [...subjects("roadmap", [2, 3, 4, 5]), ...subjects("notes", [1])],
      docIds: ["roadmap", "notes"],
      actorIds: ["dan"],
    });
    expect([...f.gone]).toEqual([subjectKey("comment", "roadmap-4")]);
    expect([...f.noAccess]).toEqual([]);
    expect(f.docTitles.get("roadmap")).toBe("Roadmap");
    expect(f.actorNames.get("dan")).toBe("dan");
  });

  it("a thread's last comment deleted (the thread is gone) and every committed deletion count (who may delete is the sequencer's decision)", async () => {
    const r = rig();
    await r.commit("plan", [{ by: "olga", type: "acl", targetUserId: "olga", role: "owner" }, comment("alice"), { by: "bob", type: "comment", threadId: "t2", body: "x" }, comment("erin")]);
    await r.commit("plan", [
      { by: "bob", type: "uncomment", threadId: "t2", commentId: "plan-3" },
      { by: "olga", type: "uncomment", threadId: "t1", commentId: "plan-2" },
      { by: "olga", type: "uncomment", threadId: "t1", commentId: "plan-4" },
    ]);
    const f = await r.resolver.resolve({ tenant: "acme", userId: "olga", subjects: subjects("plan", [2, 3, 4]), docIds: ["plan"], actorIds: [] });
    expect([...f.gone].sort()).toEqual([subjectKey("comment", "plan-2"), subjectKey("comment", "plan-3"), subjectKey("comment", "plan-4")]);
  });

  it("names actors by the display names it is given at each call (a rename shows in the next summary), else by id", async () => {
    const log = new MemoryLogStore();
    const docStates = new DocStates({ log, store: new MemoryDocStateStore(), clock: new ManualClock(1) });
    const directory = new Map([["dan", "Dan Abramov"]]);
    const asked: string[][] = [];
    const resolver = new DocStateDigestResolver(docStates, async (tenant, ids) => {
      expect(tenant).toBe("acme");
      asked.push(ids);
      return new Map(ids.flatMap((id) => (directory.has(id) ? [[id, directory.get(id)!] as const] : [])));
    });
    const q = { tenant: "acme", userId: "rex", subjects: [], docIds: [], actorIds: ["dan", "erin"] };
    expect([...(await resolver.resolve(q)).actorNames]).toEqual([["dan", "Dan Abramov"], ["erin", "erin"]]);
    directory.set("dan", "Dan A.");
    expect((await resolver.resolve(q)).actorNames.get("dan")).toBe("Dan A.");
    expect(asked).toEqual([["dan", "erin"], ["dan", "erin"]]);
  });
});
