import { describe, expect, it } from "vitest";
import { WeftError } from "../../src/errors.js";
import { MemoryDocLeaseStore } from "../../src/ports/memory/doc-lease-store.js";
import { prng } from "../../src/prng.js";
import { DocOwnership, type OwnershipConfig } from "../../src/rooms/doc-ownership.js";
import { OwnerUnreachable, type ChangeForwarder, type RoomSequencer } from "../../src/rooms/room-sequencer.js";
import { allEntries, ann, newDoc, stores } from "./room-fixtures.js";

/** Leases short enough for holders to die, lapse and be taken over within a test. */
const LEASES: OwnershipConfig = { leaseMs: 300, renewBeforeMs: 150, skewMs: 20 };
const QUIET_MS = 60;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Seeded: three room tasks over one set of stores and one lease store, with short leases and a
 * short quiet time (so holders run from kept heads, die, lapse and are taken over within the
 * run). Four clients type into one document through random live tasks, each change resent with
 * the same ids until answered (as the SDK does after `unavailable` or `internal`); one task
 * "dies" mid-run (unreachable, never chosen again, its lease left to lapse) and, on some seeds,
 * another stops and releases its leases. Every op of every client must end in the log exactly
 * once, in its client's order, gap-free.
 */
describe("ownership under holders dying and stopping (seeded)", () => {
  it("every op committed once, in order, gap-free, whoever held the document", async () => {
    for (const seed of [11, 12, 13]) {
      const rng = prng(seed);
      const s = stores();
      const leases = new MemoryDocLeaseStore();
      const rooms = new Map<string, RoomSequencer>();
      const owners = new Map<string, DocOwnership>();
      const dead = new Set<string>();
      const forwarder: ChangeForwarder = {
        forward: async (address, who, doc, change) => {
          if (dead.has(address)) throw new OwnerUnreachable(address, "connect ECONNREFUSED");
          return rooms.get(address)!.submitForwarded(who, doc, change);
        },
      };
      for (const address of ["a:1", "b:1", "c:1"]) {
        const ownership = new DocOwnership({ leases, self: { owner: `task-${address}`, address }, now: Date.now, config: LEASES });
        owners.set(address, ownership);
        rooms.set(address, s.task({ ownership: { ownership, forwarder, maxWaitMs: 5 * LEASES.leaseMs, quietMs: QUIET_MS }, commitDelay: { delayMs: 10, busyMs: 200 } }).room);
      }
      const doc = newDoc();
      await rooms.get("a:1")!.submit(ann, doc, JSON.stringify({ clientId: "seed", base: 0, ops: [{ id: "seed-1", seq: 1, type: "insert", pos: 0, text: "s" }] }));
      const alive = () => [...rooms.keys()].filter((a) => !dead.has(a));
      const resent = { count: 0 };

      const client = async (id: string, changes: number) => {
        for (let n = 1; n <= changes; n++) {
          const base = (await s.log.head(doc)).seq;
          const body = JSON.stringify({ clientId: id, base, ops: [{ id: `${id}-${n}`, seq: n, type: "insert", pos: 0, text: "x" }] });
          for (let attempt = 0; ; attempt++) {
            const via = rng.pick(alive());
            try {
              await rooms.get(via)!.submit(ann, doc, body);
              break;
            } catch (err) {
              if (err instanceof WeftError && err.code !== "unavailable") throw err;
              resent.count++;
              if (attempt > 50) throw new Error(`${id}-${n} never answered: ${(err as Error).message}`);
              await sleep(20 + rng.int(40));
            }
          }
          await sleep(rng.int(30));
        }
      };
      const typing = Promise.all(["k1", "k2", "k3", "k4"].map((id) => client(id, 25)));
      // Mid-run: the holder dies (its lease left to lapse); on odd seeds another task stops and releases.
      await sleep(150 + rng.int(150));
      const holder = (await leases.get(doc))!.address;
      dead.add(holder);
      if (seed % 2 === 1) {
        await sleep(300);
        const other = alive().find((a) => a !== "c:1") ?? alive()[0];
        if (alive().length > 1) {
          await owners.get(other)!.releaseAll();
          dead.add(other);
        }
      }
      await typing;

      const entries = (await allEntries(s.log, doc)).filter((e) => e.type !== "acl");
      expect(entries.map((e) => e.seq), `seed ${seed}`).toEqual(entries.map((_, i) => entries[0].seq + i));
      const ids = entries.map((e) => e.id);
      expect(new Set(ids).size, `seed ${seed}: no op twice`).toBe(ids.length);
      for (const k of ["k1", "k2", "k3", "k4"]) {
        expect(entries.filter((e) => e.clientId === k).map((e) => e.clientSeq), `seed ${seed} ${k}`).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      }
      const heads = [...rooms.values()].map((r) => r.holderHeads!.counts);
      expect(heads.reduce((t, h) => t + h.kept, 0), `seed ${seed}: runs from kept heads`).toBeGreaterThan(10);
      expect([...rooms.values()].reduce((t, r) => t + r.forwards.waits, 0) + resent.count, `seed ${seed}: the death was felt`).toBeGreaterThan(0);
    }
  }, 60_000);
});
