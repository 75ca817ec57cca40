import { describe, expect, it } from "vitest";
import { opSchema, uncommentOpSchema } from "../../src/ops/schema.js";
import { accepted, change, refused } from "./helpers.js";

const OK = { type: "uncomment", threadId: "t1", commentId: "alice-3" };

/** The one detail of refusing `op` (as the only op of a change). */
function refusal(op: Record<string, unknown>) {
  const err = refused(change([op]), "invalid_request");
  expect(err.details).toHaveLength(1);
  expect(err.details[0]).toMatchObject({ index: 0, id: "o1" });
  expect(err.message).toBe(`invalid change: ${err.details[0].path}: ${err.details[0].issue}`);
  return err.details[0];
}

describe("uncomment op: validation", () => {
  it("accepts {type, threadId, commentId} (with ts) and returns it as sent", () => {
    const op = { id: "x-1", seq: 4, ts: 1714000000000, ...OK };
    expect(accepted(JSON.stringify({ clientId: "c", base: 3, ops: [op] })).ops).toEqual([op]);
    expect(uncommentOpSchema.safeParse(op).success).toBe(true);
    expect(opSchema.parse(op)).toEqual(op);
  });

  it.each([
    ["without commentId", { type: "uncomment", threadId: "t1" }, "ops[0].commentId", "missing; expected an id matching [A-Za-z0-9_-]{1,64}"],
    ["without threadId", { type: "uncomment", commentId: "c1" }, "ops[0].threadId", "missing; expected an id matching [A-Za-z0-9_-]{1,64}"],
    ["with an empty commentId", { ...OK, commentId: "" }, "ops[0].commentId", 'expected an id matching [A-Za-z0-9_-]{1,64}, got the string ""'],
    ["with a commentId too long", { ...OK, commentId: "c".repeat(65) }, "ops[0].commentId", "expected an id matching [A-Za-z0-9_-]{1,64}, got a string"],
    ["with a commentId of bad characters", { ...OK, commentId: "c 1/2" }, "ops[0].commentId", 'expected an id matching [A-Za-z0-9_-]{1,64}, got the string "c 1/2"'],
    ["with a numeric commentId", { ...OK, commentId: 42 }, "ops[0].commentId", "expected an id matching [A-Za-z0-9_-]{1,64}, got 42"],
    ["with a null threadId", { ...OK, threadId: null }, "ops[0].threadId", "expected an id matching [A-Za-z0-9_-]{1,64}, got null"],
    ["with an object threadId", { ...OK, threadId: { id: "t1" } }, "ops[0].threadId", "expected an id matching [A-Za-z0-9_-]{1,64}, got an object"],
    ["with a body (not a field of uncomment)", { ...OK, body: "x" }, "ops[0].body", "unknown key"],
    ["with an emoji (not a field of uncomment)", { ...OK, emoji: "👍" }, "ops[0].emoji", "unknown key"],
  ])("refuses an uncomment %s, naming the field", (_what, op, path, issue) => {
    expect(refusal(op)).toEqual({ index: 0, id: "o1", path, issue });
  });

  it("reports every problem of a bad uncomment, and a bad one sinks its whole change", () => {
    const err = refused(change([{ type: "insert", pos: 0, text: "ok" }, { type: "uncomment", threadId: "t 1", commentId: "", extra: 1 }]), "invalid_request");
    expect(err.details.map((d) => [d.index, d.path])).toEqual([
      [1, "ops[1].threadId"],
      [1, "ops[1].commentId"],
      [1, "ops[1].extra"],
    ]);
  });

  it("is listed among the known types when the type is unknown", () => {
    const d = refusal({ type: "uncoment", threadId: "t1", commentId: "c1" });
    expect(d.path).toBe("ops[0].type");
    expect(d.issue).toContain("uncomment");
  });
});
