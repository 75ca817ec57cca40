import { describe, expect, test } from "vitest";
import { type DigestResolver, subjectKey } from "../../../src/notify/engine/index.js";

/** A resolver under test plus the means to set up the world it reads (adapter-specific). */
export interface DigestResolverHarness {
  resolver: DigestResolver;
  setActorName(tenant: string, actorId: string, name: string): Promise<void>;
  setDocTitle(tenant: string, docId: string, title: string): Promise<void>;
  /** Makes the subject exist (a no-op where existence is implied). */
  createSubject(tenant: string, docId: string, kind: string, id: string): Promise<void>;
  deleteSubject(tenant: string, docId: string, kind: string, id: string): Promise<void>;
  revokeAccess(tenant: string, userId: string, docId: string): Promise<void>;
}

/** The DigestResolver contract (digest-resolver.ts), for any adapter. */
export function runDigestResolverConformance(label: string, factory: () => Promise<DigestResolverHarness>): void {
  describe(`DigestResolver conformance: ${label}`, () => {
    test("names, titles, deletions and access, each for what was asked only", async () => {
      const h = await factory();
      await h.setActorName("t1", "dan", "Dan");
      await h.setDocTitle("t1", "roadmap", "Roadmap");
      await h.createSubject("t1", "roadmap", "comment", "c1");
      await h.createSubject("t1", "roadmap", "comment", "c2");
      await h.deleteSubject("t1", "roadmap", "comment", "c2");
      await h.revokeAccess("t1", "u1", "secret");
      const f = await h.resolver.resolve({
        tenant: "t1",
        userId: "u1",
        subjects: [
          { kind: "comment", id: "c1", docId: "roadmap" },
          { kind: "comment", id: "c2", docId: "roadmap" },
        ],
        docIds: ["roadmap", "secret"],
        actorIds: ["dan", "nobody"],
      });
      expect([...f.gone]).toEqual([subjectKey("comment", "c2")]);
      expect([...f.noAccess]).toEqual(["secret"]);
      expect(f.actorNames.get("dan")).toBe("Dan");
      expect(f.actorNames.has("nobody")).toBe(false);
      expect(f.docTitles.get("roadmap")).toBe("Roadmap");
    });

    test("a subject it cannot find is not gone (fail open); access is per user; tenants are isolated", async () => {
      const h = await factory();
      await h.createSubject("t1", "roadmap", "comment", "c1");
      await h.deleteSubject("t1", "roadmap", "comment", "c1");
      await h.revokeAccess("t1", "u1", "roadmap");
      const other = await h.resolver.resolve({ tenant: "t2", userId: "u1", subjects: [{ kind: "comment", id: "c1", docId: "roadmap" }], docIds: ["roadmap"], actorIds: [] });
      expect([...other.gone, ...other.noAccess]).toEqual([]);
      const unknown = await h.resolver.resolve({ tenant: "t1", userId: "u2", subjects: [{ kind: "comment", id: "never-seen", docId: "roadmap" }], docIds: ["roadmap"], actorIds: [] });
      expect([...unknown.gone, ...unknown.noAccess]).toEqual([]);
    });
  });
}
