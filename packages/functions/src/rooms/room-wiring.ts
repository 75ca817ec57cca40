import { RoomSequencer, accessBeforeBatches, broadcast, jsonLineSink, type FanoutDeps, type Gateway, type LiveSessionDeps } from "@weft/core";
import { httpAccessAudit, type HttpAccessAudit } from "../http/access-audit.js";
import { liveDeps, sequencerDeps, sessionDeps, type Wiring } from "../wiring.js";

/** What a room task runs on: the live session's deps and the per-document group commit, both posting through `gateway`. */
export interface RoomWiring {
  session: LiveSessionDeps;
  sequencer: RoomSequencer;
  /** Records refused submits in the audit trail, as the HTTP routes record their 403s. */
  audit: HttpAccessAudit;
}

/**
 * Builds a room task's deps on the process wiring (the same DynamoDB adapters a function uses,
 * from the same environment) with `gateway` in place of API Gateway's: it writes to the task's
 * own sockets and routes other ids (rooms/room-gateway.ts). Committed batches are delivered to
 * the room right after their run, with the broadcaster's exact access rules (core broadcast).
 */
export function roomWiring(w: Wiring, gateway: Gateway, env: NodeJS.ProcessEnv = process.env): RoomWiring {
  const live: FanoutDeps = { ...liveDeps(w), gateway };
  const session: LiveSessionDeps = { ...sessionDeps(w), gateway };
  const sequencer = new RoomSequencer({
    sequencer: sequencerDeps(w, live, env),
    ingest: { state: w.state, quarantine: w.quarantine, clock: w.clock, metrics: w.metrics, acls: w.acls, accessPolicy: w.accessPolicy },
    durableInbox: w.inbox,
    deliver: async (doc, batches) => {
      const entries = batches.flatMap((b) => b.entries).sort((a, b) => a.seq - b.seq);
      await broadcast(live, doc, entries, await accessBeforeBatches(w.log, doc, batches, entries[0]?.seq ?? 0));
    },
    logSink: jsonLineSink,
  });
  return { session, sequencer, audit: httpAccessAudit({ auditStore: w.auditStore, clock: w.clock }) };
}
