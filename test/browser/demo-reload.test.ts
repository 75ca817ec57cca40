import type { Browser, Page, Route } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLog, textOf } from "../e2e/docs.js";
import { freshDoc, token, waitFor } from "../e2e/http.js";
import { shareDoc } from "../e2e/access.js";
import { demoReady, editorState, gotoDemo, launchChromium } from "./chromium.js";

/**
 * Unsent edits survive a page reload and reach the server exactly once. The page's network
 * to the API is cut with Playwright routes (the page itself and the WebSocket upgrade still
 * load), in two ways: POSTs that never reach the server, and POSTs that are committed but
 * whose answers are lost (with the WebSocket broadcast of those ops and their receipts also
 * withheld), which is the case where a careless client would apply or send an edit twice.
 */
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

type Mode = "pass" | "drop" | "lose-answers";

/** Op ids of every POST the page attempted, by what happened to it. */
interface Network {
  mode: Mode;
  dropped: string[];
  lost: string[];
  /** Withhold `ops` messages on the WebSocket (other messages pass). */
  holdBroadcasts: boolean;
}

async function cutNetwork(page: Page): Promise<Network> {
  const net: Network = { mode: "pass", dropped: [], lost: [], holdBroadcasts: false };
  const opIds = (route: Route) => ((route.request().postDataJSON() as { ops: Array<{ id: string }> }).ops ?? []).map((o) => o.id);
  await page.route(/\/v1\/docs\/[^/?]+\/ops(\/[^/?]+)?(\?.*)?$/, async (route) => {
    const request = route.request();
    const isPost = request.method() === "POST";
    if (net.mode === "drop" && isPost) {
      net.dropped.push(...opIds(route));
      return route.abort("internetdisconnected");
    }
    if (net.mode === "lose-answers" && isPost) {
      await route.fetch(); // reaches the server ...
      net.lost.push(...opIds(route));
      return route.abort("connectionreset"); // ... but the page never hears back
    }
    const isReceipt = /\/ops\/[^/?]+$/.test(new URL(request.url()).pathname);
    if (net.mode === "lose-answers" && isReceipt) return route.abort("connectionreset");
    return route.continue();
  });
  await page.routeWebSocket(/\/ws(\?|$)/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => server.send(m));
    server.onMessage((m) => {
      if (net.holdBroadcasts && typeof m === "string" && JSON.parse(m).type === "ops") return;
      ws.send(m);
    });
  });
  return net;
}

async function typeAtEnd(page: Page, text: string): Promise<void> {
  await page.locator("#editor").focus();
  await page.keyboard.press("Control+End");
  await page.keyboard.type(text, { delay: 10 });
}

const synced = (page: Page, text: string) =>
  waitFor(`page to show ${JSON.stringify(text)} with nothing pending`, async () => {
    const s = await editorState(page);
    return s.text === text && s.pending === 0 ? s : undefined;
  }, 20_000);

describe("demo editor: unsent edits across a reload", () => {
  it("delivers edits typed while the API was unreachable exactly once after a reload", async () => {
    const docId = freshDoc("demo-reload");
    // The demo's tenant is "demo" and its user ids are the names typed: Ann creates the document
    // (owner) and lets the test's reader read it, before her page opens it.
    await shareDoc(await token({ sub: "Ann", tid: "demo" }), docId, { userId: "reader" }, "viewer");
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on("pageerror", (err) => console.error(`page error: ${err.message}`));
    const net = await cutNetwork(page);
    await gotoDemo(page, "Ann", docId);
    const reader = await token({ sub: "reader", tid: "demo" });

    await typeAtEnd(page, "base");
    await synced(page, "base");

    // 1. POSTs never reach the server; reload while the edits are unsent (and still cut off).
    net.mode = "drop";
    await typeAtEnd(page, " one two");
    await waitFor("a refused POST", async () => (net.dropped.length > 0 ? true : undefined));
    expect((await editorState(page)).pending).toBeGreaterThan(0);
    await page.reload();
    await demoReady(page);
    const restored = await editorState(page);
    expect(restored.text).toBe("base one two");
    expect(restored.pending).toBeGreaterThan(0);
    expect(textOf(await readLog(reader, docId))).toBe("base");
    net.mode = "pass";
    await synced(page, "base one two");

    // 2. POSTs are committed but their answers, receipts and broadcasts never arrive; reload.
    net.mode = "lose-answers";
    net.holdBroadcasts = true;
    await typeAtEnd(page, " lost");
    // One change is in flight at a time: wait until it is committed (the rest stays queued behind it).
    await waitFor("an unanswered change to be committed", async () => {
      const ids = new Set((await readLog(reader, docId)).map((e) => e.id as string));
      return net.lost.some((id) => ids.has(id)) ? true : undefined;
    });
    expect((await editorState(page)).pending, "the page learned of its commit: nothing left unsent to test").toBeGreaterThan(0);
    // The withheld broadcast is gone for good; the reloaded page's subscription goes through.
    net.holdBroadcasts = false;
    await page.reload();
    await demoReady(page);
    net.mode = "pass";
    const final = await synced(page, "base one two lost");

    // Exactly once: every op id the page ever sent is in the log once, and the log's text is the page's.
    const log = await readLog(reader, docId);
    const ids = log.map((e) => e.id as string);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of new Set([...net.dropped, ...net.lost])) expect(ids.filter((x) => x === id)).toHaveLength(1);
    expect(textOf(log)).toBe(final.text);
    expect(final.version).toBe(log[log.length - 1].seq);
    expect(net.lost.length).toBeGreaterThan(0);
    await context.close();
  });
});
