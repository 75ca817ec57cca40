import { createHmac } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { TENANT_ID_PATTERN } from "@weft/core";
import type { RequestHook } from "./http-gateway.js";
import type { Logger } from "./log.js";

/** packages/web/demo: index.html, demo.css and demo.ts (bundled for the browser here). */
export const DEMO_DIR = fileURLToPath(new URL("../../web/demo/", import.meta.url));

/** How long a /dev/token token lives; the SDK asks for a new one after a 401. */
export const DEV_TOKEN_TTL_SECONDS = 12 * 60 * 60;

/** The same rule the HTTP API applies to a token's `sub` (no whitespace, `#` or control characters). */
const USER_ID = /^[^\s#\u0000-\u001f]{1,128}$/;
const NAME = /^[^\u0000-\u001f]{1,64}$/;

export interface DemoServerOptions {
  /** The HS256 secret the stack's functions verify tokens with; read on every /dev/token request. */
  secret(): string;
  log: Logger;
}

/**
 * The demo editor and its local-only helpers, as a gateway hook (tried before the manifest
 * routes, which never use these paths):
 *   GET /            packages/web/demo/index.html
 *   GET /demo.css    packages/web/demo/demo.css
 *   GET /demo.js     packages/web/demo/demo.ts bundled for browsers with esbuild (with the SDK
 *                    from packages/web/src and what it imports from core). Built on the first
 *                    request and cached for the life of the stack; a failed build is not cached
 *                    (answered 500 with esbuild's message) so a fixed source is picked up.
 *   GET /dev/token?user=<id>&tenant=<id>[&name=<display name>]
 *                    `{token, userId, tenant, expiresAt}`: an HS256 JWT (sub, tid, name, iat, exp)
 *                    signed with the stack's secret, so the page can act as any user. This is
 *                    why it exists only here: it is never a manifest route and never runs on
 *                    AWS, where tokens come from the identity provider. Bad parameters: 400
 *                    `invalid_request` with one detail per parameter.
 * The page learns the API and WebSocket URLs from its own location (same origin), so nothing
 * is templated into the HTML.
 */
export function demoServer(o: DemoServerOptions): RequestHook {
  let bundle: Promise<string> | undefined;
  const demoJs = () => {
    bundle ??= bundleDemo().catch((err: Error) => {
      bundle = undefined;
      throw err;
    });
    return bundle;
  };

  return async (req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const url = new URL(req.url ?? "/", "http://localhost");
    switch (url.pathname) {
      case "/":
      case "/index.html":
        send(res, 200, "text/html; charset=utf-8", await readFile(DEMO_DIR + "index.html"), req.method);
        return true;
      case "/demo.css":
        send(res, 200, "text/css; charset=utf-8", await readFile(DEMO_DIR + "demo.css"), req.method);
        return true;
      case "/demo.js":
        try {
          send(res, 200, "text/javascript; charset=utf-8", await demoJs(), req.method);
        } catch (err) {
          o.log.error("demo bundle failed", { error: err });
          sendJson(res, 500, { error: { code: "internal", message: `demo bundle failed: ${(err as Error).message}` } });
        }
        return true;
      case "/dev/token":
        devToken(url.searchParams, o.secret(), res);
        return true;
      default:
        return false;
    }
  };
}

/** demo.ts as one ES module for current browsers, with an inline source map for debugging. */
export async function bundleDemo(): Promise<string> {
  const out = await build({
    entryPoints: [DEMO_DIR + "demo.ts"],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    sourcemap: "inline",
    write: false,
    logLevel: "silent",
  });
  return out.outputFiles[0].text;
}

function devToken(params: URLSearchParams, secret: string, res: ServerResponse): void {
  const user = params.get("user") ?? "";
  const tenant = params.get("tenant") ?? "demo";
  const name = params.get("name");
  const details: Array<{ path: string; issue: string }> = [];
  if (!USER_ID.test(user)) details.push({ path: "user", issue: "required: 1-128 characters, no whitespace, '#' or control characters" });
  if (!TENANT_ID_PATTERN.test(tenant)) details.push({ path: "tenant", issue: "1-64 characters of A-Z a-z 0-9 _ . -" });
  if (name !== null && !NAME.test(name)) details.push({ path: "name", issue: "1-64 characters, no control characters" });
  if (details.length > 0) {
    sendJson(res, 400, { error: { code: "invalid_request", message: "bad /dev/token parameters", details } });
    return;
  }
  const now = Math.floor(Date.now() / 1000);
  const expiresAt = now + DEV_TOKEN_TTL_SECONDS;
  const token = signHs256({ sub: user, tid: tenant, name: name ?? user, iat: now, exp: expiresAt }, secret);
  sendJson(res, 200, { token, userId: user, tenant, expiresAt: new Date(expiresAt * 1000).toISOString() });
}

/** A compact JWS (RFC 7515) with alg HS256 over the JSON claims. */
export function signHs256(claims: Record<string, unknown>, secret: string): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const signingInput = `${part({ alg: "HS256", typ: "JWT" })}.${part(claims)}`;
  return `${signingInput}.${createHmac("sha256", secret).update(signingInput).digest("base64url")}`;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, method = "GET"): void {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  res.writeHead(status, { "content-type": type, "content-length": bytes.length, "cache-control": "no-cache" });
  res.end(method === "HEAD" ? undefined : bytes);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, "application/json", JSON.stringify(body));
}
