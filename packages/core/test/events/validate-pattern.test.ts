import { describe, expect, test } from "vitest";
import { validatePattern } from "../../src/events/index.js";

/** [case name, pattern, substring expected in one of the errors]. */
const rejected: readonly (readonly [string, unknown, string])[] = [
  ["null", null, "JSON object"],
  ["string", "aws.ec2", "JSON object"],
  ["array", [{ source: ["x"] }], "JSON object"],
  ["empty pattern", {}, "empty objects"],
  ["empty nested object", { detail: {} }, "empty objects"],
  ["leaf that is not an array (string)", { source: "aws.ec2" }, "must be an object or an array"],
  ["leaf that is not an array (number)", { n: 5 }, "must be an object or an array"],
  ["leaf that is not an array (null)", { n: null }, "must be an object or an array"],
  ["empty array", { source: [] }, "empty arrays"],
  ["nested array value", { source: [["a"]] }, "match values must be"],
  ["non-finite number", { n: [Infinity] }, "finite"],
  ["unknown operator", { source: [{ contains: "ec2" }] }, 'unrecognized match type "contains"'],
  ["operator object with two keys", { source: [{ prefix: "a", suffix: "b" }] }, "exactly one key"],
  ["empty operator object", { source: [{}] }, "exactly one key"],
  ["prefix with number", { source: [{ prefix: 1 }] }, "prefix match pattern must be a string"],
  ["prefix with unknown inner", { source: [{ prefix: { wildcard: "a*" } }] }, "prefix accepts"],
  ["prefix ignore-case with number", { source: [{ prefix: { "equals-ignore-case": 1 } }] }, "must be a string"],
  ["suffix with array", { source: [{ suffix: [".png"] }] }, "suffix match pattern must be a string"],
  ["equals-ignore-case with number", { source: [{ "equals-ignore-case": 1 }] }, "must be a string"],
  ["exists with string", { source: [{ exists: "true" }] }, "true or false"],
  ["cidr bare address", { ip: [{ cidr: "10.0.0.1" }] }, "not a valid"],
  ["cidr prefix too long", { ip: [{ cidr: "10.0.0.0/33" }] }, "not a valid"],
  ["cidr bad octet", { ip: [{ cidr: "10.0.0.256/8" }] }, "not a valid"],
  ["cidr bad IPv6", { ip: [{ cidr: "2001:db8:::/32" }] }, "not a valid"],
  ["wildcard consecutive stars", { v: [{ wildcard: "a**b" }] }, "consecutive"],
  ["wildcard bad escape", { v: [{ wildcard: "a\\b" }] }, "backslash"],
  ["wildcard trailing backslash", { v: [{ wildcard: "a\\" }] }, "backslash"],
  ["wildcard not a string", { v: [{ wildcard: 1 }] }, "must be a string"],
  ["numeric not an array", { n: [{ numeric: ">" }] }, "must be an array"],
  ["numeric empty", { n: [{ numeric: [] }] }, "operator first"],
  ["numeric unknown operator", { n: [{ numeric: ["!=", 1] }] }, 'unrecognized operator "!="'],
  ["numeric string operand", { n: [{ numeric: [">", "1"] }] }, "must be a number"],
  ["numeric missing operand", { n: [{ numeric: [">"] }] }, "must be a number"],
  ["numeric = with extra terms", { n: [{ numeric: ["=", 1, "<", 2] }] }, "too many"],
  ["numeric < as lower bound", { n: [{ numeric: ["<", 1, ">", 0] }] }, "too many"],
  ["numeric bad upper operator", { n: [{ numeric: [">", 0, ">", 5] }] }, "bad upper-bound"],
  ["numeric range with = upper", { n: [{ numeric: [">", 0, "=", 5] }] }, "bad upper-bound"],
  ["numeric three comparisons", { n: [{ numeric: [">", 0, "<", 5, "<", 6] }] }, "too many"],
  ["numeric inverted range", { n: [{ numeric: [">", 5, "<", 0] }] }, "less than"],
  ["numeric empty range", { n: [{ numeric: [">=", 5, "<=", 5] }] }, "less than"],
  ["numeric operand above 5e9", { n: [{ numeric: ["<", 5.1e9] }] }, "outside"],
  ["numeric operand below -5e9", { n: [{ numeric: [">", -6e9] }] }, "outside"],
  ["anything-but null", { v: [{ "anything-but": null }] }, "anything-but"],
  ["anything-but boolean", { v: [{ "anything-but": true }] }, "anything-but"],
  ["anything-but mixed list", { v: [{ "anything-but": ["a", 1] }] }, "mixed"],
  ["anything-but empty list", { v: [{ "anything-but": [] }] }, "must not be empty"],
  ["anything-but list with null", { v: [{ "anything-but": ["a", null] }] }, "only hold strings or numbers"],
  ["anything-but unknown inner", { v: [{ "anything-but": { numeric: [">", 1] } }] }, 'unsupported anything-but pattern "numeric"'],
  ["anything-but inner with two keys", { v: [{ "anything-but": { prefix: "a", suffix: "b" } }] }, "exactly one key"],
  ["anything-but empty prefix", { v: [{ "anything-but": { prefix: "" } }] }, "must not be empty"],
  ["anything-but empty suffix in list", { v: [{ "anything-but": { suffix: [".png", ""] } }] }, "must not be empty"],
  ["anything-but prefix number", { v: [{ "anything-but": { prefix: 1 } }] }, "must be strings"],
  ["anything-but ignore-case number list", { v: [{ "anything-but": { "equals-ignore-case": [1] } }] }, "must be strings"],
  ["anything-but bad wildcard", { v: [{ "anything-but": { wildcard: "**" } }] }, "consecutive"],
  ["$or not an array", { $or: { a: ["x"] } }, "must be an array"],
  ["$or with one branch", { $or: [{ a: ["x"] }] }, "at least 2"],
  ["$or with non-object branch", { $or: [{ a: ["x"] }, ["b"]] }, "must be an object"],
  ["$or with empty branch", { $or: [{ a: ["x"] }, {}] }, "empty objects"],
  ["operator name as field inside $or", { $or: [{ numeric: [">", 1] }, { prefix: ["abc"] }] }, "reserved"],
  ["reserved name nested inside $or", { $or: [{ a: { prefix: ["x"] } }, { b: ["y"] }] }, "reserved"],
  ["error deep in a branch", { $or: [{ a: ["x"] }, { b: [{ numeric: [">", "1"] }] }] }, "must be a number"],
];

