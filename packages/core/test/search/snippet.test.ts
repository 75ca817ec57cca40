import { describe, expect, test } from "vitest";
import { parseQuery } from "../../src/search/query.js";
import { SNIPPET_LENGTH, snippet } from "../../src/search/snippet.js";

const cps = (s: string) => Array.from(s).length;

describe("snippet", () => {
  test("a short text comes back whole, whitespace collapsed", () => {
    expect(snippet("Hello  wide\n\nworld", parseQuery("world "))).toBe("Hello wide world");
  });

  test("cuts around the first hit, starting on a word, with ellipses", () => {
    const before = Array.from({ length: 60 }, (_, i) => `w${i}`).join(" ");
    const after = Array.from({ length: 80 }, (_, i) => `v${i}`).join(" ");
    const s = snippet(`${before} Zebra crossing ${after}`, parseQuery("zebra "));
    expect(s.startsWith("…")).toBe(true);
    expect(s.endsWith("…")).toBe(true);
    expect(s).toContain("Zebra crossing v0 v1");
    expect(s.slice(1).startsWith("w")).toBe(true); // a whole word, not a cut one
    expect(s.indexOf("Zebra")).toBeLessThanOrEqual(42);
    expect(cps(s)).toBeLessThanOrEqual(SNIPPET_LENGTH + 2);
  });

  test("finds the first word matching the prefix or any whole term, folded", () => {
    const text = "intro text. Then Ünïcode appears, later unicodes and Zebra.";
    expect(snippet(text, parseQuery("zebra unic"))).toBe(text);
    const far = `${"filler ".repeat(40)}Ünïcode end`;
    expect(snippet(far, parseQuery("unicode "))).toMatch(/^…(filler ){5}/);
    expect(snippet(far, parseQuery("unicode "))).toMatch(/Ünïcode end$/);
  });

  test("without a hit the excerpt is the start; surrogate pairs are never split", () => {
    const emoji = "😀".repeat(300);
    const s = snippet(emoji, parseQuery("absent "));
    expect(s).toBe(`${"😀".repeat(SNIPPET_LENGTH)}…`);
    const hit = snippet(`${"😀".repeat(100)} target ${"😀".repeat(200)}`, parseQuery("target "));
    expect(hit).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    expect(hit).toContain(" target ");
    expect(snippet("", parseQuery("x "))).toBe("");
  });

  test("a hit deep in a 2 MiB text is found and the excerpt stays short", () => {
    const text = `${"lorem ipsum dolor ".repeat(120_000)}needle at the end`;
    const s = snippet(text, parseQuery("needle"));
    expect(s).toMatch(/^….* needle at the end$/);
    expect(cps(s)).toBeLessThanOrEqual(SNIPPET_LENGTH + 2);
  });
});
