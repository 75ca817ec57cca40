import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLog, textOf } from "../e2e/docs.js";
import { call, freshDoc, token, waitFor } from "../e2e/http.js";
import { shareDoc } from "../e2e/access.js";
import { editorState, launchChromium, openDemo, placeCaret } from "./chromium.js";

/**
 * Two people in the demo editor (two browser contexts: separate storage, separate SDK clients)
 * typing into one document at the same time with the real keyboard, at different places,
 * with deletes. Each round's text is fully determined because the two edit different regions,
 * which also checks that each page keeps its caret in place while the other's edits arrive.
 */
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const KEY_DELAY_MS = 15;

/** Types with real key presses; "{Backspace}" presses that key. */
async function keys(page: Page, ...parts: string[]): Promise<void> {
  for (const part of parts) {
    if (part === "{Backspace}") await page.keyboard.press("Backspace", { delay: KEY_DELAY_MS });
    else if (part === "{Home}") await page.keyboard.press("Control+Home");
    else await page.keyboard.type(part, { delay: KEY_DELAY_MS });
  }
}

const backspaces = (n: number) => Array<string>(n).fill("{Backspace}");

/** Waits until every page shows `text` with nothing unsent, and returns their states. */
async function converged(pages: Page[], text: string) {
  return waitFor(`pages to show ${JSON.stringify(text)} with nothing pending`, async () => {
    const states = await Promise.all(pages.map(editorState));
    return states.every((s) => s.text === text && s.pending === 0 && s.version === states[0].version) ? states : undefined;
  }, 20_000);
}

/** The caret (code point offset; these texts are ASCII) of a page's editor. */
const caretOf = (page: Page) => page.evaluate(() => (document.getElementById("editor") as HTMLTextAreaElement).selectionStart);

describe("demo editor: two users", () => {
  it("converge on the server's text while typing at the same time, and see each other's cursor and the live version", async () => {
    const docId = freshDoc("demo-collab");
    // The demo's tenant is "demo" and its user ids are the names typed. Ann creates the document
    // (owner), lets Ben edit it and the test's reader read it, before either page opens it.
    const annToken = await token({ sub: "Ann", tid: "demo" });
    await shareDoc(annToken, docId, { userId: "Ben" }, "editor");
    await shareDoc(annToken, docId, { userId: "reader" }, "viewer");
    const [ann, ben] = await Promise.all([openDemo(browser, "Ann", docId), openDemo(browser, "Ben", docId)]);
    const pages = [ann.page, ben.page];

    await placeCaret(ann.page, 0);
    await keys(ann.page, "Hello world");
    await converged(pages, "Hello world");

    // Round 1: Ann inside the text, Ben at its end, at the same time.
    await placeCaret(ann.page, 5);
    await placeCaret(ben.page, 11);
    await Promise.all([keys(ann.page, " there"), keys(ben.page, ", friends")]);
    await converged(pages, "Hello there world, friends");

    // Round 2: both delete what they typed and type something else.
    await Promise.all([keys(ann.page, ...backspaces(6), " dear"), keys(ben.page, ...backspaces(9), "!")]);
    await converged(pages, "Hello dear world!");

    // Round 3: Ben jumps to the start and types there while Ann keeps typing after "dear":
    // Ann's caret must move right by Ben's insert, or her keys would land in the wrong place.
    await Promise.all([keys(ann.page, " old"), keys(ben.page, "{Home}", "Oh, ")]);
    const [a, b] = await converged(pages, "Oh, Hello dear old world!");

    // The server's committed log replays to the same text, at the version both pages show.
    const reader = await token({ sub: "reader", tid: "demo" });
    const log = await readLog(reader, docId);
    expect(textOf(log)).toBe(a.text);
    expect(a.version).toBe(log[log.length - 1].seq);
    expect(b.version).toBe(a.version);
    const ids = log.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    const state = await call("GET", `/v1/docs/${docId}`, { token: reader });
    if (state.status === 200) expect(state.body.text).toBe(a.text);

    // Each page shows the other's caret where the other's caret is.
    for (const [me, other, otherName] of [[ann.page, ben.page, "Ben"], [ben.page, ann.page, "Ann"]] as const) {
      const at = await caretOf(other);
      const caret = me.locator(`#overlay .peer-caret[data-user="${otherName}"]`);
      await waitFor(`${otherName}'s caret at ${at}`, async () =>
        (await caret.count()) === 1 && (await caret.getAttribute("data-pos")) === String(at) ? true : undefined,
      );
      expect(await caret.locator(".peer-label").textContent()).toBe(otherName);
      expect(await me.locator(`#peers li[data-user="${otherName}"]`).textContent()).toContain(`${otherName} at ${at}`);
    }
    expect(a.connection).toBe("open");

    // The version number is live: Ben's page follows Ann's next commit without any action of his.
    await keys(ann.page, "?");
    const next = log[log.length - 1].seq + 1;
    await ben.page.waitForFunction((v) => Number(document.getElementById("version")!.textContent) >= v, next, { timeout: 10_000 });
    expect((await editorState(ben.page)).text).toBe("Oh, Hello dear old? world!");
    await Promise.all([ann.context.close(), ben.context.close()]);
  });
});
