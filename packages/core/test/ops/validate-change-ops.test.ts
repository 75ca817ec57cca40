import { describe, expect, it } from "vitest";
import { MAX_ATTRS, MAX_COMMENT_BODY_BYTES, MAX_MENTIONS } from "../../src/limits.js";
import { OP_TYPES } from "../../src/ops/types.js";
import { accepted, change, refused, SAMPLE_OPS } from "./helpers.js";

const S = SAMPLE_OPS;

/** Expects `op` (as the only op) to be refused with a detail at `ops[0].<field>`. */
function refusedAt(op: Record<string, unknown>, field: string, issue?: RegExp | string) {
  const err = refused(change([op]), "invalid_request");
  const detail = err.details.find((d) => d.path === (field ? `ops[0].${field}` : "ops[0]"));
  expect(detail, JSON.stringify(err.details)).toBeDefined();
  expect(detail!.index).toBe(0);
  if (issue !== undefined) expect(detail!.issue).toMatch(issue);
  return err;
}

describe("parseChangeBody: common op fields", () => {
  it.each([
    ["an op that is not an object", 5, ""],
    ["an op that is an array", [1], ""],
  ])("refuses %s", (_what, op, field) => {
    const err = refused(JSON.stringify({ clientId: "c", base: 0, ops: [op] }), "invalid_request");
    expect(err.details[0]).toMatchObject({ index: 0, path: field ? `ops[0].${field}` : "ops[0]" });
  });

  it("names the unknown type and lists the known ones", () => {
    refusedAt({ ...S.insert, type: "x" }, "type", `unknown op type 'x'; expected one of ${OP_TYPES.join(", ")}`);
  });

  it("refuses a missing type", () => {
    refusedAt({ pos: 0, text: "a" }, "type", /^missing op type; expected one of insert, delete/);
  });

  it.each([
    ["id with a space", { id: "a b" }, "id"],
    ["id empty", { id: "" }, "id"],
    ["id too long", { id: "a".repeat(65) }, "id"],
    ["id a number", { id: 12 }, "id"],
    ["seq 0", { seq: 0 }, "seq"],
    ["seq fractional", { seq: 1.5 }, "seq"],
    ["seq a string", { seq: "1" }, "seq"],
    ["ts negative", { ts: -1 }, "ts"],
    ["ts beyond the largest date", { ts: 8.64e15 + 1 }, "ts"],
    ["ts a string", { ts: "now" }, "ts"],
    ["an unknown key", { colour: "red" }, "colour"],
  ])("refuses %s", (_what, patch, field) => {
    refusedAt({ ...S.insert, ...patch }, field);
  });

  it("accepts a fractional ts", () => {
    expect(accepted(change([{ ...S.insert, ts: 1714000000000.5 }])).ops[0].ts).toBe(1714000000000.5);
  });
});

describe("parseChangeBody: numbers", () => {
  it.each([
    ["fractional", 1.5, /got 1.5/],
    ["negative", -3, /got -3/],
    ["above 2^31-1", 1e20, /got 100000000000000000000/],
    ["a string", "5", /got the string "5"/],
    ["a boolean", true, /got a boolean/],
    ["null", null, /got null/],
  ])("refuses a position that is %s", (_what, pos, issue) => {
    refusedAt({ ...S.insert, pos }, "pos", issue);
  });

  it("refuses a position of 1e400 (Infinity once parsed)", () => {
    const body = `{"clientId":"c","base":0,"ops":[{"id":"a","seq":1,"type":"delete","pos":1e400,"len":1}]}`;
    expect(refused(body, "invalid_request").details).toEqual([
      { index: 0, id: "a", path: "ops[0].pos", issue: expect.stringContaining("Infinity") },
    ]);
  });

  it("accepts 2^31-1 and refuses 2^31", () => {
    expect(accepted(change([{ ...S.delete, pos: 2 ** 31 - 1 }])).ops[0]).toMatchObject({ pos: 2 ** 31 - 1 });
    refusedAt({ ...S.delete, pos: 2 ** 31 }, "pos");
  });
});

