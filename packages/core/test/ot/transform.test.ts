import { describe, expect, it } from "vitest";
import type { CanonicalOp } from "../../src/ops/types.js";
import { applyText, transformSeq } from "../../src/ot/index.js";

const ins = (pos: number, text: string): CanonicalOp => ({ type: "insert", pos, text });
const del = (pos: number, len: number): CanonicalOp => ({ type: "delete", pos, len });
const fmt = (pos: number, len: number): CanonicalOp => ({ type: "format", pos, len, attrs: { bold: true } });
const comment = (pos: number, len: number): CanonicalOp => ({ type: "comment", threadId: "t", body: "b", anchor: { pos, len } });
const run = (text: string, ops: CanonicalOp[]) => ops.reduce(applyText, text);

/** The one op `incoming` becomes after `committed`. */
const one = (incoming: CanonicalOp, committed: CanonicalOp[], side: "left" | "right" = "right") =>
  transformSeq([incoming], committed, side)[0];

describe("insert vs insert", () => {
  it("at the same position: committed first on the right, incoming first on the left", () => {
    expect(one(ins(2, "a"), [ins(2, "bb")])).toEqual(ins(4, "a"));
    expect(one(ins(2, "a"), [ins(2, "bb")], "left")).toEqual(ins(2, "a"));
    expect(run("0123", [ins(2, "bb"), one(ins(2, "a"), [ins(2, "bb")])])).toBe("01bba23");
    expect(run("0123", [ins(2, "bb"), one(ins(2, "a"), [ins(2, "bb")], "left")])).toBe("01abb23");
  });

  it("shifts past earlier inserts and ignores later ones", () => {
    expect(one(ins(3, "x"), [ins(1, "yy")])).toEqual(ins(5, "x"));
    expect(one(ins(1, "x"), [ins(3, "yy")])).toEqual(ins(1, "x"));
  });

  it("lands at the deletion point when its position was deleted", () => {
    expect(one(ins(3, "x"), [del(1, 4)])).toEqual(ins(1, "x"));
    expect(one(ins(6, "x"), [del(1, 4)])).toEqual(ins(2, "x"));
  });
});

describe("delete vs insert", () => {
  it("splits around text inserted inside it, keeping that text", () => {
    const out = one(del(2, 5), [ins(4, "XY")]);
    expect(out).toEqual({ type: "delete", pos: 2, len: 7, ranges: [{ pos: 2, len: 2 }, { pos: 6, len: 3 }] });
    expect(run("0123456789", [ins(4, "XY"), out])).toBe("01XY789");
  });

  it("does not take in inserts at its start or end", () => {
    expect(one(del(2, 3), [ins(2, "XY")])).toEqual(del(4, 3));
    expect(one(del(2, 3), [ins(5, "XY")])).toEqual(del(2, 3));
  });

  it("splits into as many pieces as there are inserts inside", () => {
    const out = one(del(0, 6), [ins(2, "a"), ins(5, "b")]);
    expect(out).toMatchObject({ pos: 0, len: 8, ranges: [{ pos: 0, len: 2 }, { pos: 3, len: 2 }, { pos: 6, len: 2 }] });
    expect(run("012345", [ins(2, "a"), ins(5, "b"), out])).toBe("ab");
  });
});

describe("delete vs delete", () => {
  it.each([
    ["disjoint, before", del(6, 2), del(1, 2), del(4, 2)],
    ["disjoint, after", del(1, 2), del(6, 2), del(1, 2)],
    ["overlapping its start", del(3, 4), del(1, 4), del(1, 2)],
    ["overlapping its end", del(3, 4), del(5, 4), del(3, 2)],
    ["inside it", del(2, 6), del(4, 2), del(2, 4)],
    ["covering it", del(3, 2), del(1, 6), del(1, 0)],
    ["identical", del(3, 2), del(3, 2), del(3, 0)],
  ])("%s", (_what, incoming, committed, expected) => {
    const out = one(incoming, [committed]);
    expect(out).toEqual(expected);
    expect(out).not.toHaveProperty("ranges");
  });

  it("a fully covered delete applies as a no-op", () => {
    const text = run("0123456789", [del(1, 6), one(del(3, 2), [del(1, 6)])]);
    expect(text).toBe("0789");
  });

  it("drops the pieces of a split delete that were deleted concurrently", () => {
    const split: CanonicalOp = { type: "delete", pos: 1, len: 6, ranges: [{ pos: 1, len: 2 }, { pos: 5, len: 2 }] };
    expect(one(split, [del(0, 4)])).toEqual(del(1, 2));
    // Both pieces go ("12", then "56" at 3..5 of "03456789"): len 0 where the last piece was.
    expect(one(split, [del(1, 2), del(3, 2)])).toEqual(del(3, 0));
  });
});

