import { describe, expect, test } from "vitest";
import type { DocAcl } from "../../../src/access/doc-acl.js";
import { withRole } from "../../../src/access/doc-acl.js";
import type { NotifyIntent } from "../../../src/notify/engine/index.js";
import { readAccessOf, withCurrentReadAccess } from "../../../src/notify/sources/committed-intents.js";

/**
 * readAccess judged again when an intent is decided late (a queued fan-out chunk), and
 * readAccessOf's reading of user entries (own properties only, as core's memberRole).
 */

const intent = (userId: string, over: Partial<NotifyIntent> = {}): NotifyIntent => ({
  tenant: "acme",
  eventId: "roadmap.7",
  userId,
  class: "social",
  topic: "mentions",
  actorId: "olga",
  docId: "roadmap",
  title: "olga mentioned you in Roadmap",
  body: "look",
  at: 1_000,
  readAccess: true,
  ...over,
});

const acl = (users: DocAcl["users"], groups: DocAcl["groups"] = {}, everyone: DocAcl["everyone"] = "none"): DocAcl => ({ users, groups, everyone });

describe("withCurrentReadAccess", () => {
  test("rebuilds readAccess from each document's ACL now, one read per document whatever the recipients", async () => {
    const now = new Map<string, DocAcl | undefined>([
      ["roadmap", acl({ olga: "owner", ann: "viewer" }, { eng: "viewer" })],
      ["plan", acl({ olga: "owner" }, {}, "commenter")],
      ["gone", undefined],
    ]);
    const reads: string[] = [];
    const readAcl = async (doc: { tenant: string; docId: string }) => {
      reads.push(`${doc.tenant}/${doc.docId}`);
      return now.get(doc.docId);
    };
    const intents = [
      intent("ann"), // still a viewer
      intent("bob"), // revoked since the batch: only groups could let him read now
      intent("cat", { readAccess: ["eng"] }),
      intent("dan", { docId: "plan", eventId: "plan.3", readAccess: [] }), // everyone may read now
      intent("eve", { docId: "gone", eventId: "gone.2" }), // no ACL: nobody reads
      intent("fay", { docId: undefined, readAccess: undefined }), // an app event: not judged
      intent("gus", { readAccess: undefined }), // about a document but carrying no readAccess: not judged
      ...Array.from({ length: 50 }, (_, i) => intent(`u${i}`)),
    ];
    const out = await withCurrentReadAccess(intents, readAcl);
    expect(reads.sort()).toEqual(["acme/gone", "acme/plan", "acme/roadmap"]);
    expect(out.slice(0, 7).map((i) => [i.userId, i.readAccess])).toEqual([
      ["ann", true],
      ["bob", ["eng"]],
      ["cat", ["eng"]],
      ["dan", true],
      ["eve", []],
      ["fay", undefined],
      ["gus", undefined],
    ]);
    // Everything else of each intent is kept, and the input is not changed.
    expect(out.map((i) => ({ ...i, readAccess: undefined }))).toEqual(intents.map((i) => ({ ...i, readAccess: undefined })));
    expect(intents[1].readAccess).toBe(true);
  });

  test("a user revoked after the batch is judged unable to read", async () => {
    const before = acl({ olga: "owner", ann: "editor" });
    const after = withRole(before, { userId: "ann" }, "none");
    const [late] = await withCurrentReadAccess([intent("ann", { readAccess: readAccessOf(before)("ann") })], async () => after);
    expect(late.readAccess).toEqual([]);
  });

  test("no intent about a document: no read", async () => {
    let reads = 0;
    const out = await withCurrentReadAccess([intent("fay", { docId: undefined, readAccess: undefined })], async () => {
      reads++;
      return undefined;
    });
    expect(reads).toBe(0);
    expect(out).toHaveLength(1);
  });
});

describe("readAccessOf", () => {
  test("user ids named like Object.prototype members are ordinary ids", () => {
    const access = readAccessOf(acl({ olga: "owner" }, { eng: "viewer" }));
    for (const id of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"]) expect(access(id)).toEqual(["eng"]);
    expect(access("olga")).toBe(true);
    const odd = withRole(withRole(acl({}), { userId: "__proto__" }, "viewer"), { userId: "constructor" }, "commenter");
    const oddAccess = readAccessOf(odd);
    expect(oddAccess("__proto__")).toBe(true);
    expect(oddAccess("constructor")).toBe(true);
    expect(oddAccess("toString")).toEqual([]);
  });

  test("the everyone entry or the user's own entry grants read; else the reading groups", () => {
    expect(readAccessOf(acl({}, { eng: "viewer" }, "viewer"))("anyone")).toBe(true);
    expect(readAccessOf(acl({ ann: "viewer" }, { eng: "commenter" }))("ann")).toBe(true);
    expect(readAccessOf(acl({ ann: "viewer" }, { eng: "commenter" }))("bob")).toEqual(["eng"]);
  });
});
