import { describe, expect, it } from "vitest";
import { call, token } from "./http.js";

/** `GET/PUT /v1/admin/access/policy` over real HTTP (docs/api.md): tenant admins only, per tenant, every bad field reported. */

let n = 0;
const tenantId = () => `pol-${process.pid}-${Date.now().toString(36)}-${n++}`;

describe("the tenant access policy", () => {
  it("GET gives the defaults; PUT takes either field or both and answers the whole policy; tenants are apart", async () => {
    const tid = tenantId();
    const admin = await token({ tid, sub: "root", role: "admin" });
    expect(await call("GET", "/v1/admin/access/policy", { token: admin })).toMatchObject({
      status: 200,
      body: { newDocumentEveryone: "none", editorsCanShare: false },
    });
    expect((await call("PUT", "/v1/admin/access/policy", { token: admin, body: { editorsCanShare: true } })).body).toEqual({
      newDocumentEveryone: "none",
      editorsCanShare: true,
    });
    expect((await call("PUT", "/v1/admin/access/policy", { token: admin, body: { newDocumentEveryone: "commenter" } })).body).toEqual({
      newDocumentEveryone: "commenter",
      editorsCanShare: true,
    });
    expect((await call("GET", "/v1/admin/access/policy", { token: admin })).body).toEqual({ newDocumentEveryone: "commenter", editorsCanShare: true });
    const otherAdmin = await token({ tid: tenantId(), sub: "root", role: "admin" });
    expect((await call("GET", "/v1/admin/access/policy", { token: otherAdmin })).body).toEqual({ newDocumentEveryone: "none", editorsCanShare: false });
  });

  it("bad bodies get 400 with one detail per problem and change nothing", async () => {
    const tid = tenantId();
    const admin = await token({ tid, sub: "root", role: "admin" });
    const cases: Array<[unknown, string[]]> = [
      [{ newDocumentEveryone: "writer", editorsCanShare: "yes", extra: 1 }, ["extra", "newDocumentEveryone", "editorsCanShare"]],
      [{}, [""]],
      [[1, 2], [""]],
      ["not json", [""]],
      [{ newDocumentEveryone: null }, ["newDocumentEveryone"]],
    ];
    for (const [body, paths] of cases) {
      const r = await call("PUT", "/v1/admin/access/policy", { token: admin, body });
      expect([JSON.stringify(body), r.status, r.body.error.code]).toEqual([JSON.stringify(body), 400, "invalid_request"]);
      expect(r.body.error.details.map((d: { path: string }) => d.path)).toEqual(paths);
    }
    expect((await call("GET", "/v1/admin/access/policy", { token: admin })).body).toEqual({ newDocumentEveryone: "none", editorsCanShare: false });
  });

  it("needs a tenant admin: a user or a service token gets 403, no token 401", async () => {
    const tid = tenantId();
    for (const t of [await token({ tid, sub: "ann" }), await token({ tid, sub: "svc", role: "service" })]) {
      expect((await call("GET", "/v1/admin/access/policy", { token: t })).status).toBe(403);
      expect((await call("PUT", "/v1/admin/access/policy", { token: t, body: { editorsCanShare: true } })).status).toBe(403);
    }
    expect((await call("GET", "/v1/admin/access/policy")).status).toBe(401);
  });
});
