import { jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { routes } from "../../infra/manifest.js";
import { call, freshDoc, LOCAL_SECRET, stackUrl } from "../e2e/http.js";

/** What the local stack serves for the demo, over real HTTP (the page itself: demo-*.test.ts). */
describe("demo serving", () => {
  it("serves the page, its stylesheet and its bundled script", async () => {
    const page = await fetch(`${stackUrl()}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<textarea id="editor"');
    expect(html).toContain('src="/demo.js"');

    const css = await fetch(`${stackUrl()}/demo.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toMatch(/^text\/css/);
    expect(await css.text()).toContain(".peer-caret");

    const js = await fetch(`${stackUrl()}/demo.js`);
    const source = await js.text();
    expect(js.status, source.slice(0, 500)).toBe(200);
    expect(js.headers.get("content-type")).toMatch(/^text\/javascript/);
    // The SDK is bundled in (no bare imports left for the browser to fail on).
    expect(source).not.toMatch(/^import .* from "@weft\//m);
    expect(source).toContain("/dev/token");
  });

  it("mints a token for any user of any tenant, signed with the stack's secret and accepted by the API", async () => {
    const r = await call("GET", "/dev/token?user=Ann&tenant=demo-t&name=Ann%20Lee");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ userId: "Ann", tenant: "demo-t" });
    const { payload, protectedHeader } = await jwtVerify(r.body.token, new TextEncoder().encode(LOCAL_SECRET), { algorithms: ["HS256"] });
    expect(protectedHeader.alg).toBe("HS256");
    expect(payload).toMatchObject({ sub: "Ann", tid: "demo-t", name: "Ann Lee" });
    expect(payload.exp! * 1000).toBe(Date.parse(r.body.expiresAt));
    expect(payload.exp! - payload.iat!).toBe(12 * 3600);

    const docId = freshDoc("devtoken");
    const post = await call("POST", `/v1/docs/${docId}/ops`, {
      token: r.body.token,
      body: { clientId: "dev-token-client", base: 0, ops: [{ id: "dev-token-op", seq: 1, type: "insert", pos: 0, text: "hi" }] },
    });
    expect(post.status).toBe(202);
  });

  it("defaults the tenant to demo", async () => {
    const r = await call("GET", "/dev/token?user=ben");
    expect(r.status).toBe(200);
    expect(r.body.tenant).toBe("demo");
  });

  it("refuses bad parameters with invalid_request and one detail each", async () => {
    const missing = await call("GET", "/dev/token");
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe("invalid_request");
    expect(missing.body.error.details.map((d: { path: string }) => d.path)).toEqual(["user"]);

    const bad = await call("GET", `/dev/token?user=${encodeURIComponent("Ann Lee")}&tenant=${encodeURIComponent("a#b")}&name=${"n".repeat(65)}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toEqual(["user", "tenant", "name"]);
  });

  it("is local only: no manifest route serves /dev/*, and it answers GET only", async () => {
    expect(routes.filter((r) => r.path.startsWith("/dev"))).toEqual([]);
    const post = await call("POST", "/dev/token?user=ann");
    expect(post.status).toBe(404);
  });
});
