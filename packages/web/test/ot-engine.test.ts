import { describe, expect, it } from "vitest";
import { emptyState, materialize, WeftError, type CanonicalOp, type LogEntry } from "@weft/core";
import { deleteOps, formatOps, insertOps } from "../src/edits/build.js";
import { OtEngine } from "../src/engine/ot-engine.js";
import { EntryBuffer } from "../src/sync/entry-buffer.js";
import { MemoryServer } from "./memory-server.js";
import { prng, randomEdit, type Rng } from "./prng.js";

/**
 * The OT client against the real sequencer (core, memory adapters): clients edit, send,
 * resend and receive entries in random order, duplicated and chunked; at the end every
 * client's text equals the server's, and every acknowledged op was exactly what the engine
 * expected (no mismatch).
 */
interface Sim {
  engine: OtEngine;
  buffer: EntryBuffer;
  created: Set<string>;
}

function edit(s: Sim, r: Rng): void {
  const e = randomEdit(r, s.engine.length);
  const ops: CanonicalOp[] =
    e[0] === "insert" ? insertOps(e[1], e[2], s.engine.length) : e[0] === "delete" ? deleteOps(e[1], e[2], s.engine.length) : formatOps(e[1], e[2], e[3], s.engine.length);
  for (const op of ops) s.created.add(s.engine.edit(op));
}

async function deliver(s: Sim, server: MemoryServer, r: Rng, all: boolean): Promise<number> {
  const fresh = await server.entries(s.buffer.contiguous);
  const upTo = all ? fresh.length : r.int(fresh.length + 1);
  const chunk = fresh.slice(0, upTo);
  // At least once, possibly out of order: shuffle a little and repeat some.
  const delivered = [...chunk, ...chunk.filter(() => r.next() < 0.2)].sort(() => r.next() - 0.5);
  s.buffer.add(delivered);
  const entries = s.buffer.take();
  return s.engine.receive(entries).mismatches;
}

async function run(seed: number): Promise<{ log: LogEntry[]; sims: Sim[]; mismatches: number; transformedAcks: number }> {
  const r = prng(seed);
  const server = new MemoryServer();
  const sims: Sim[] = Array.from({ length: 2 + r.int(3) }, (_, k) => ({
    engine: new OtEngine(`c${k}`, emptyState(), undefined, r.next() < 0.5),
    buffer: new EntryBuffer(0),
    created: new Set<string>(),
  }));
  let mismatches = 0;
  const send = async (s: Sim) => {
    if (s.engine.inflight) {
      if (r.next() < 0.3) await server.post(s.engine.inflight.sent); // a retry: the server dedupes
      return;
    }
    const change = s.engine.cut({ maxOps: 1 + r.int(6) });
    if (change) expect(await server.post(change)).not.toBeInstanceOf(WeftError);
  };
  for (let step = 0; step < 120; step++) {
    const s = r.pick(sims);
    const roll = r.next();
    if (roll < 0.45) edit(s, r);
    else if (roll < 0.65) await send(s);
    else if (roll < 0.8) await server.sequence();
    else mismatches += await deliver(s, server, r, false);
  }
  for (let round = 0; sims.some((s) => s.engine.unsent > 0) && round < 200; round++) {
    for (const s of sims) await send(s);
    await server.sequence();
    for (const s of sims) mismatches += await deliver(s, server, r, true);
  }
  for (const s of sims) mismatches += await deliver(s, server, r, true);
  const log = await server.entries();
  const transformedAcks = log.filter((e) => "ranges" in e || ("len" in e && e.len === 0)).length;
  return { log, sims, mismatches, transformedAcks };
}

describe("OT client against the sequencer (in process)", () => {
  it("clients converge to the server's text, every op committed exactly once, for 300 seeds", async () => {
    let ops = 0;
    let split = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const { log, sims, mismatches, transformedAcks } = await run(seed);
      const server = materialize(log);
      for (const s of sims) {
        expect(s.engine.unsent, `seed ${seed}`).toBe(0);
        expect(s.engine.text, `seed ${seed}`).toBe(server.text);
        expect(s.engine.version).toBe(log.length);
      }
      expect(mismatches, `seed ${seed}`).toBe(0);
      const ids = log.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      // Every op id a client created is committed (split pieces carry `<id>_<k>`).
      const committed = new Set(ids.map((id) => id.replace(/_\d+$/, "")));
      for (const s of sims) {
        for (const id of s.created) expect(committed.has(id) !== s.engine.emptied.includes(id), `${id}, seed ${seed}`).toBe(true);
      }
      ops += log.length;
      split += transformedAcks + ids.filter((id) => /_\d+$/.test(id)).length;
    }
    // Not vacuous: plenty of ops, and some were rebased into split or emptied forms.
    expect(ops).toBeGreaterThan(10_000);
    expect(split).toBeGreaterThan(100);
  });
});