describe("parseChangeBody: per-type fields", () => {
  it.each([
    ["insert with empty text", { ...S.insert, text: "" }, "text", /empty/],
    ["insert without text", { type: "insert", pos: 0 }, "text", /missing/],
    ["insert with ranges", { ...S.insert, ranges: [] }, "ranges", /unknown key/],
    ["delete with len 0", { ...S.delete, len: 0 }, "len", /1\.\.2147483647/],
    ["delete with ranges (server-only field)", { ...S.delete, ranges: [{ pos: 0, len: 1 }] }, "ranges", /unknown key/],
    ["format with len 0", { ...S.format, len: 0 }, "len", undefined],
    ["format with a nested object", { ...S.format, attrs: { font: { size: 3 } } }, "attrs.font", /nested objects and arrays/],
    ["format with a nested array", { ...S.format, attrs: { tags: ["a"] } }, "attrs.tags", /nested objects and arrays/],
    ["format with attrs an array", { ...S.format, attrs: [] }, "attrs", undefined],
    ["format with empty attrs", { ...S.format, attrs: {} }, "attrs", /1\.\.32 keys/],
    ["format with a bad attr key", { ...S.format, attrs: { "a b": 1 } }, "attrs.a b", /\[A-Za-z0-9_:-\]/],
    ["format with a long attr value", { ...S.format, attrs: { k: "é".repeat(1025) } }, "attrs.k", /0\.\.1024 code points/],
    ["comment with an empty body", { ...S.comment, body: "" }, "body", undefined],
    ["comment with repeated mentions", { ...S.comment, mentions: ["u1", "u1"] }, "mentions", /repeat/],
    ["comment with a bad mention", { ...S.comment, mentions: ["u 1"] }, "mentions[0]", undefined],
    ["comment with an anchor missing len", { ...S.comment, anchor: { pos: 1 } }, "anchor.len", /missing/],
    ["comment with an anchor extra key", { ...S.comment, anchor: { pos: 1, len: 1, end: 2 } }, "anchor.end", /unknown key/],
    ["comment with a negative anchor", { ...S.comment, anchor: { pos: -1, len: 1 } }, "anchor.pos", undefined],
    ["comment without threadId", { type: "comment", body: "x" }, "threadId", /missing/],
    ["reaction with an empty emoji", { ...S.reaction, emoji: "" }, "emoji", /1\.\.32 code points/],
    ["reaction with a 33-code-point emoji", { ...S.reaction, emoji: "😀".repeat(33) }, "emoji", undefined],
    ["reaction without commentId", { type: "reaction", threadId: "t", emoji: "👍" }, "commentId", undefined],
    ["task with an empty title", { ...S.task, title: "" }, "title", undefined],
    ["task with a bad status", { ...S.task, status: "in progress" }, "status", undefined],
    ["task with a bad assignee", { ...S.task, assignee: "a/b" }, "assignee", undefined],
    ["acl with an unknown role", { ...S.acl, role: "admin" }, "role", /owner, editor, commenter, viewer, none/],
    ["acl without a target", { type: "acl", role: "viewer" }, "userId", /exactly one target.*got 0/],
    ["acl with userId and groupId", { type: "acl", role: "viewer", userId: "ann", groupId: "eng" }, "userId", /exactly one target.*got 2/],
    ["acl with all three targets", { type: "acl", role: "viewer", userId: "ann", groupId: "eng", everyone: true }, "userId", /got 3/],
    ["acl with everyone: false", { type: "acl", role: "viewer", everyone: false }, "everyone", /true/],
    ["acl with a bad group id", { type: "acl", role: "viewer", groupId: "eng team" }, "groupId", /\[A-Za-z0-9_.:@-\]\{1,128\}/],
  ])("refuses %s", (_what, op, field, issue) => {
    refusedAt(op, field, issue);
  });

  it.each([
    ["a user", { userId: "ann" }],
    ["a group", { groupId: "design:leads@acme" }],
    ["everyone", { everyone: true }],
  ])("accepts an acl op naming %s", (_what, target) => {
    const parsed = accepted(change([{ id: "a1", seq: 1, type: "acl", role: "editor", ...target }]));
    expect(parsed.ops[0]).toEqual({ id: "a1", seq: 1, type: "acl", role: "editor", ...target });
  });

  it("refuses too many attrs, mentions and too long a comment body", () => {
    const attrs = Object.fromEntries(Array.from({ length: MAX_ATTRS + 1 }, (_, i) => [`k${i}`, i]));
    refusedAt({ ...S.format, attrs }, "attrs", /1\.\.32 keys/);
    const mentions = Array.from({ length: MAX_MENTIONS + 1 }, (_, i) => `u${i}`);
    refusedAt({ ...S.comment, mentions }, "mentions", /at most 50/);
    refusedAt({ ...S.comment, body: "€".repeat(MAX_COMMENT_BODY_BYTES / 3 + 1) }, "body", /8192 UTF-8 bytes/);
  });

  it("refuses a __proto__ attr key (which zod would silently drop)", () => {
    const body = `{"clientId":"c","base":0,"ops":[{"id":"a","seq":1,"type":"format","pos":0,"len":1,"attrs":{"__proto__":null,"b":1}}]}`;
    expect(refused(body, "invalid_request").details).toContainEqual(
      expect.objectContaining({ path: "ops[0].attrs", issue: expect.stringContaining("__proto__") }),
    );
  });
});

describe("parseChangeBody: every problem is reported", () => {
  it("lists every invalid op with its index and id", () => {
    const err = refused(
      change([S.insert, { ...S.delete, len: -1 }, S.acl, { ...S.format, attrs: { x: [] } }, { ...S.task, id: "bad id" }]),
      "invalid_request",
    );
    expect(err.details.map((d) => [d.index, d.id, d.path])).toEqual([
      [1, "o2", "ops[1].len"],
      [3, "o4", "ops[3].attrs.x"],
      [4, undefined, "ops[4].id"],
    ]);
    expect(err.message).toMatch(/^invalid change: ops\[1\]\.len: .* \(and 2 more; see details\)$/);
  });

  it("lists several problems of one op", () => {
    const err = refusedAt({ type: "delete", pos: -1, len: 0, extra: 1 }, "pos");
    expect(err.details.map((d) => d.path)).toEqual(["ops[0].pos", "ops[0].len", "ops[0].extra"]);
  });

  it("refuses op ids repeated within the change", () => {
    const err = refused(change([{ ...S.insert, id: "same" }, S.insert, { ...S.acl, id: "same" }]), "invalid_request");
    expect(err.details).toEqual([
      { index: 2, id: "same", path: "ops[2].id", issue: "duplicate op id 'same' (also at index 0)" },
    ]);
  });

  it.each([
    ["a gap", [3, 4, 6], 2, "expected seq 5"],
    ["a repeat", [1, 1], 1, "expected seq 2"],
    ["descending seqs", [2, 1], 1, "expected seq 3"],
  ])("refuses seqs with %s", (_what, seqs, index, issue) => {
    const err = refused(change(seqs.map((seq) => ({ ...S.insert, seq }))), "invalid_request");
    expect(err.details).toEqual([
      expect.objectContaining({ index, path: `ops[${index}].seq`, issue: expect.stringContaining(issue) }),
    ]);
  });
});
