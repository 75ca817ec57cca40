import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { END, renderReference, START } from "../../scripts/deploy-doc.js";

const ROOT = resolve(import.meta.dirname, "../..");

describe("docs/deploy.md", () => {
  it("its reference section is the one generated from the manifest (run `npm run docs:deploy`)", () => {
    const doc = readFileSync(join(ROOT, "docs/deploy.md"), "utf8");
    const section = doc.slice(doc.indexOf(START), doc.indexOf(END) + END.length);
    expect(section).toBe(renderReference());
  });
});

describe("the deploy program", () => {
  it("imports nothing but infra/: no handler code or runtime library is bundled into it", () => {
    const files = ["sst.config.ts", ...readdirSync(join(ROOT, "infra")).filter((f) => f.endsWith(".ts")).map((f) => `infra/${f}`)];
    for (const file of files) {
      const source = readFileSync(join(ROOT, file), "utf8");
      for (const [, spec] of source.matchAll(/(?:from|import\()\s*["']([^"']+)["']/g)) {
        const target = spec.startsWith(".") ? resolve(join(ROOT, file, ".."), spec) : spec;
        expect(target.startsWith(join(ROOT, "infra")), `${file} imports ${spec}`).toBe(true);
      }
    }
  });
});

describe("scripts/check-infra.mjs", () => {
  it("fails clearly when it cannot prepare SST's Bun (no npm registry)", () => {
    const home = mkdtempSync(join(tmpdir(), "weft-xdg-"));
    try {
      const out = spawnSync(process.execPath, [join(ROOT, "scripts/check-infra.mjs")], {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 60_000,
        env: { ...process.env, XDG_CONFIG_HOME: home, npm_config_registry: "http://127.0.0.1:9/", npm_config_fetch_retries: "0", npm_config_offline: "false" },
      });
      expect(out.status).toBe(1);
      expect(out.stderr).toMatch(/check-infra: preparing Bun failed: `npm pack @oven\/bun-[a-z]+-[a-z0-9]+@[\d.]+` failed \(is the npm registry reachable\?\)/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
