import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { clampJsonText, jsonStringBytes } from "../../../src/notify/engine/json-text.js";

/** What a stored title or body really takes: the UTF-8 of its JSON string literal, without the quotes. */
const literalBytes = (s: string) => new TextEncoder().encode(JSON.stringify(s)).length - 2;

// Well-formed text with every kind of character the escapes and UTF-8 widths distinguish.
const text = fc.array(fc.oneof(fc.string({ unit: "grapheme" }), fc.constantFrom('"', "\\", "\n", "\t", "\u0001", "\u001f", "é", "中", "👋🏽")), { maxLength: 40 }).map((parts) => parts.join(""));

describe("json-text", () => {
  test("jsonStringBytes is the UTF-8 length of the JSON literal's content", () => {
    expect(jsonStringBytes('a"b\\c\nd\u0001é中👋')).toBe(literalBytes('a"b\\c\nd\u0001é中👋'));
    fc.assert(fc.property(text, (s) => jsonStringBytes(s) === literalBytes(s)), { seed: 7, numRuns: 500 });
  });

  test("clampJsonText keeps text that fits, and cuts the rest at a code point to fit with an ellipsis", () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 3, max: 120 }), (s, max) => {
        const out = clampJsonText(s, max);
        if (literalBytes(s) <= max) return out === s;
        return out.endsWith("…") && s.startsWith(out.slice(0, -1)) && literalBytes(out) <= max && !/[\ud800-\udbff]$/.test(out.slice(0, -1));
      }),
      { seed: 7, numRuns: 500 },
    );
  });
});
