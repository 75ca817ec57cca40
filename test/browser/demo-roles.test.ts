import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLog, textOf } from "../e2e/docs.js";
import { call, freshDoc, token, waitFor } from "../e2e/http.js";
import { editorState, gotoDemo, launchChromium, openDemo, placeCaret } from "./chromium.js";

/**
 * Roles in the demo editor (two browser contexts, the real keyboard, the local stack): Ann
 * creates a document and shares it from the page, Ben joins as an editor, is made a viewer
 * (read-only, still live), an editor again, and is then revoked while he types: his page turns
 * read-only within a second and none of his late edits is committed.
 */
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const roleOf = (page: Page) => page.evaluate(() => ({ role: document.getElementById("role")!.textContent, readOnly: (document.getElementById("editor") as HTMLTextAreaElement).readOnly }));

/** Waits until the page shows `role` (and the editor's read-only state that goes with it). */
async function shows(page: Page, role: string): Promise<void> {
  const readOnly = !["owner", "editor"].includes(role);
  await waitFor(`the page to show role ${role}`, async () => {
    const r = await roleOf(page);
    return r.role === role && r.readOnly === readOnly ? true : undefined;
  });
}

/** Waits until the page shows `text` with nothing unsent. */
const synced = (page: Page, text: string) =>
  waitFor(`page to show ${JSON.stringify(text)} with nothing pending`, async () => {
    const s = await editorState(page);
    return s.text === text && s.pending === 0 ? s : undefined;
  }, 20_000);

async function typeAtEnd(page: Page, text: string, delay = 15): Promise<void> {
  await page.locator("#editor").focus();
  await page.keyboard.press("Control+End");
  await page.keyboard.type(text, { delay });
}

