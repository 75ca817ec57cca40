import type { DocRef } from "../../src/doc-ref.js";
import type { Caller, LiveSessionDeps } from "../../src/live/session.js";
import { onConnect } from "../../src/live/session.js";
import type { LogEntry } from "../../src/ops/types.js";
import { ManualClock } from "../../src/ports/clock.js";
import { MemoryConnectionStore } from "../../src/ports/memory/connection-store.js";
import { MemoryGateway } from "../../src/ports/memory/gateway.js";
import { MemoryLogStore } from "../../src/ports/memory/log-store.js";
import { MemorySequencerStateStore } from "../../src/ports/memory/sequencer-state-store.js";
import { MemoryTimerStore } from "../../src/ports/memory/timer-store.js";
import { AclReader } from "../../src/access/acl-reader.js";
import { batchOf, proseEntries, smallEntries, uid } from "../conformance/fixtures.js";

/** Live delivery on the memory adapters, with helpers to read what each connection got. */
export function liveHarness() {
  const lines: Record<string, unknown>[] = [];
  // Logs written here start with content entries (no creation acl entry): documents as before
  // access control, which everyone in the tenant may edit (access/doc-acl.ts aclAfter).
  const log = new MemoryLogStore();
  const state = new MemorySequencerStateStore();
  const deps: LiveSessionDeps = {
    connections: new MemoryConnectionStore(),
    gateway: new MemoryGateway(),
    log,
    state,
    acls: new AclReader({ state, log }, 0),
    tokenTimers: new MemoryTimerStore(),
    clock: new ManualClock(1_760_000_000_000),
    logSink: (line) => lines.push(line),
  };
  const gateway = deps.gateway as MemoryGateway;
  const clock = deps.clock as ManualClock;
  const tenant = uid("t");
  let seen = new Map<string, number>();

  return {
    deps,
    gateway,
    clock,
    lines,
    tenant,
    doc: (docId = uid("d"), t = tenant): DocRef => ({ tenant: t, docId }),
    async connect(userId = uid("u"), t = tenant): Promise<Caller> {
      const caller = { connectionId: uid("c"), tenant: t, userId, connectedAt: clock.now() };
      await onConnect(deps, caller);
      return caller;
    },
    /** Commits `count` small entries (or 1 KiB prose with `prose`) after the current head. */
    async commit(doc: DocRef, count: number, opts: { prose?: boolean } = {}): Promise<LogEntry[]> {
      const head = await deps.log.head(doc);
      const entries = opts.prose ? proseEntries(head.seq + 1, count) : smallEntries(head.seq + 1, count);
      await deps.log.append(batchOf(doc, entries, head.len + count));
      return entries;
    },
    /** Every message a connection received so far, decoded. */
    all(c: Caller | string): any[] {
      return gateway.messages(typeof c === "string" ? c : c.connectionId).map((m) => JSON.parse(m));
    },
    /** Messages received since the last `fresh` call for that connection. */
    fresh(c: Caller): any[] {
      const all = gateway.messages(c.connectionId).map((m) => JSON.parse(m));
      const from = seen.get(c.connectionId) ?? 0;
      seen.set(c.connectionId, all.length);
      return all.slice(from);
    },
    reset() {
      seen = new Map();
    },
  };
}

/** The seqs carried by `ops` messages, in arrival order. */
export function seqsOf(messages: any[]): number[] {
  return messages.filter((m) => m.type === "ops").flatMap((m) => m.ops.map((e: LogEntry) => e.seq));
}
