import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { stackUrl } from "../e2e/http.js";

/** Debian's Chromium: the only browser these tests use (Playwright never downloads one here). */
export const CHROMIUM = "/usr/bin/chromium";

/**
 * Flags for this machine: headless without a sandbox or GPU, and none of Chromium's own
 * background traffic (component updates, sync, QUIC probes). Without the background-networking
 * flags the closed network here refuses Chromium's connections.
 */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Installs Debian's `chromium` package when /usr/bin/chromium is missing (needs root and apt),
 * or fails with what to run instead. Never downloads a browser any other way.
 */
export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`${CHROMIUM} is missing and these tests are not running as root: run \`sudo apt-get install -y chromium\` first`);
  }
  try {
    execFileSync("apt-get", ["install", "-y", "chromium"], { stdio: "inherit", timeout: 600_000, env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  } catch (err) {
    throw new Error(`\`apt-get install -y chromium\` failed (${(err as Error).message}); install Debian's chromium package and rerun`);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`\`apt-get install -y chromium\` did not provide ${CHROMIUM}`);
}

export async function launchChromium(): Promise<Browser> {
  ensureChromium();
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 30_000 });
}

/** A page in its own context (own storage, so its own SDK outbox) with the demo joined as `user` on `docId`. */
export async function openDemo(browser: Browser, user: string, docId: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on("pageerror", (err) => console.error(`[${user}] page error: ${err.message}`));
  await gotoDemo(page, user, docId);
  return { context, page };
}

/** Loads the demo as `user` on `docId` and waits until the document is open in the editor. */
export async function gotoDemo(page: Page, user: string, docId: string): Promise<void> {
  await page.goto(`${stackUrl()}/?${new URLSearchParams({ user, doc: docId })}`);
  await demoReady(page);
}

/** Waits until the loaded demo page has its document open (after a goto or a reload). */
export async function demoReady(page: Page): Promise<void> {
  await page.waitForFunction(() => document.body.dataset.state === "ready" || document.body.dataset.state === "failed", null, { timeout: 15_000 });
  const state = await page.evaluate(() => document.body.dataset.state);
  if (state !== "ready") throw new Error(`demo failed to open: ${await page.locator("#notice").textContent()}`);
}

/** The editor's text, the shown version and the unsent-edit count. */
export async function editorState(page: Page): Promise<{ text: string; version: number; pending: number; connection: string }> {
  return page.evaluate(() => ({
    text: (document.getElementById("editor") as HTMLTextAreaElement).value,
    version: Number(document.getElementById("version")!.textContent),
    pending: Number(document.getElementById("pending")!.textContent),
    connection: document.getElementById("connection")!.textContent ?? "",
  }));
}

/** Puts the caret at code point `pos` of the editor (the demo's text is ASCII in these tests). */
export async function placeCaret(page: Page, pos: number): Promise<void> {
  await page.locator("#editor").focus();
  await page.evaluate((p) => (document.getElementById("editor") as HTMLTextAreaElement).setSelectionRange(p, p), pos);
}
