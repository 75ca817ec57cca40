import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { insert, post, settled } from "./docs.js";
import { freshDoc, token } from "./http.js";
import { WsClient } from "./ws-client.js";

/* Bad messages and rejection notices over real WebSockets against the local stack. */

const tenant = `ws-err-${randomUUID().slice(0, 8)}`;
const open: WsClient[] = [];
async function client(sub = "alice"): Promise<WsClient> {
  const c = await WsClient.open({ tid: tenant, sub });
  open.push(c);
  return c;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

describe("bad messages", () => {
  const cases: Array<[string, string, string, RegExp, string?]> = [
    ["not JSON", "{oops", "invalid_message", /not JSON/],
    ["a JSON array", "[1,2,3]", "invalid_message", /must be a JSON object/],
    ["a JSON string", '"subscribe"', "invalid_message", /must be a JSON object/],
    ["no action", '{"docId":"d1"}', "invalid_message", /action: missing/],
    ["a non-string action", '{"action":["subscribe"]}', "invalid_message", /action: missing or not a string/],
    ["an unknown action", '{"action":"publish","docId":"d1"}', "unknown_action", /unknown action/, "d1"],
    ["a docId with #", '{"action":"subscribe","docId":"a#b"}', "invalid_request", /docId/],
    ["a missing docId", '{"action":"unsubscribe"}', "invalid_request", /docId: missing/],
    ["a negative after", '{"action":"subscribe","docId":"d1","after":-1}', "invalid_request", /after/, "d1"],
    ["a string after", '{"action":"subscribe","docId":"d1","after":"5"}', "invalid_request", /after/, "d1"],
    ["an array state", '{"action":"presence","docId":"d1","state":[1]}', "invalid_request", /state/, "d1"],
    [
      "a state over 1 KiB",
      JSON.stringify({ action: "presence", docId: "d1", state: { s: "x".repeat(1100) } }),
      "payload_too_large",
      /at most 1024 bytes/,
      "d1",
    ],
    ["presence without subscribing", '{"action":"presence","docId":"d1","state":{"a":1}}', "not_subscribed", /not subscribed to d1/, "d1"],
  ];

  it.each(cases)("%s gets its error code, and the connection stays usable", async (_what, body, code, message, docId) => {
    const c = await client();
    const error = await c.request(body, (m) => m.type === "error");
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    if (docId) expect(error.docId).toBe(docId);
    else expect(error).not.toHaveProperty("docId");
    expect(await c.request({ action: "ping" }, (m) => m.type === "pong")).toEqual({ type: "pong" });
  });

  it("more than 100 documents on one connection is too_many_subscriptions; the others keep working", async () => {
    const c = await client();
    for (let i = 0; i < 100; i++) c.send({ action: "subscribe", docId: `many-${i}` });
    await c.waitFor("100 subscribed", () => c.received.filter((m) => m.type === "subscribed").length === 100, { timeoutMs: 60_000 });
    const refused = await c.request({ action: "subscribe", docId: "one-too-many" }, (m) => m.type === "error");
    expect(refused).toMatchObject({ type: "error", code: "too_many_subscriptions", docId: "one-too-many" });
    expect(await c.subscribe("many-42", 0)).toBe(0);
    await c.request({ action: "unsubscribe", docId: "many-0" }, (m) => m.type === "unsubscribed");
    expect(await c.subscribe("one-too-many")).toBe(0);
  }, 90_000);
});

describe("rejected ops", () => {
  it("reach the submitter's connections subscribed to the document, and only those", async () => {
    const doc = freshDoc("ws-rejected");
    const [mine, mineElsewhere, theirs] = [await client("rita"), await client("rita"), await client("sam")];
    await mine.subscribe(doc);
    await mineElsewhere.subscribe(freshDoc("other"));
    await theirs.subscribe(doc);
    const t = await token({ tid: tenant, sub: "rita" });
    // Base 50 on an empty document: the sequencer rejects both ops.
    const r = await post(t, doc, { clientId: "rc", base: 50, ops: [insert("rej-1", 1, 0, "a"), insert("rej-2", 2, 1, "b")] });
    expect(r.status).toBe(202);
    await mine.waitFor("two rejections", () => mine.received.filter((m) => m.type === "rejected").length === 2);
    expect(mine.received.filter((m) => m.type === "rejected")).toEqual([
      { type: "rejected", docId: doc, id: "rej-1", reason: "base_ahead_of_head" },
      { type: "rejected", docId: doc, id: "rej-2", reason: "base_ahead_of_head" },
    ]);
    // The receipt says the same.
    expect(await settled(t, doc, "rej-1")).toMatchObject({ status: "rejected", reason: "base_ahead_of_head" });
    for (const c of [mineElsewhere, theirs]) {
      await c.settle();
      expect(c.received.some((m) => m.type === "rejected")).toBe(false);
    }
  });
});
