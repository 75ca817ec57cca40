import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES, MAX_JSON_DEPTH, MAX_OP_BYTES } from "../../src/limits.js";
import { parseChangeBody } from "../../src/ops/validate-change.js";
import { change, refused, SAMPLE_OPS } from "./helpers.js";

const insert = SAMPLE_OPS.insert;

describe("parseChangeBody: body-level refusals", () => {
  it("refuses a body over MAX_BODY_BYTES before parsing it", () => {
    const err = refused("x".repeat(MAX_BODY_BYTES + 1), "payload_too_large");
    expect(err.message).toContain(String(MAX_BODY_BYTES));
  });

  it("counts UTF-8 bytes, not UTF-16 units", () => {
    // 350k three-byte characters: ~1.05 MB of UTF-8 but only 350k code units.
    refused(`"${"€".repeat(350_000)}"`, "payload_too_large");
    refused(new TextEncoder().encode(`"${"€".repeat(350_000)}"`), "payload_too_large");
  });

  it("refuses malformed JSON", () => {
    const err = refused('{"clientId": "c", "base": 0, "ops": [', "invalid_request");
    expect(err.message).toMatch(/^body is not valid JSON: /);
  });

  it("refuses bytes that are not UTF-8", () => {
    const err = refused(new Uint8Array([0x7b, 0xff, 0x7d]), "invalid_request");
    expect(err.message).toContain("UTF-8");
  });

  it("survives pathological nesting (200k nested arrays) with invalid_request", () => {
    const err = refused("[".repeat(200_000) + "]".repeat(200_000), "invalid_request");
    expect(err.message).toContain(`deeper than ${MAX_JSON_DEPTH}`);
  });

  it("refuses deep nesting inside an op", () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const body = `{"clientId":"c","base":0,"ops":[{"id":"a","seq":1,"type":"format","pos":0,"len":1,"attrs":{"x":${deep}}}]}`;
    expect(refused(body, "invalid_request").details[0].path).toMatch(/^ops\[0\]\.attrs\.x/);
  });

  it.each([
    ["an array", "[]"],
    ["a string", '"hi"'],
    ["null", "null"],
    ["a number", "42"],
  ])("refuses a top level that is %s", (_what, body) => {
    refused(body, "invalid_request");
  });
});

describe("parseChangeBody: envelope", () => {
  it("names clientId when it is missing", () => {
    const err = refused(JSON.stringify({ base: 0, ops: [{ id: "a", seq: 1, ...insert }] }), "invalid_request");
    expect(err.details).toContainEqual({ path: "clientId", issue: expect.stringContaining("missing") });
  });

  it.each([
    ["clientId with a bad character", { clientId: "a b" }, "clientId"],
    ["clientId too long", { clientId: "a".repeat(65) }, "clientId"],
    ["clientId a number", { clientId: 7 }, "clientId"],
    ["base negative", { base: -1 }, "base"],
    ["base fractional", { base: 1.5 }, "base"],
    ["base a string", { base: "3" }, "base"],
    ["base too large", { base: 1e20 }, "base"],
    ["ops empty", { ops: [] }, "ops"],
    ["ops not an array", { ops: {} }, "ops"],
    ["an unknown top-level key", { extra: true }, "extra"],
  ])("refuses %s", (_what, envelope, path) => {
    const err = refused(change([insert], envelope), "invalid_request");
    expect(err.details.map((d) => d.path)).toContain(path);
  });

  it("refuses base 1e400 (parses to Infinity)", () => {
    const body = `{"clientId":"c","base":1e400,"ops":[{"id":"a","seq":1,"type":"insert","pos":0,"text":"x"}]}`;
    expect(refused(body, "invalid_request").details).toEqual([{ path: "base", issue: expect.stringContaining("Infinity") }]);
  });

  it("refuses more than 500 ops as payload_too_large", () => {
    const ops = Array.from({ length: 501 }, () => ({ type: "insert", pos: 0, text: "x" }));
    refused(change(ops), "payload_too_large");
  });

  it("refuses ops over MAX_OP_BYTES as payload_too_large, naming each", () => {
    const big = { type: "insert", pos: 0, text: "y".repeat(MAX_OP_BYTES) };
    const err = refused(change([insert, big, insert, big]), "payload_too_large");
    expect(err.details.map((d) => [d.index, d.id])).toEqual([
      [1, "o2"],
      [3, "o4"],
    ]);
  });

  it("measures op size in UTF-8 bytes", () => {
    // 6000 three-byte characters: 18 KB of UTF-8 in 6000 code units.
    refused(change([{ type: "insert", pos: 0, text: "€".repeat(6000) }]), "payload_too_large");
  });
});

describe("parseChangeBody: lone surrogates", () => {
  it.each([
    ["insert text", `{"clientId":"c","base":0,"ops":[{"id":"a","seq":1,"type":"insert","pos":0,"text":"x\\ud800"}]}`, "ops[0].text"],
    ["a low surrogate first", `{"clientId":"c","base":0,"ops":[{"id":"a","seq":1,"type":"insert","pos":0,"text":"\\udc00\\ud800"}]}`, "ops[0].text"],
    ["clientId", `{"clientId":"\\ud800","base":0,"ops":[{"id":"a","seq":1,"type":"insert","pos":0,"text":"x"}]}`, "clientId"],
    ["an attr value", `{"clientId":"c","base":0,"ops":[{"id":"a","seq":1,"type":"format","pos":0,"len":1,"attrs":{"k":"\\udfff"}}]}`, "ops[0].attrs.k"],
    ["a comment body", `{"clientId":"c","base":0,"ops":[{"id":"a","seq":1,"type":"comment","threadId":"t","body":"\\ud83d"}]}`, "ops[0].body"],
  ])("refuses one in %s", (_what, body, path) => {
    const err = refused(body, "invalid_request");
    expect(err.details).toContainEqual(expect.objectContaining({ path, issue: "contains a lone UTF-16 surrogate" }));
  });

  it("refuses one in a key, without echoing the key", () => {
    const body = `{"clientId":"c","base":0,"ops":[{"id":"a","seq":1,"type":"format","pos":0,"len":1,"attrs":{"\\ud800":1}}]}`;
    const err = refused(body, "invalid_request");
    expect(err.details).toContainEqual(expect.objectContaining({ index: 0, path: "ops[0].attrs" }));
    expect(JSON.stringify(err.details)).not.toMatch(/\\ud800/i);
  });

  it("accepts well-formed surrogate pairs written as escapes", () => {
    const body = `{"clientId":"c","base":0,"ops":[{"id":"a","seq":1,"type":"insert","pos":0,"text":"\\ud83d\\ude00"}]}`;
    const result = parseChangeBody(body);
    expect(result.ok && result.change.ops[0]).toMatchObject({ text: "😀" });
  });
});
