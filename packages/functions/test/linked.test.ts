import { execFileSync } from "node:child_process";
import { createCipheriv, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { linked, linkedBucket, linkedSecret, linkedTable, linkEnvironment } from "../src/linked.js";

const ROOT = resolve(import.meta.dirname, "../../..");

describe("links from the environment (sst dev, sst shell, the local stack)", () => {
  it("reads tables and secrets from SST_RESOURCE_<Name>, per call", () => {
    const env = linkEnvironment({ app: { name: "weft", stage: "t" }, tables: { inbox: "weft-t-InboxTable-abc" }, secrets: { JwtIssuer: "https://issuer/", NotifySesFrom: "" } });
    expect(env).toMatchObject({ SST_RESOURCE_App: '{"name":"weft","stage":"t"}', SST_RESOURCE_InboxTable: '{"name":"weft-t-InboxTable-abc"}' });
    expect(linkedTable("inbox", env)).toBe("weft-t-InboxTable-abc");
    expect(linkedTable("log", env)).toBeUndefined();
    expect(linkedBucket("segments", env)).toBeUndefined();
    const withBucket = linkEnvironment({ buckets: { segments: "weft-t-segmentsbucket-abc" } });
    expect(withBucket).toEqual({ SST_RESOURCE_SegmentsBucket: '{"name":"weft-t-segmentsbucket-abc"}' });
    expect(linkedBucket("segments", withBucket)).toBe("weft-t-segmentsbucket-abc");
    expect(linkedSecret("JwtIssuer", env)).toBe("https://issuer/");
    // An empty placeholder means "not configured".
    expect(linkedSecret("NotifySesFrom", env)).toBeUndefined();
    expect(linkedSecret("JwtAudience", env)).toBeUndefined();
    // Plain variables of the same name are not links.
    expect(linkedSecret("JwtIssuer", { JwtIssuer: "x", WEFT_JWT_ISSUER: "x" })).toBeUndefined();
  });

  it("refuses a link that is not JSON, naming the variable", () => {
    expect(() => linked("InboxTable", { SST_RESOURCE_InboxTable: "weft-t-inbox" })).toThrow(/SST_RESOURCE_InboxTable is not JSON/);
  });
});

/**
 * On Lambda, SST encrypts a function's links into `resource.enc` in its bundle (AES-256-GCM,
 * a zero nonce, the tag appended) and sets SST_KEY (base64) and SST_KEY_FILE; SST's runtime
 * `Resource` decrypts them. Here a file written that way is read by a real Node process through
 * linked.ts, i.e. through SST's own `Resource`.
 */
describe("links from SST's encrypted bundle file (Lambda)", () => {
  it("reads linked tables and secrets through SST's Resource; unlinked ones are undefined", () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-links-"));
    try {
      const key = randomBytes(32);
      const links = { InboxTable: { name: "weft-prod-InboxTable-x1" }, JwtIssuer: { value: "https://issuer.example/" }, NotifySesFrom: { value: "" } };
      const cipher = createCipheriv("aes-256-gcm", key, Buffer.alloc(12, 0));
      const body = Buffer.concat([cipher.update(JSON.stringify(links)), cipher.final(), cipher.getAuthTag()]);
      writeFileSync(join(dir, "resource.enc"), body);
      const script = `
        const { linkedTable, linkedSecret } = await import(${JSON.stringify(join(ROOT, "packages/functions/src/linked.ts"))});
        console.log(JSON.stringify({
          inbox: linkedTable("inbox"), log: linkedTable("log") ?? null,
          issuer: linkedSecret("JwtIssuer"), ses: linkedSecret("NotifySesFrom") ?? null, audience: linkedSecret("JwtAudience") ?? null,
        }));`;
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, SST_KEY: key.toString("base64"), SST_KEY_FILE: "resource.enc", SST_RESOURCE_App: JSON.stringify({ name: "weft", stage: "prod" }) };
      const out = execFileSync(process.execPath, ["--import", pathToFileURL(join(ROOT, "node_modules/tsx/dist/esm/index.mjs")).href, "--input-type=module", "-e", script], { cwd: dir, env, encoding: "utf8" });
      expect(JSON.parse(out.trim().split("\n").at(-1)!)).toEqual({ inbox: "weft-prod-InboxTable-x1", log: null, issuer: "https://issuer.example/", ses: null, audience: null });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