describe("demo editor: roles", () => {
  it("an owner shares, a viewer's editor is read-only, and a typing editor who is revoked turns read-only within a second with none of his late edits committed", async () => {
    const docId = freshDoc("demo-roles");
    const ann = await openDemo(browser, "Ann", docId);
    expect((await roleOf(ann.page)).role).toBe("owner"); // the document does not exist yet: its creator will own it
    await placeCaret(ann.page, 0);
    await ann.page.keyboard.type("Hello", { delay: 15 });
    await synced(ann.page, "Hello");

    // Ann shares from the page: Ben may edit, the test's reader may read.
    for (const [user, role] of [["Ben", "editor"], ["reader", "viewer"]]) {
      await ann.page.fill("#share-user", user);
      await ann.page.selectOption("#share-role", role);
      await ann.page.click("#share-button");
      await ann.page.locator(`#access li[data-user="${user}"][data-role="${role}"]`).waitFor({ timeout: 10_000 });
    }
    const reader = await token({ sub: "reader", tid: "demo" });

    // Ben's page, with the server's messages about his access recorded.
    const ben = { context: await browser.newContext() } as { context: BrowserContext; page: Page };
    ben.page = await ben.context.newPage();
    ben.page.on("pageerror", (err) => console.error(`[Ben] page error: ${err.message}`));
    const benHeard: Array<Record<string, unknown>> = [];
    ben.page.on("websocket", (ws) =>
      ws.on("framereceived", (f) => {
        const m = JSON.parse(String(f.payload)) as Record<string, unknown>;
        if (m.type === "role" || m.type === "unsubscribed" || m.type === "subscribed" || m.type === "error") benHeard.push(m);
      }),
    );
    await gotoDemo(ben.page, "Ben", docId);

    await shows(ben.page, "editor");
    await ben.page.locator('#access li[data-user="Ann"][data-role="owner"]').waitFor();
    expect(await ben.page.locator("#access select").count()).toBe(0); // only owners change roles
    expect(await ben.page.locator("#share-form").isHidden()).toBe(true);
    const benSelect = ann.page.locator('#access li[data-user="Ben"] select');

    // A viewer's editor is read-only and still follows the document.
    await benSelect.selectOption("viewer");
    await shows(ben.page, "viewer");
    await ann.page.locator('#peers li[data-user="Ben"] .role', { hasText: "viewer" }).waitFor();
    await typeAtEnd(ann.page, " world");
    await synced(ben.page, "Hello world");
    await typeAtEnd(ben.page, "zzz");
    expect(await editorState(ben.page)).toMatchObject({ text: "Hello world", pending: 0 });

    await benSelect.selectOption("editor");
    await shows(ben.page, "editor");
    await typeAtEnd(ben.page, "!");
    await synced(ann.page, "Hello world!");

    // Ben types on while his changes take 400 ms to reach the server, so some are always
    // unsent or in flight; Ann revokes him meanwhile.
    const posted: string[] = [];
    await ben.page.route(/\/v1\/docs\/[^/?]+\/ops$/, async (route) => {
      if (route.request().method() !== "POST") return route.continue();
      posted.push(...(route.request().postDataJSON() as { ops: Array<{ id: string }> }).ops.map((o) => o.id));
      await new Promise((r) => setTimeout(r, 400));
      await route.continue().catch(() => {}); // the page may be gone by then
    });
    await ben.page.evaluate(() => {
      const w = window as unknown as { revokedAt?: number };
      new MutationObserver(() => {
        if (document.body.dataset.revoked === "true" && (document.getElementById("editor") as HTMLTextAreaElement).readOnly) w.revokedAt ??= Date.now();
      }).observe(document.body, { attributes: true, subtree: true, attributeFilter: ["data-revoked", "readonly"] });
    });
    const typing = typeAtEnd(ben.page, " and then some more words typed on and on", 30).catch((err: Error) => err);
    await waitFor("Ben's edits in flight", async () => ((await editorState(ben.page)).pending > 0 && posted.length > 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    const selectedAt = Date.now();
    await benSelect.selectOption("none");
    await ben.page.waitForFunction(() => (window as unknown as { revokedAt?: number }).revokedAt !== undefined, null, { timeout: 10_000 });
    const readOnlyAt = await ben.page.evaluate(() => (window as unknown as { revokedAt: number }).revokedAt);
    await typing;
    expect(await ben.page.locator("#notice").textContent()).toMatch(/Your access to this document was revoked: it is read-only now\. \d+ edit\(s\) not yet saved were discarded\./);
    expect(Number(await ben.page.evaluate(() => document.body.dataset.rejected))).toBeGreaterThan(0);
    expect(await roleOf(ben.page)).toEqual({ role: "none", readOnly: true });

    // The log: nothing of Ben's after the revoking entry; his page shows what was committed before it.
    await new Promise((r) => setTimeout(r, 2500)); // the delayed POSTs reach the server and are decided
    const log = await readLog(reader, docId);
    const revoke = log.find((e) => e.type === "acl" && e.targetUserId === "Ben" && e.role === "none");
    expect(revoke).toBeDefined();
    // "Within a second" of the revocation taking effect, i.e. of its commit (serverTs; same
    // machine clock). From Ann's click it also includes her POST and the sequencing, which on
    // the shared 2-core test machine alone can take a second: printed, not asserted.
    console.log(`revocation: committed ${revoke.serverTs - selectedAt} ms after Ann's click; Ben's page read-only ${readOnlyAt - revoke.serverTs} ms after the commit`);
    expect(readOnlyAt - revoke.serverTs).toBeLessThan(1000);
    // Ben's page learnt its roles from the server: viewer, editor again, then the end of his subscription.
    expect(benHeard.filter((m) => m.type === "role").map((m) => m.role)).toEqual(["viewer", "editor"]);
    expect(benHeard.filter((m) => m.type === "unsubscribed")).toEqual([{ type: "unsubscribed", docId, reason: "forbidden", seq: revoke.seq }]);
    expect(log.filter((e) => e.userId === "Ben" && e.seq > revoke.seq)).toEqual([]);
    const before = log.filter((e) => e.seq < revoke.seq);
    expect((await editorState(ben.page)).text).toBe(textOf(before));
    const late = posted.filter((id) => !log.some((e) => e.id === id));
    expect(late.length).toBeGreaterThan(0);
    const annToken = await token({ sub: "Ann", tid: "demo" });
    for (const id of late) {
      const r = await call("GET", `/v1/docs/${docId}/ops/${id}`, { token: annToken });
      // Refused at ingest (never stored: no receipt) or rejected by the sequencer: never committed.
      if (r.status !== 404) expect(r.body).toMatchObject({ status: "rejected", reason: "forbidden" });
    }
    expect(log.filter((e) => e.userId === "Ben").length).toBeGreaterThan(0); // "!" and what went before the revocation

    // Ann's page converges on the log; Ben has no role left.
    await synced(ann.page, textOf(log));
    await ann.page.locator('#access li[data-user="Ben"]').waitFor({ state: "detached", timeout: 10_000 });
    await Promise.all([ann.context.close(), ben.context.close()]);
  });
});
