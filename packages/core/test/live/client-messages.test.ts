import { describe, expect, it } from "vitest";
import { parseClientMessage } from "../../src/live/client-messages.js";
import { MAX_PRESENCE_BYTES } from "../../src/live/limits.js";

const ok = (body: string) => {
  const r = parseClientMessage(body);
  if (!r.ok) throw new Error(`refused: ${JSON.stringify(r.error)}`);
  return r.message;
};
const refusal = (body: string | undefined) => {
  const r = parseClientMessage(body);
  if (r.ok) throw new Error(`accepted: ${JSON.stringify(r.message)}`);
  return r.error;
};

describe("parseClientMessage: valid messages", () => {
  it("subscribe with and without after; unknown fields are dropped", () => {
    expect(ok('{"action":"subscribe","docId":"doc-1.v2_x","after":0}')).toEqual({ action: "subscribe", docId: "doc-1.v2_x", after: 0 });
    expect(ok('{"action":"subscribe","docId":"d","extra":[1,2]}')).toEqual({ action: "subscribe", docId: "d" });
    expect(ok(`{"action":"subscribe","docId":"d","after":2147483647}`)).toMatchObject({ after: 2147483647 });
  });

  it("unsubscribe, ping", () => {
    expect(ok('{"action":"unsubscribe","docId":"d"}')).toEqual({ action: "unsubscribe", docId: "d" });
    expect(ok('{"action":"ping","docId":"ignored"}')).toEqual({ action: "ping" });
  });

  it("presence with an object state, or null (leave); exactly MAX_PRESENCE_BYTES is accepted", () => {
    expect(ok('{"action":"presence","docId":"d","state":{"cursor":{"pos":3},"name":"Zoë 👋"}}')).toEqual({
      action: "presence",
      docId: "d",
      state: { cursor: { pos: 3 }, name: "Zoë 👋" },
    });
    expect(ok('{"action":"presence","docId":"d","state":null}')).toEqual({ action: "presence", docId: "d", state: null });
    const filler = "é".repeat((MAX_PRESENCE_BYTES - '{"a":""}'.length) / 2);
    expect(ok(JSON.stringify({ action: "presence", docId: "d", state: { a: filler } }))).toMatchObject({ state: { a: filler } });
  });
});

describe("parseClientMessage: refusals carry the protocol's codes", () => {
  it.each([
    ["not JSON", "{nope", /not JSON/],
    ["empty body", "", /not JSON/],
    ["no body", undefined, /not JSON/],
    ["an array", "[1,2]", /JSON object, got an array/],
    ["a string", '"subscribe"', /JSON object/],
    ["null", "null", /JSON object, got null/],
    ["no action", '{"docId":"d"}', /action: missing/],
    ["a numeric action", '{"action":7}', /action: missing or not a string \(got 7\)/],
  ])("invalid_message: %s", (_what, body, message) => {
    const e = refusal(body);
    expect(e.code).toBe("invalid_message");
    expect(e.message).toMatch(message);
  });

  it("unknown_action names the action and echoes a valid docId", () => {
    expect(refusal('{"action":"publish","docId":"d1"}')).toEqual({
      code: "unknown_action",
      message: 'unknown action the string "publish"; expected one of subscribe, unsubscribe, presence, ping',
      docId: "d1",
    });
    expect(refusal('{"action":"$default"}')).toMatchObject({ code: "unknown_action" });
  });

  it.each([
    ["missing docId", '{"action":"subscribe"}', /docId: missing/],
    ["docId with #", '{"action":"subscribe","docId":"a#b"}', /docId: expected a document id/],
    ["docId too long", JSON.stringify({ action: "unsubscribe", docId: "x".repeat(129) }), /docId/],
    ["numeric docId", '{"action":"presence","docId":5,"state":null}', /docId: expected a document id .* got 5/],
    ["negative after", '{"action":"subscribe","docId":"d","after":-1}', /after: expected an integer 0\.\.2147483647, got -1/],
    ["fractional after", '{"action":"subscribe","docId":"d","after":1.5}', /after/],
    ["string after", '{"action":"subscribe","docId":"d","after":"3"}', /after: .* got the string "3"/],
    ["after too large", '{"action":"subscribe","docId":"d","after":2147483648}', /after/],
    ["null after", '{"action":"subscribe","docId":"d","after":null}', /after/],
    ["array state", '{"action":"presence","docId":"d","state":[1]}', /state: expected a JSON object or null, got an array/],
    ["string state", '{"action":"presence","docId":"d","state":"hi"}', /state: .* got the string "hi"/],
    ["missing state", '{"action":"presence","docId":"d"}', /state: .* got nothing/],
  ])("invalid_request: %s", (_what, body, message) => {
    const e = refusal(body);
    expect(e.code).toBe("invalid_request");
    expect(e.message).toMatch(message);
  });

  it("invalid_request echoes the docId only when it is valid", () => {
    expect(refusal('{"action":"subscribe","docId":"d7","after":-1}').docId).toBe("d7");
    expect(refusal('{"action":"subscribe","docId":"a#b"}')).not.toHaveProperty("docId");
  });

  it("payload_too_large: a state one byte over the limit (counted in UTF-8 bytes), and a deeply nested one", () => {
    const filler = "é".repeat((MAX_PRESENCE_BYTES - '{"a":""}'.length) / 2) + "x";
    expect(refusal(JSON.stringify({ action: "presence", docId: "d", state: { a: filler } }))).toEqual({
      code: "payload_too_large",
      message: `state is ${MAX_PRESENCE_BYTES + 1} bytes; at most ${MAX_PRESENCE_BYTES} bytes of JSON`,
      docId: "d",
    });
    const deep = '{"a":'.repeat(100_000) + "1" + "}".repeat(100_000);
    const r = parseClientMessage(`{"action":"presence","docId":"d","state":${deep}}`);
    expect(r).toMatchObject({ ok: false, error: { code: "payload_too_large" } });
  });
});