const accepted: readonly (readonly [string, unknown])[] = [
  ["exact scalars of every type", { a: ["s", 1, -2.5, true, false, null, ""] }],
  ["operator name as an ordinary field", { prefix: ["x"], detail: { numeric: [1] } }],
  ["empty prefix", { a: [{ prefix: "" }] }],
  ["numeric at the limits", { a: [{ numeric: [">=", -5e9, "<=", 5e9] }] }],
  ["anything-but number list", { a: [{ "anything-but": [1, 2.5] }] }],
  ["anything-but suffix list", { a: [{ "anything-but": { suffix: [".png", ".jpg"] } }] }],
  ["exists false", { a: [{ exists: false }] }],
  ["IPv6 cidr", { a: [{ cidr: "::ffff:10.0.0.0/104" }] }],
  ["$or nested in $or", { $or: [{ a: ["x"] }, { b: ["y"], $or: [{ c: [1] }, { d: [2] }] }] }],
  ["$or inside a nested object", { detail: { $or: [{ a: ["x"] }, { b: ["y"] }] } }],
];

describe("validatePattern rejects", () => {
  test.each(rejected)("%s", (_name, pattern, fragment) => {
    const v = validatePattern(pattern);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.errors.some((e) => e.includes(fragment)), v.errors.join(" | ")).toBe(true);
  });
});

describe("validatePattern accepts", () => {
  test.each(accepted)("%s", (_name, pattern) => {
    const v = validatePattern(pattern);
    expect(v).toEqual({ ok: true, pattern });
  });
});

test("all errors are reported, each with its path", () => {
  const v = validatePattern({ a: [], detail: { b: "x", c: [{ nope: 1 }] } });
  expect(v.ok).toBe(false);
  if (!v.ok) {
    expect(v.errors).toHaveLength(3);
    expect(v.errors.join("\n")).toMatch(/"a"[\s\S]*"detail\.b"[\s\S]*"detail\.c"/);
  }
});
