import { MemoryDigestResolver } from "../../../src/notify/engine/index.js";
import { runDigestResolverConformance } from "./digest-resolver-conformance.js";

runDigestResolverConformance("memory", async () => {
  const resolver = new MemoryDigestResolver();
  return {
    resolver,
    setActorName: async (t, a, n) => void resolver.setActorName(t, a, n),
    setDocTitle: async (t, d, title) => void resolver.setDocTitle(t, d, title),
    createSubject: async () => {},
    deleteSubject: async (t, _d, k, id) => void resolver.deleteSubject(t, k, id),
    revokeAccess: async (t, u, d) => void resolver.revokeAccess(t, u, d),
  };
});
