import { describe, expect, it } from "vitest";
import type { DocAcl, DocRef } from "@weft/core";
import type { NotifyIntent } from "@weft/core/notify/engine/index";
import type { FanoutChunk } from "@weft/core/notify/fanout/index";
import { readAccessOf } from "@weft/core/notify/sources/committed-intents";
import { runChunk } from "../../src/notify/submit.js";
import type { Wiring } from "../../src/wiring.js";

/**
 * runChunk judges readAccess again from the document's current ACL (fresh, once per document
 * in the chunk): a user revoked inside the fan-out window gets nothing about the document.
 */

const intent = (userId: string, readAccess: true | readonly string[], docId = "roadmap"): NotifyIntent => ({
  tenant: "acme",
  eventId: `${docId}.9`,
  userId,
  class: "social",
  topic: "mentions",
  actorId: "olga",
  docId,
  title: "olga mentioned you in Roadmap",
  body: "the launch date is...",
  at: 1_000,
  readAccess,
});

describe("runChunk", () => {
  it("rebuilds each intent's readAccess from one fresh ACL read per document, never per recipient", async () => {
    const atBatch: DocAcl = { users: { olga: "owner", ann: "viewer", bob: "viewer" }, groups: {}, everyone: "none" };
    const nowAcl: DocAcl = { users: { olga: "owner", ann: "viewer" }, groups: { eng: "viewer" }, everyone: "none" };
    const planAcl: DocAcl = { users: { olga: "owner" }, groups: {}, everyone: "viewer" };
    const access = readAccessOf(atBatch);
    const recipients = ["ann", "bob", ...Array.from({ length: 60 }, (_, i) => `u${i}`)];
    const chunk: FanoutChunk = {
      index: 0,
      dueAt: 60_000,
      intents: [...recipients.map((u) => intent(u, access(u))), intent("cat", [], "plan"), { ...intent("dan", true), docId: undefined, readAccess: undefined }],
    };
    const reads: Array<[string, boolean | undefined]> = [];
    const decided = new Map<string, NotifyIntent[]>();
    let finished = 0;
    const w = {
      acls: {
        read: async (doc: DocRef, opts: { fresh?: boolean } = {}) => {
          reads.push([doc.docId, opts.fresh]);
          return doc.docId === "plan" ? planAcl : nowAcl;
        },
      },
      notify: {
        fanout: {
          chunk: async () => chunk,
          finish: async () => {
            finished++;
          },
        },
        service: {
          handleIntents: async (user: { userId: string }, list: NotifyIntent[]) => {
            decided.set(user.userId, list);
          },
        },
      },
    } as unknown as Wiring;

    expect(await runChunk(w, "acme", "job", 0)).toBe(recipients.length + 2);
    expect(reads.sort()).toEqual([
      ["plan", true],
      ["roadmap", true],
    ]);
    expect(finished).toBe(1);
    expect(decided.get("ann")![0].readAccess).toBe(true);
    // Revoked inside the fan-out window: only the eng group could let bob read now (he is not seen in it).
    expect(decided.get("bob")![0].readAccess).toEqual(["eng"]);
    expect(decided.get("u0")![0].readAccess).toEqual(["eng"]);
    // Granted meanwhile (everyone may read plan now).
    expect(decided.get("cat")![0].readAccess).toBe(true);
    // Not about a document: left as it was.
    expect(decided.get("dan")![0].readAccess).toBeUndefined();
    expect(decided.get("ann")![0]).toEqual(chunk.intents[0]);
  });

  it("a finished chunk reads no ACL", async () => {
    let reads = 0;
    const w = {
      acls: { read: async () => (reads++, undefined) },
      notify: { fanout: { chunk: async () => undefined } },
    } as unknown as Wiring;
    expect(await runChunk(w, "acme", "job", 3)).toBe(0);
    expect(reads).toBe(0);
  });
});
