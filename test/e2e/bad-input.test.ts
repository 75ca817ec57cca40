import { beforeAll, describe, expect, test } from "vitest";
import { call, freshDoc, token } from "./http.js";
import { insert, post, readLog, waitForLog } from "./docs.js";

const ok = (ops: unknown[], extra: Record<string, unknown> = {}) => ({ clientId: "c1", base: 0, ops, ...extra });
const op = (fields: Record<string, unknown>) => ({ id: "o1", seq: 1, type: "insert", pos: 0, text: "x", ...fields });

/** Each case: a body (object → JSON, string → sent raw) and the code it must get. */
const cases: Array<[string, unknown, "invalid_request" | "payload_too_large"]> = [
  ["malformed JSON", '{"clientId": "c1", "base": 0, "ops": [', "invalid_request"],
  ["not an object", "[1,2,3]", "invalid_request"],
  ["missing clientId", { base: 0, ops: [op({})] }, "invalid_request"],
  ["bad clientId", ok([op({})], { clientId: "has space" }), "invalid_request"],
  ["base wrong type", ok([op({})], { base: "0" }), "invalid_request"],
  ["negative base", ok([op({})], { base: -1 }), "invalid_request"],
  ["empty ops", ok([]), "invalid_request"],
  ["unknown op type", ok([op({ type: "explode" })]), "invalid_request"],
  ["negative pos", ok([op({ pos: -1 })]), "invalid_request"],
  ["non-integer pos", ok([op({ pos: 1.5 })]), "invalid_request"],
  ["huge number", '{"clientId":"c1","base":0,"ops":[{"id":"o1","seq":1,"type":"insert","pos":1e400,"text":"x"}]}', "invalid_request"],
  ["too large integer", ok([op({ pos: 1e20 })]), "invalid_request"],
  ["string where number", ok([op({ seq: "1" })]), "invalid_request"],
  ["zero seq", ok([op({ seq: 0 })]), "invalid_request"],
  ["lone surrogate", '{"clientId":"c1","base":0,"ops":[{"id":"o1","seq":1,"type":"insert","pos":0,"text":"a\\ud800b"}]}', "invalid_request"],
  ["nested attrs", ok([{ id: "o1", seq: 1, type: "format", pos: 0, len: 1, attrs: { bold: { deep: { deeper: true } } } }]), "invalid_request"],
  ["oversized attrs", ok([{ id: "o1", seq: 1, type: "format", pos: 0, len: 1, attrs: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i])) }]), "invalid_request"],
  ["deeply nested JSON", `{"clientId":"c1","base":0,"ops":[${"[".repeat(100_000)}${"]".repeat(100_000)}]}`, "invalid_request"],
  ["bad op id", ok([op({ id: "has/slash" })]), "invalid_request"],
  ["empty op id", ok([op({ id: "" })]), "invalid_request"],
  ["duplicate op ids in change", ok([op({}), op({ seq: 2, pos: 1 })]), "invalid_request"],
  ["non-consecutive seqs", ok([op({}), op({ id: "o2", seq: 3 })]), "invalid_request"],
  ["unknown field", ok([op({ colour: "red" })]), "invalid_request"],
  ["bad acl role", ok([{ id: "o1", seq: 1, type: "acl", userId: "bob", role: "god" }]), "invalid_request"],
  ["too many ops", ok(Array.from({ length: 501 }, (_, i) => op({ id: `o${i}`, seq: i + 1 }))), "payload_too_large"],
  ["oversized op", ok([op({ text: "x".repeat(17 * 1024) })]), "payload_too_large"],
  ["oversized body", ok(Array.from({ length: 80 }, (_, i) => op({ id: `o${i}`, seq: i + 1, text: "y".repeat(15_000) }))), "payload_too_large"],
];

describe("bad input gets a clear 4xx, is quarantined, and harms nothing", () => {
  let t: string;
  let admin: string;
  const doc = freshDoc("bad");
  beforeAll(async () => {
    t = await token({ tid: "badinput" });
    admin = await token({ tid: "badinput", role: "admin" });
    await post(t, doc, { clientId: "keeper", base: 0, ops: [insert("k1", 1, 0, "keep me")] });
    await waitForLog(t, doc, 2); // alice's owner entry (seq 1) and k1
  });

  test.each(cases)("%s", async (label, body, code) => {
    const r = await call("POST", `/v1/docs/${doc}/ops`, { token: t, body });
    expect(r.status).toBe(code === "payload_too_large" ? 413 : 400);
    expect(r.body.error.code).toBe(code);
    expect(r.body.error.message.length).toBeGreaterThan(5);
    expect(Array.isArray(r.body.error.details)).toBe(true);
  });

  test("per-op details name every invalid op", async () => {
    const r = await call("POST", `/v1/docs/${doc}/ops`, {
      token: t,
      body: ok([op({}), op({ id: "o2", seq: 2, pos: -5 }), op({ id: "o3", seq: 3, type: "nope" })]),
    });
    expect(r.status).toBe(400);
    const indexes = r.body.error.details.map((d: any) => d.index);
    expect(indexes).toContain(1);
    expect(indexes).toContain(2);
    expect(indexes).not.toContain(0);
  });

  test("a bad docId is refused", async () => {
    const r = await call("POST", `/v1/docs/${"x".repeat(200)}/ops`, { token: t, body: ok([op({})]) });
    expect(r.status).toBe(400);
  });

  test("refused payloads are in the quarantine, and the stack is healthy with earlier data intact", async () => {
    const q = await call("GET", "/v1/admin/quarantine?limit=500", { token: admin });
    expect(q.status).toBe(200);
    const reasons = q.body.records.map((r: any) => r.reason);
    expect(reasons.filter((r: string) => r === "invalid_request").length).toBeGreaterThanOrEqual(20);
    expect(reasons).toContain("payload_too_large");
    const big = q.body.records.find((r: any) => r.reason === "payload_too_large" && r.size > 1024 * 1024);
    expect(big.truncated).toBe(true);
    expect(big.payload.length).toBeLessThan(big.size);
    const malformed = q.body.records.find((r: any) => r.payload === '{"clientId": "c1", "base": 0, "ops": [');
    expect(malformed).toMatchObject({ source: "ingest", docId: doc, userId: "alice", truncated: false });

    expect((await call("GET", "/health")).status).toBe(200);
    expect((await readLog(t, doc)).map((e) => e.id)).toEqual(["~owner", "k1"]);
    const more = await post(t, doc, { clientId: "keeper", base: 2, ops: [insert("k2", 2, 7, "!")] });
    expect(more.status).toBe(202);
    expect((await waitForLog(t, doc, 3)).map((e) => e.id)).toEqual(["~owner", "k1", "k2"]);
  });
});
