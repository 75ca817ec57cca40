#!/usr/bin/env node
/**
 * Type-checks sst.config.ts and infra/ against SST's real component types (`npm test` runs it).
 *
 * SST writes its platform source and the provider packages' types to `.sst/platform` when it runs
 * a project command (`sst install`); `.sst/platform/config.d.ts` declares the globals (`sst`,
 * `aws`, `$app`, ...) with the exact argument types of every component in the pinned SST version.
 * The only step of that which needs more than the npm registry is SST's download of Bun, which it
 * uses to install the providers. So, when missing:
 *   1. Bun: the `@oven/bun-<os>-<arch>` package from npm (it ships the same binary), unpacked to
 *      where SST looks for it: `$XDG_CONFIG_HOME/sst/bin/bun` (default `~/.config/sst/bin/bun`).
 *   2. `.sst/platform`: `sst install` with SST_SKIP_DEPENDENCY_CHECK=1 (do not download Pulumi
 *      or another Bun); it builds sst.config.ts first and installs the providers (~30 s).
 *   3. `tsc -p tsconfig.infra.json` (sst.config.ts + infra/ + the generated config.d.ts).
 * Each step that fails says what failed and what to try; nothing is deployed or contacted
 * besides the npm registry.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** The Bun release unpacked when SST's Bun is missing (tested with SST 4.17). */
const BUN_VERSION = "1.4.5";
/** `sst install` resolves the whole platform; on a cold cache it downloads ~300 MB of packages. */
const INSTALL_TIMEOUT_MS = 10 * 60_000;

function fail(step, message, output) {
  if (output) process.stderr.write(`${output.trim()}\n`);
  process.stderr.write(`\ncheck-infra: ${step} failed: ${message}\n`);
  process.exit(1);
}

function run(command, args, options = {}) {
  return spawnSync(command, args, { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...options });
}

function sstVersion() {
  const file = join(ROOT, "node_modules", "sst", "package.json");
  if (!existsSync(file)) fail("finding SST", "node_modules/sst is missing: run `npm install` first");
  return JSON.parse(readFileSync(file, "utf8")).version;
}

/** The npm package that ships Bun for this machine (SST's CLI runs on these). */
function bunPackage() {
  const os = { linux: "linux", darwin: "darwin" }[process.platform];
  const arch = { x64: "x64", arm64: "aarch64" }[process.arch];
  if (!os || !arch) fail("preparing Bun", `no Bun package for ${process.platform}/${process.arch}; install SST's dependencies with \`npx sst install\` while online`);
  return `@oven/bun-${os}-${arch}@${BUN_VERSION}`;
}

function ensureBun() {
  const configHome = process.env.XDG_CONFIG_HOME || join(homedir(), ".config");
  const bun = join(configHome, "sst", "bin", "bun");
  if (existsSync(bun)) return bun;
  const pkg = bunPackage();
  process.stdout.write(`check-infra: SST's Bun is missing; unpacking ${pkg} from npm to ${bun}\n`);
  const work = mkdtempSync(join(tmpdir(), "weft-bun-"));
  try {
    const pack = run("npm", ["pack", pkg, "--pack-destination", work, "--silent"]);
    if (pack.status !== 0) fail("preparing Bun", `\`npm pack ${pkg}\` failed (is the npm registry reachable?)`, pack.stderr);
    const tarball = join(work, pack.stdout.trim().split("\n").pop());
    const untar = run("tar", ["-xzf", tarball, "-C", work]);
    if (untar.status !== 0) fail("preparing Bun", `could not unpack ${tarball}`, untar.stderr);
    mkdirSync(dirname(bun), { recursive: true });
    copyFileSync(join(work, "package", "bin", "bun"), bun);
    chmodSync(bun, 0o755);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const version = run(bun, ["--version"]);
  if (version.status !== 0) fail("preparing Bun", `${bun} does not run`, version.stderr);
  return bun;
}

function ensurePlatform(version) {
  const platform = join(ROOT, ".sst", "platform");
  const installed = existsSync(join(platform, "version")) ? readFileSync(join(platform, "version"), "utf8").trim() : undefined;
  const ready = installed === version && existsSync(join(platform, "config.d.ts")) && existsSync(join(platform, "node_modules", "@pulumi", "aws"));
  if (ready) return;
  process.stdout.write(`check-infra: preparing .sst/platform for SST ${version} (sst install)\n`);
  const env = {
    ...process.env,
    SST_SKIP_DEPENDENCY_CHECK: "1",
    SST_STAGE: process.env.SST_STAGE || "typecheck",
    SST_TELEMETRY_DISABLED: "1",
    DO_NOT_TRACK: "1",
    NO_COLOR: "1",
  };
  const install = run(join(ROOT, "node_modules", ".bin", "sst"), ["install"], { env, timeout: INSTALL_TIMEOUT_MS });
  const output = `${install.stdout ?? ""}${install.stderr ?? ""}`;
  if (install.error) fail("sst install", install.error.message, output);
  if (install.status !== 0 || !existsSync(join(platform, "config.d.ts"))) {
    fail("sst install", "SST could not prepare .sst/platform (a build error in sst.config.ts or infra/ is printed above; otherwise check npm registry access)", output);
  }
}

const version = sstVersion();
ensureBun();
ensurePlatform(version);
const tsc = run(join(ROOT, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.infra.json"], { stdio: "inherit" });
if (tsc.status !== 0) fail("type check", "sst.config.ts or infra/ does not match SST's component types (errors above)");
process.stdout.write(`check-infra: sst.config.ts and infra/ type-check against SST ${version}'s components\n`);
