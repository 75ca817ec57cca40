import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyEntries, decodeState, emptyState, encodeState, materialize, OutdatedSnapshotError } from "../../src/materialize/index.js";
import { arbIntent, buildLog } from "./log-gen.js";

/** Fixed seeds: failures reproduce exactly. */
describe("canonical encoding", () => {
  it("incremental application in random batch splits encodes byte-identically to one-shot materialize", () => {
    fc.assert(
      fc.property(fc.array(arbIntent, { minLength: 1, maxLength: 60 }), fc.array(fc.nat(60), { maxLength: 8 }), (intents, cuts) => {
        const entries = buildLog(intents);
        const oneShot = encodeState(materialize(entries));
        const bounds = [...new Set(cuts.map((c) => c % (entries.length + 1)))].sort((a, b) => a - b);
        let state = emptyState();
        let from = 0;
        for (const to of [...bounds, entries.length]) {
          state = applyEntries(state, entries.slice(from, to));
          from = to;
        }
        expect(encodeState(state)).toBe(oneShot);
        // Through a snapshot: decode at a cut, continue from there.
        const mid = bounds[0] ?? 0;
        const resumed = applyEntries(decodeState(encodeState(materialize(entries.slice(0, mid)))), entries.slice(mid));
        expect(encodeState(resumed)).toBe(oneShot);
        expect(encodeState(decodeState(oneShot))).toBe(oneShot);
      }),
      { seed: 20_250_611, numRuns: 400 },
    );
  });

  it("sorts keys everywhere and has no whitespace", () => {
    const s = materialize([
      { seq: 1, id: "a", clientId: "c", clientSeq: 1, userId: "z", serverTs: 9, type: "insert", pos: 0, text: "hi" },
      { seq: 2, id: "b", clientId: "c", clientSeq: 2, userId: "z", serverTs: 10, type: "format", pos: 0, len: 2, attrs: { z: 1, a: true } },
      { seq: 3, id: "d", clientId: "c", clientSeq: 3, serverTs: 11, userId: "z", type: "acl", targetUserId: "m", role: "viewer" },
      { seq: 4, id: "e", clientId: "c", clientSeq: 4, serverTs: 12, userId: "z", type: "acl", targetUserId: "b", role: "owner" },
      { seq: 5, id: "f", clientId: "c", clientSeq: 5, serverTs: 13, userId: "z", type: "acl", targetGroupId: "eng", role: "editor" },
      { seq: 6, id: "g", clientId: "c", clientSeq: 6, serverTs: 14, userId: "z", type: "acl", targetGroupId: "admins", role: "viewer" },
    ]);
    // Seq 1 is an insert: a pre-access-control document, everyone editor, its author z owner.
    expect(encodeState(s)).toBe(
      '{"acl":{"everyone":"editor","groups":{"admins":"viewer","eng":"editor"},"users":{"b":"owner","m":"viewer","z":"owner"}},' +
        '"spans":[{"attrs":{"a":true,"z":1},"text":"hi"}],"tasks":{},"text":"hi","threads":{},"updatedAt":14,"version":6}',
    );
  });

  it("decodeState throws OutdatedSnapshotError for a snapshot from before access control (flat acl), a plain Error for a corrupt one", () => {
    const current = encodeState(materialize([{ seq: 1, id: "a", clientId: "c", clientSeq: 1, userId: "z", serverTs: 9, type: "insert", pos: 0, text: "hi" }]));
    expect(decodeState(current).acl).toEqual({ users: { z: "owner" }, groups: {}, everyone: "editor" });
    // What encodeState wrote before: the acl a flat user -> role map (empty for a document without entries).
    const flat = current.replace(/"acl":\{.*?\}\},/, '"acl":{"z":"owner"},');
    expect(flat).toContain('"acl":{"z":"owner"},"spans"');
    expect(() => decodeState(flat)).toThrow(OutdatedSnapshotError);
    expect(() => decodeState(current.replace(/"acl":\{.*?\}\},/, '"acl":{},'))).toThrow(OutdatedSnapshotError);
    // Half a DocAcl is outdated too (no everyone entry), never read as a state.
    expect(() => decodeState(current.replace(/"everyone":"editor",/, ""))).toThrow(OutdatedSnapshotError);
    // A corrupt acl is not "outdated": readers must not paper over it by replaying.
    for (const bad of [current.replace(/"acl":\{.*?\}\},/, '"acl":"owner",'), current.replace(/"acl":\{.*?\}\},/, '"acl":null,')]) {
      expect(() => decodeState(bad)).toThrow(/acl is not an object/);
      expect(() => decodeState(bad)).not.toThrow(OutdatedSnapshotError);
    }
  });

  it("decodeState refuses spans that do not cover the text", () => {
    const bad = encodeState(emptyState()).replace('"text":""', '"text":"x"');
    expect(() => decodeState(bad)).toThrow(/spans do not cover text/);
  });
});
