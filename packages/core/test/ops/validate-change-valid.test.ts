import { describe, expect, it } from "vitest";
import { MAX_OP_BYTES, MAX_OPS_PER_CHANGE } from "../../src/limits.js";
import { changeSchema, opSchema } from "../../src/ops/schema.js";
import { OP_TYPES } from "../../src/ops/types.js";
import { accepted, change, SAMPLE_OPS } from "./helpers.js";

describe("parseChangeBody: valid changes", () => {
  it.each(OP_TYPES)("accepts a %s op and returns it as sent", (type) => {
    const op = { id: "op-1", seq: 7, ts: 1714000000000, ...SAMPLE_OPS[type] };
    const got = accepted(JSON.stringify({ clientId: "c_1", base: 3, ops: [op] }));
    expect(got).toEqual({ clientId: "c_1", base: 3, ops: [op] });
  });

  it("accepts every op type in one change, from string and from bytes", () => {
    const body = change(OP_TYPES.map((t) => SAMPLE_OPS[t]));
    const fromString = accepted(body);
    expect(fromString.ops.map((o) => o.type)).toEqual([...OP_TYPES]);
    expect(accepted(new TextEncoder().encode(body))).toEqual(fromString);
  });

  it("accepts optional fields left out", () => {
    const ops = [
      { type: "comment", threadId: "t", body: "plain" },
      { type: "task", taskId: "k", assignee: "u", title: "T" },
      { type: "comment", threadId: "t", body: "point", anchor: { pos: 4, len: 0 }, mentions: [] },
    ];
    expect(accepted(change(ops)).ops).toHaveLength(3);
  });

  it("accepts emoji, ZWJ sequences and astral-plane text", () => {
    const ops = [
      { type: "insert", pos: 0, text: "héllo 😀 𝒳 👩‍👩‍👧 🇫🇷" },
      { type: "reaction", threadId: "t", commentId: "c", emoji: "👩🏽‍💻" },
      { type: "format", pos: 0, len: 2, attrs: { "font:family": "𝔉𝔯𝔞𝔨𝔱𝔲𝔯", big: 1e300, neg: -2.5 } },
      { type: "comment", threadId: "t", body: "🎉".repeat(2048) },
      { type: "task", taskId: "k", assignee: "u", title: "🚀 launch" },
    ];
    expect(accepted(change(ops)).ops.map((o) => o.type)).toEqual(["insert", "reaction", "format", "comment", "task"]);
  });

  it("accepts a 1024-code-point attr string made of astral characters (2048 code units)", () => {
    accepted(change([{ type: "format", pos: 0, len: 1, attrs: { k: "😀".repeat(1024) } }]));
  });

  it("accepts seqs that start anywhere, as long as they are consecutive", () => {
    const ops = [41, 42, 43].map((seq) => ({ ...SAMPLE_OPS.insert, seq }));
    expect(accepted(change(ops)).ops.map((o) => o.seq)).toEqual([41, 42, 43]);
  });

  it("accepts exactly MAX_OPS_PER_CHANGE ops and an op of exactly MAX_OP_BYTES", () => {
    const many = Array.from({ length: MAX_OPS_PER_CHANGE }, () => ({ type: "delete", pos: 0, len: 1 }));
    expect(accepted(change(many)).ops).toHaveLength(MAX_OPS_PER_CHANGE);
    const shell = JSON.stringify({ id: "o1", seq: 1, type: "insert", pos: 0, text: "" });
    const exact = { type: "insert", pos: 0, text: "z".repeat(MAX_OP_BYTES - shell.length) };
    accepted(change([exact]));
  });

  it("accepts whitespace and a byte-order mark in byte bodies", () => {
    const body = `\n  ${change([SAMPLE_OPS.insert])}  \n`;
    accepted(new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(body)]));
  });
});

describe("exported schemas", () => {
  it("opSchema and changeSchema accept what parseChangeBody accepts", () => {
    const body = JSON.parse(change(OP_TYPES.map((t) => SAMPLE_OPS[t])));
    expect(changeSchema.parse(body)).toEqual(body);
    for (const op of body.ops) expect(opSchema.parse(op)).toEqual(op);
  });

  it("opSchema is strict", () => {
    expect(opSchema.safeParse({ id: "a", seq: 1, ...SAMPLE_OPS.delete, extra: 1 }).success).toBe(false);
  });
});
