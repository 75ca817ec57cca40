import { SignJWT } from "jose";
import { describe, expect, test } from "vitest";
import { shareDoc } from "./access.js";
import { post, waitForLog } from "./docs.js";
import { LOCAL_SECRET, call, freshDoc, token, waitFor } from "./http.js";

/**
 * GET /v1/search returns only documents the caller may read now, over real HTTP against the
 * local stack: ops -> sequencer -> materializer -> search consumer -> index; the query filters
 * the text matches by each document's current ACL (cached at most 2 s) before ranking and limits.
 * A tenant of this file's own keeps other tests' documents and policies away.
 */
const tenant = `sa-${process.pid}-${Date.now().toString(36)}`;
const other = `${tenant}-other`;
const PIPELINE_MS = 20_000;
const ACL_TTL_MS = 2_000;

/** A token with a `groups` claim (the shared helper has no such option). */
async function groupToken(sub: string, groups: string[]): Promise<string> {
  return new SignJWT({ sub, tid: tenant, groups })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(LOCAL_SECRET));
}

async function search(tok: string, q: string, limit?: number): Promise<string[]> {
  const r = await call("GET", `/v1/search?q=${encodeURIComponent(q)}${limit ? `&limit=${limit}` : ""}`, { token: tok });
  expect(r.status, r.text).toBe(200);
  return r.body.results.map((x: { docId: string }) => x.docId);
}

const sorted = (ids: string[]) => [...ids].sort();

describe("search returns only what the caller may read", () => {
  test("owner, viewer, group member and admin find a document; others do not; a revocation hides it within 2 s", async () => {
    const alice = await token({ sub: "alice", tid: tenant });
    const bob = await token({ sub: "bob", tid: tenant });
    const carol = await token({ sub: "carol", tid: tenant });
    const auditor = await groupToken("dave", ["auditors", "x"]);
    const salesman = await groupToken("erin", ["sales"]);
    const admin = await token({ sub: "root", tid: tenant, role: "admin" });
    const outsider = await token({ sub: "alice", tid: other });
    const outsiderAdmin = await token({ sub: "root", tid: other, role: "admin" });
    const shared = freshDoc("sa-shared");
    const secret = freshDoc("sa-secret");

    // Alice creates both (owner; the tenant's default policy gives everyone else nothing) and
    // shares one with bob and the auditors group. The secret one matches better.
    expect((await post(alice, shared, { clientId: "a1", base: 0, ops: [{ id: "s1", seq: 1, type: "insert", pos: 0, text: "Quokka ledger notes" }] })).status).toBe(202);
    expect((await post(alice, secret, { clientId: "a2", base: 0, ops: [{ id: "p1", seq: 1, type: "insert", pos: 0, text: "quokka quokka quokka quokka ledger" }] })).status).toBe(202);
    await shareDoc(alice, shared, { userId: "bob" }, "viewer");
    await shareDoc(alice, shared, { groupId: "auditors" }, "viewer");
    await waitForLog(alice, shared, 4);
    await waitForLog(alice, secret, 2);

    // The owner finds both once they are indexed (the secret one first: more matches).
    const both = await waitFor("alice finds both", async () => {
      const ids = await search(alice, "quokka");
      return ids.length === 2 ? ids : undefined;
    }, PIPELINE_MS);
    expect(both).toEqual([secret, shared]);

    // A viewer and a group member find only the shared one, even with limit 1 (the hidden,
    // better match takes no place); a user with no role, or only other groups, finds nothing.
    // (Search trusts the ACL cache both ways, so a grant shows within its 2 s too.)
    expect(await waitFor("bob finds the shared one", async () => {
      const ids = await search(bob, "quokka");
      return ids.length > 0 ? ids : undefined;
    }, ACL_TTL_MS + 1_000)).toEqual([shared]);
    expect(await search(bob, "quokka", 1)).toEqual([shared]);
    expect(await search(bob, "ledg")).toEqual([shared]);
    expect(await waitFor("the auditors find it", async () => {
      const ids = await search(auditor, "quokka ledger");
      return ids.length > 0 ? ids : undefined;
    }, ACL_TTL_MS + 1_000)).toEqual([shared]);
    expect(await search(carol, "quokka")).toEqual([]);
    expect(await search(salesman, "quok")).toEqual([]);
    // A tenant admin reads everything; another tenant (same user id, or its admin) sees nothing.
    expect(sorted(await search(admin, "quokka"))).toEqual(sorted([shared, secret]));
    expect(await search(outsider, "quokka")).toEqual([]);
    expect(await search(outsiderAdmin, "quokka")).toEqual([]);

    // Revocation: bob keeps searching (so his cached ACL is fresh when the revoking entry
    // commits) while the owner removes his role.
    const probes: Array<{ at: number; ids: string[] }> = [];
    let probing = true;
    const prober = (async () => {
      while (probing) {
        const at = Date.now();
        probes.push({ at, ids: await search(bob, "quokka") });
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    const sent = Date.now();
    await shareDoc(alice, shared, { userId: "bob" }, "none");
    const committed = Date.now(); // the revoking entry is committed (its receipt says so)
    while (Date.now() - committed < ACL_TTL_MS + 1_000) await new Promise((r) => setTimeout(r, 50));
    probing = false;
    await prober;
    const before = probes.filter((p) => p.at < sent);
    expect(before.length).toBeGreaterThan(0);
    for (const p of before) expect(p.ids).toEqual([shared]);
    // Every search started 2 s or more after the commit misses it.
    const late = probes.filter((p) => p.at - committed >= ACL_TTL_MS);
    expect(late.length).toBeGreaterThan(0);
    for (const p of late) expect(p.ids, `search ${p.at - committed} ms after the revocation`).toEqual([]);
    const lastSeen = Math.max(...probes.filter((p) => p.ids.includes(shared)).map((p) => p.at - committed));
    console.log(`search: revoked reader's last hit started ${lastSeen} ms after the commit was observed (revocation committed ${committed - sent} ms after it was sent)`);

    // The owner, the group and the admin still find it.
    expect(await search(alice, "quokka")).toEqual([secret, shared]);
    expect(await search(auditor, "quokka")).toEqual([shared]);
    expect(sorted(await search(admin, "quokka"))).toEqual(sorted([shared, secret]));
  });
});
