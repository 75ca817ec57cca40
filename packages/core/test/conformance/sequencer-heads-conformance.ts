import { describe, expect, it } from "vitest";
import type { DocAcl } from "../../src/access/doc-acl.js";
import type { LogStore } from "../../src/ports/log-store.js";
import type { ClientState } from "../../src/ports/records.js";
import type { SequencerHeads } from "../../src/ports/sequencer-heads.js";
import type { SequencerStateStore } from "../../src/ports/sequencer-state-store.js";
import { batchOf, newDoc, smallEntries, variedEntries } from "./fixtures.js";

export interface SequencerHeadsPorts {
  state: SequencerStateStore;
  log: LogStore;
  heads: SequencerHeads;
}

function client(clientId: string, next: number, extra: Partial<ClientState> = {}): ClientState {
  return { clientId, next, held: [], skipped: [], ...extra };
}

const ACL: DocAcl = { users: { owner1: "owner", "ü-2": "editor" }, groups: {}, everyone: "none" };

/**
 * SequencerHeads contract suite: `factory` returns a heads port with the state store and log
 * of the same backing store (which may be shared between calls: tests use fresh documents).
 */
export function runSequencerHeadsConformance(name: string, factory: () => Promise<SequencerHeadsPorts>): void {
  describe(`SequencerHeads conformance: ${name}`, () => {
    it("a new document: checkpoint 0, nothing holding, no saves, no tail, no clients", async () => {
      const { heads } = await factory();
      const doc = newDoc();
      expect(await heads.head(doc)).toEqual({ checkpoint: 0, holding: [], saves: 0, tail: undefined });
      expect(await heads.clients(doc, ["a"], 0)).toEqual(new Map());
    });

    it("head is the stored checkpoint, holding set, ACL and saves with the log's tail, as state.load and log.tail read them", async () => {
      const { state, log, heads } = await factory();
      const doc = newDoc();
      await log.append(batchOf(doc, smallEntries(1, 3), 3));
      const last = batchOf(doc, variedEntries(4), 11);
      await log.append(last);
      const held = client("h", 2, { held: [{ firstSeq: 4, lastSeq: 5, heldAt: 77 }] });
      await state.save(doc, [client("a", 4), held], 3, ["h"], ACL);
      const head = await heads.head(doc);
      expect(head).toEqual({ checkpoint: 3, holding: ["h"], acl: ACL, saves: 1, tail: last });
      expect(head.tail).toEqual(await log.tail(doc));
      const loaded = await state.load(doc, []);
      expect({ checkpoint: loaded.checkpoint, holding: loaded.holding, saves: loaded.saves, acl: loaded.acl }).toEqual({
        checkpoint: head.checkpoint,
        holding: head.holding,
        saves: head.saves,
        acl: head.acl,
      });
    });

    it("saves counts every completed save, also one that does not raise the checkpoint", async () => {
      const { state, heads } = await factory();
      const doc = newDoc();
      await state.save(doc, [client("a", 2)], 5, []);
      await state.save(doc, [client("a", 3)], 4, ["a"]);
      await state.save(doc, [], 9, []);
      const head = await heads.head(doc);
      expect(head.saves).toBe(3);
      expect(head.checkpoint).toBe(9);
      expect((await state.load(doc, [])).saves).toBe(3);
    });

    it("clients returns exactly the requested clients ever saved, deep-equal", async () => {
      const { state, heads } = await factory();
      const doc = newDoc();
      const a = client("a", 5, { skipped: [[2, 3]] });
      const h = client("h", 3, { held: [{ firstSeq: 5, lastSeq: 6, heldAt: 1 }] });
      await state.save(doc, [a, client("b", 2), h], 1, ["h"]);
      const { saves } = await heads.head(doc);
      expect(await heads.clients(doc, ["a", "never"], saves)).toEqual(new Map([["a", a]]));
      expect(await heads.clients(doc, ["a", "h", "a"], saves)).toEqual(new Map([["a", a], ["h", h]]));
      expect(await heads.clients(doc, [], saves)).toEqual(new Map());
      // A later save, seen by the next head: its states are read.
      const a2 = client("a", 9);
      await state.save(doc, [a2], 2, ["h"]);
      const after = await heads.head(doc);
      expect(after.saves).toBe(saves + 1);
      expect(await heads.clients(doc, ["a", "h"], after.saves)).toEqual(new Map([["a", a2], ["h", h]]));
    });

    it("what clients returns is the caller's: changing it changes nothing stored", async () => {
      const { state, heads } = await factory();
      const doc = newDoc();
      await state.save(doc, [client("a", 5)], 1, []);
      const { saves } = await heads.head(doc);
      const first = await heads.clients(doc, ["a"], saves);
      first.get("a")!.next = 99;
      first.get("a")!.skipped.push([1, 2]);
      expect(await heads.clients(doc, ["a"], saves)).toEqual(new Map([["a", client("a", 5)]]));
    });

    it("documents are isolated, including across tenants with the same docId", async () => {
      const { state, log, heads } = await factory();
      const doc = newDoc();
      const twin = { tenant: `${doc.tenant}x`, docId: doc.docId };
      await log.append(batchOf(doc, smallEntries(1, 2), 2));
      await state.save(doc, [client("a", 3)], 2, ["a"]);
      expect(await heads.head(twin)).toEqual({ checkpoint: 0, holding: [], saves: 0, tail: undefined });
      expect(await heads.clients(twin, ["a"], 0)).toEqual(new Map());
    });
  });
}
