import { describe, expect, it } from "vitest";
import { DocStates, ManualClock, MemoryDocStateStore, MemoryLogStore, type LogEntry } from "@weft/core";
import { batchOf } from "@weft/core/testing";
import { DocStateDigestResolver } from "../../src/notify/doc-state-resolver.js";

/** What a digest flush learns about access (noAccess): member roles from the current ACL, group entries judged with the query's groups. */
describe("DocStateDigestResolver: access", () => {
  it("user, everyone and group entries; unknown groups grant nothing; a revocation shows at once", async () => {
    const log = new MemoryLogStore();
    const docStates = new DocStates({ log, store: new MemoryDocStateStore(), clock: new ManualClock(1_760_000_000_000) });
    let seq = 0;
    const commit = async (docId: string, bodies: Array<Record<string, unknown>>) => {
      const doc = { tenant: "acme", docId };
      seq = (await log.head(doc)).seq;
      const entries = bodies.map((b) => ({ seq: ++seq, id: `${docId}-${seq}`, clientId: "olga-c", clientSeq: seq, userId: "olga", serverTs: 1_760_000_000_000 + seq, ...b }) as LogEntry);
      const batch = batchOf(doc, entries);
      await log.append(batch);
      await docStates.apply(doc, [batch]);
    };
    const acl = (target: Record<string, unknown>, role: string) => ({ type: "acl", role, ...target });
    await commit("team", [acl({ targetUserId: "olga" }, "owner"), acl({ targetUserId: "ann" }, "viewer"), acl({ targetGroupId: "eng" }, "commenter")]);
    await commit("open", [acl({ targetUserId: "olga" }, "owner"), acl({ everyone: true }, "viewer")]);
    const resolver = new DocStateDigestResolver(docStates);
    const noAccess = async (userId: string, groups?: string[]) =>
      [...(await resolver.resolve({ tenant: "acme", userId, ...(groups ? { groups } : {}), subjects: [], docIds: ["team", "open", "missing"], actorIds: [] })).noAccess].sort();

    expect(await noAccess("ann")).toEqual(["missing"]);
    expect(await noAccess("bob", ["eng"])).toEqual(["missing"]);
    expect(await noAccess("bob", ["design"])).toEqual(["missing", "team"]);
    expect(await noAccess("bob")).toEqual(["missing", "team"]);
    await commit("team", [acl({ targetUserId: "ann" }, "none"), acl({ everyone: true }, "none")]);
    await commit("open", [acl({ everyone: true }, "none")]);
    expect(await noAccess("ann")).toEqual(["missing", "open", "team"]);
    expect(await noAccess("olga")).toEqual(["missing"]);
  });
});
