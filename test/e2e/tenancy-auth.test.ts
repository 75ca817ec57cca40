import { SignJWT, UnsecuredJWT } from "jose";
import { describe, expect, test } from "vitest";
import { call, freshDoc, LOCAL_SECRET, token } from "./http.js";
import { insert, post, waitForLog } from "./docs.js";

async function expect401(tok: string | undefined, label: string) {
  const r = await call("GET", `/v1/docs/x/ops`, tok === undefined ? {} : { headers: { authorization: tok } });
  expect(r.status, label).toBe(401);
  expect(r.body.error.code, label).toBe("unauthorized");
  expect(typeof r.body.error.message).toBe("string");
}

describe("auth", () => {
  test("every bad token case is 401", async () => {
    const key = new TextEncoder().encode(LOCAL_SECRET);
    await expect401(undefined, "missing header");
    await expect401("Basic abc", "not bearer");
    await expect401("Bearer not.a.jwt", "garbage");
    await expect401(`Bearer ${new UnsecuredJWT({ sub: "a", tid: "acme" }).encode()}`, "alg none");
    await expect401(`Bearer ${await token({ secret: "some-other-secret" })}`, "wrong key");
    const expired = await new SignJWT({ sub: "a", tid: "acme" })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(key);
    await expect401(`Bearer ${expired}`, "expired");
    await expect401(`Bearer ${await token({ sub: null })}`, "missing sub");
    await expect401(`Bearer ${await token({ tid: null })}`, "missing tid");
    await expect401(`Bearer ${await token({ tid: "bad#tenant" })}`, "bad tid");
    const hs512 = await new SignJWT({ sub: "a", tid: "acme" }).setProtectedHeader({ alg: "HS512" }).sign(key);
    await expect401(`Bearer ${hs512}`, "other algorithm");
  });

  test("admin calls need the admin role", async () => {
    const user = await token();
    for (const path of ["/v1/admin/quarantine", "/v1/admin/metrics"]) {
      const r = await call("GET", path, { token: user });
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe("forbidden");
    }
  });
});

describe("tenant isolation", () => {
  test("the same docId in two tenants is two documents", async () => {
    const a = await token({ tid: "tenant-a" });
    const b = await token({ tid: "tenant-b" });
    const doc = freshDoc("shared");
    await post(a, doc, { clientId: "c", base: 0, ops: [insert("ta1", 1, 0, "from A")] });
    await post(b, doc, { clientId: "c", base: 0, ops: [insert("tb1", 1, 0, "from B")] });
    // Each creator's owner entry (seq 1), then their op.
    const logA = await waitForLog(a, doc, 2);
    const logB = await waitForLog(b, doc, 2);
    expect(logA.map((e) => [e.id, e.userId])).toEqual([["~owner", "alice"], ["ta1", "alice"]]);
    expect(logB.map((e) => [e.id, e.userId])).toEqual([["~owner", "alice"], ["tb1", "alice"]]);
    expect((await call("GET", `/v1/docs/${doc}/ops/ta1`, { token: b })).status).toBe(404);
    // Admin views are per tenant too.
    const adminB = await token({ tid: "tenant-b", role: "admin" });
    await call("POST", `/v1/docs/${doc}/ops`, { token: a, body: "{from tenant a" });
    await call("POST", `/v1/docs/${doc}/ops`, { token: b, body: "{from tenant b" });
    const q = await call("GET", "/v1/admin/quarantine?limit=500", { token: adminB });
    expect(q.status).toBe(200);
    const payloads = q.body.records.map((r: any) => r.payload);
    expect(payloads).toContain("{from tenant b");
    expect(payloads).not.toContain("{from tenant a");
    expect(q.body.records.every((r: any) => r.tenant === "tenant-b")).toBe(true);
  });
});