describe("format", () => {
  it("splits around inserts like a delete", () => {
    const out = one(fmt(1, 4), [ins(3, "zz")]);
    expect(out).toEqual({ ...fmt(1, 6), ranges: [{ pos: 1, len: 2 }, { pos: 5, len: 2 }] });
  });

  it("shrinks with deletes and empties when all its text goes", () => {
    expect(one(fmt(2, 4), [del(0, 3)])).toEqual(fmt(0, 3));
    expect(one(fmt(2, 4), [del(1, 8)])).toEqual(fmt(1, 0));
  });

  it("changes nothing it is transformed against", () => {
    const committed = [fmt(0, 5), { ...fmt(0, 9), ranges: [{ pos: 0, len: 2 }, { pos: 4, len: 5 }] }];
    for (const op of [ins(2, "x"), del(1, 3), fmt(1, 2), comment(1, 3)]) expect(one(op, committed)).toBe(op);
  });

  it("leaves text alone, so committed ops are not shifted by an incoming format", () => {
    expect(transformSeq([fmt(0, 3), ins(1, "x")], [ins(0, "ab")])).toEqual([fmt(2, 3), ins(3, "x")]);
  });
});

describe("comment anchors", () => {
  it.each([
    ["insert strictly inside grows it", ins(3, "xy"), { pos: 2, len: 5 }],
    ["insert at its start moves it", ins(2, "xy"), { pos: 4, len: 3 }],
    ["insert at its end leaves it", ins(5, "xy"), { pos: 2, len: 3 }],
    ["insert before moves it", ins(0, "x"), { pos: 3, len: 3 }],
    ["delete over its start shrinks it", del(1, 2), { pos: 1, len: 2 }],
    ["delete over its end shrinks it", del(4, 3), { pos: 2, len: 2 }],
    ["delete inside shrinks it", del(3, 1), { pos: 2, len: 2 }],
    ["delete of all of it empties it at the deletion point", del(1, 6), { pos: 1, len: 0 }],
    ["format changes nothing", fmt(0, 9), { pos: 2, len: 3 }],
  ])("%s", (_what, committed, anchor) => {
    expect(one(comment(2, 3), [committed])).toEqual({ ...comment(2, 3), anchor });
  });

  it("an empty anchor moves past inserts at its position", () => {
    expect(one(comment(2, 0), [ins(2, "ab")])).toEqual(comment(4, 0));
  });

  it("comments without anchors, reactions, tasks and acls pass through unchanged", () => {
    const ops: CanonicalOp[] = [
      { type: "comment", threadId: "t", body: "x" },
      { type: "reaction", threadId: "t", commentId: "c", emoji: "👍" },
      { type: "task", taskId: "k", assignee: "u", title: "T" },
      { type: "acl", userId: "u", role: "viewer" },
    ];
    const out = transformSeq(ops, [ins(0, "abc"), del(0, 2)]);
    out.forEach((op, i) => expect(op).toBe(ops[i]));
  });
});

describe("sequences", () => {
  it("transforms each incoming op past the committed ops and the incoming ops before it", () => {
    // Incoming: insert "x" at 0, then delete "23" (positions 3..5 after the insert).
    // Committed: insert "yy" at 2 (between "1" and "2").
    const incoming = [ins(0, "x"), del(3, 2)];
    const out = transformSeq(incoming, [ins(2, "yy")]);
    expect(out).toEqual([ins(0, "x"), del(5, 2)]);
    expect(run("012345", [ins(2, "yy"), ...out])).toBe("x01yy45");
  });

  it("returns the same objects when nothing is committed", () => {
    const incoming = [ins(0, "x"), del(0, 1)];
    expect(transformSeq(incoming, [])).toEqual(incoming);
    expect(transformSeq(incoming, [])[0]).toBe(incoming[0]);
  });

  it("accepts multi-range deletes from the log on both sides", () => {
    const logged: CanonicalOp = { type: "delete", pos: 1, len: 5, ranges: [{ pos: 1, len: 1 }, { pos: 4, len: 2 }] };
    const text = "0123456789";
    const a = transformSeq([ins(5, "Z")], [logged])[0];
    const b = transformSeq([logged], [ins(5, "Z")], "left")[0];
    expect(b).toEqual({ ...logged, len: 6, ranges: [{ pos: 1, len: 1 }, { pos: 4, len: 1 }, { pos: 6, len: 1 }] });
    expect(run(text, [logged, a])).toBe(run(text, [ins(5, "Z"), b]));
  });
});

describe("code points", () => {
  const text = "a😀b🇫🇷c𝒳d"; // a 😀 b 🇫 🇷 c 𝒳 d: 8 code points

  it("counts astral characters as one position each", () => {
    expect(one(ins(3, "!"), [ins(1, "👩‍👩‍👧")])).toEqual(ins(8, "!")); // the family emoji is 5 code points
    expect(run(text, [del(1, 1)])).toBe("ab🇫🇷c𝒳d");
    expect(run(text, [ins(4, "_")])).toBe("a😀b🇫_🇷c𝒳d");
  });

  it("splits a delete of emoji around an emoji insert", () => {
    const out = one(del(1, 5), [ins(3, "🎉")]);
    expect(out).toMatchObject({ ranges: [{ pos: 1, len: 2 }, { pos: 4, len: 3 }] });
    expect(run(text, [ins(3, "🎉"), out])).toBe("a🎉𝒳d");
  });
});
