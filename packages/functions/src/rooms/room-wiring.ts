import { randomUUID } from "node:crypto";
import {
  CommittedTail,
  DocOwnership,
  logWithTail,
  GroupCommit,
  RoomSequencer,
  ROOM_COMMIT_DELAY,
  type CommitDelay,
  SubscriberCache,
  invalidating,
  withSubscribers,
  accessBeforeBatches,
  republishIfBehind,
  broadcast,
  jsonLineSink,
  type FanoutDeps,
  type DocRef,
  type Gateway,
  type LiveSessionDeps,
  type LogBatch,
} from "@weft/core";
import { ENV } from "../../../../infra/manifest.js";
import { logWriterModeFromEnv } from "../log-writer-mode.js";
import { kinesisClient } from "../adapters/kinesis/client.js";
import { CommittedStream } from "../adapters/kinesis/committed-stream.js";
import { committedStreamFault } from "../handlers/faults.js";
import { httpAccessAudit, type HttpAccessAudit } from "../http/access-audit.js";
import { liveDeps, sequencerDeps, sessionDeps, type Wiring } from "../wiring.js";
import { msFromEnv } from "../env-ms.js";
import { HttpChangeForwarder } from "./change-forwarder.js";

/** What a room task runs on: the live session's deps and the per-document group commit, both posting through `gateway`. */
export interface RoomWiring {
  session: LiveSessionDeps;
  sequencer: RoomSequencer;
  /** Records refused submits in the audit trail, as the HTTP routes record their 403s. */
  audit: HttpAccessAudit;
  /** Flushes what is still buffered for the committed stream (the server calls it once its sockets are closed). */
  close(): Promise<void>;
}

/**
 * The flush interval: the longer, the more changes a record (and a materializer invocation, a
 * bus event, a consumer invocation) carries; it adds to commit -> published to the consumers
 * (search, notifications: their goals are seconds; a put ~20 ms, enhanced fan-out's push
 * ~70 ms, the materializer's run after it). Nobody waits for it: live delivery and the
 * submitters' answers come before the put, and a state read includes a commit at once (reads
 * go through the log, core materialize/doc-states.ts).
 */
export const COMMITTED_FLUSH_MS = 100;

/**
 * How long after a subscription its document's materialization is checked against the log head
 * the subscription saw (republishIfBehind): well past a flush, a put, the materializer's run
 * and its head interval (core DocStatesConfig.headEveryMs, 5 s), so a document still being
 * edited has had its head written past that log head by then. A document that went quiet
 * between two head writes is republished once, which writes its head.
 */
export const MATERIALIZED_CHECK_MS = 10_000;

/** Batches per flush at most (a flush is also cut at Kinesis' record and request limits). */
const MAX_BATCHES_PER_FLUSH = 2000;

/**
 * The committed stream's group commit, when `ENV.committedStream` is set: batches of every
 * document this task commits within `ENV.committedFlushMs` (default COMMITTED_FLUSH_MS) go out
 * in one PutRecords, under this task's own partition key (its order kept on one shard).
 */
function committedStream(env: NodeJS.ProcessEnv): GroupCommit<LogBatch> | undefined {
  const streamName = env[ENV.committedStream];
  if (!streamName) return undefined;
  const stream = new CommittedStream({ client: kinesisClient(env[ENV.kinesisEndpoint]), streamName, partitionKey: `task-${randomUUID()}` });
  const skipped = new Map<string, number>();
  return new GroupCommit<LogBatch>({
    flushMs: Number(env[ENV.committedFlushMs] ?? COMMITTED_FLUSH_MS),
    maxItems: MAX_BATCHES_PER_FLUSH,
    write: async (batches) => {
      const put = committedStreamFault(batches, skipped);
      if (put.length > 0) await stream.append(put);
    },
  });
}

/**
 * The group commit's delay (core ROOM_COMMIT_DELAY) with `ENV.roomCommitDelayMs` as its delay:
 * milliseconds, 0 = off. Anything else is refused at start-up, not read as "off".
 */
export function commitDelayFromEnv(env: NodeJS.ProcessEnv): CommitDelay {
  return { ...ROOM_COMMIT_DELAY, delayMs: msFromEnv(env, ENV.roomCommitDelayMs, ROOM_COMMIT_DELAY.delayMs) };
}

/**
 * Whether the task takes document leases and forwards changes to their owners
 * (`ENV.roomsOwnership`: `on`, the default, or `off`). Anything else is refused at start-up.
 */
export function ownershipFromEnv(env: NodeJS.ProcessEnv): boolean {
  const value = env[ENV.roomsOwnership] ?? "on";
  if (value !== "on" && value !== "off") throw new Error(`${ENV.roomsOwnership} must be "on" or "off", not ${JSON.stringify(value)}`);
  return value === "on";
}

/**
 * Builds a room task's deps on the process wiring (the same DynamoDB adapters a function uses,
 * from the same environment) with `gateway` in place of API Gateway's: it writes to the task's
 * own sockets and routes other ids (rooms/room-gateway.ts). Committed batches are delivered to
 * the room right after their run, with the broadcaster's exact access rules (core broadcast),
 * to a subscriber list read at most once a second per document (SubscriberCache). With
 * ownership (ownershipFromEnv) and the task's `privateAddress`, each document is sequenced by the
 * task holding its lease (core rooms/doc-ownership.ts), changes arriving elsewhere forwarded there.
 */
export function roomWiring(w: Wiring, gateway: Gateway, env: NodeJS.ProcessEnv = process.env, privateAddress?: string): RoomWiring {
  // Deliveries read a document's subscribers at most once a second (core live/subscriber-cache.ts),
  // catching up whoever subscribed through another task meanwhile; this task's own subscribes,
  // unsubscribes and disconnects go through `connections` and make the next delivery read it.
  const subscribers = new SubscriberCache(w.connections, {
    now: Date.now,
    setTimer: (fn, ms) => {
      const t = setTimeout(fn, ms);
      t.unref();
      return () => clearTimeout(t);
    },
    onError: (doc, err) => jsonLineSink({ level: "WARN", kind: "room_subscribers_refresh_failed", tenant: doc.tenant, docId: doc.docId, message: (err as Error)?.message }),
  });
  const connections = invalidating(w.connections, subscribers);
  const live: FanoutDeps = { ...liveDeps(w), connections, gateway };
  const committed = committedStream(env);
  const checks = new Set<ReturnType<typeof setTimeout>>();
  const checkMs = Number(env[ENV.materializedCheckMs] ?? MATERIALIZED_CHECK_MS);
  // The committed stream's repair on open (core rooms/materialized-check.ts), once the stream has carried what was in flight.
  const onSubscribed = (doc: DocRef, head: number) => {
    if (!committed || head === 0) return;
    const timer = setTimeout(() => {
      checks.delete(timer);
      republishIfBehind(
        { materializedVersion: async (d) => (await w.docStateStore.head(d))?.version ?? 0, log: w.log, publish: (batches) => committed.add(batches) },
        doc,
        head,
      ).then(
        // INFO, not WARN: a document that went quiet between two head writes is republished too (harmless).
        ({ republished }) => republished > 0 && jsonLineSink({ level: "INFO", kind: "room_republished", tenant: doc.tenant, docId: doc.docId, batches: republished, head }),
        (err: unknown) => jsonLineSink({ level: "WARN", kind: "room_republish_failed", tenant: doc.tenant, docId: doc.docId, message: (err as Error)?.message }),
      );
    }, checkMs);
    checks.add(timer);
  };
  // Committing through the stream (below), this task's readers continue the log with what it
  // committed lately: the log trails the stream by the log writer's lag (core rooms/committed-tail.ts).
  const streamCommitted = logWriterModeFromEnv(env) === "on";
  const tail = streamCommitted ? new CommittedTail() : undefined;
  const log = tail ? logWithTail(w.log, tail) : w.log;
  const session: LiveSessionDeps = { ...sessionDeps(w), log, connections, gateway, onSubscribed };
  const ownership =
    privateAddress !== undefined && ownershipFromEnv(env)
      ? { ownership: new DocOwnership({ leases: w.docLeases, self: { owner: `task-${randomUUID()}`, address: privateAddress }, now: Date.now }), forwarder: new HttpChangeForwarder() }
      : undefined;
  // The stream as the durable order (docs/durable-order.md): a held document's runs are committed
  // by their put to the committed stream, which needs both the stream and the leases.
  if (streamCommitted && (!committed || !ownership)) throw new Error(`${ENV.logWriter}=on needs the committed stream (${ENV.committedStream}) and ownership (${ENV.roomsOwnership}=on, a private address)`);
  const sequencer = new RoomSequencer({
    sequencer: sequencerDeps(w, live, env),
    ingest: { state: w.state, quarantine: w.quarantine, clock: w.clock, metrics: w.metrics, acls: w.acls, accessPolicy: w.accessPolicy },
    durableInbox: w.inbox,
    deliver: async (doc, batches) => {
      const entries = batches.flatMap((b) => b.entries).sort((a, b) => a.seq - b.seq);
      const access = await accessBeforeBatches(log, doc, batches, entries[0]?.seq ?? 0);
      await subscribers.deliver(doc, { entries, access }, (subs, d) => broadcast({ ...live, connections: withSubscribers(connections, subs) }, doc, d.entries, d.access));
    },
    ...(committed ? { publish: (batches: LogBatch[]) => committed.add(batches) } : {}),
    ...(streamCommitted && committed ? { streamCommit: (batches: LogBatch[]) => committed.add(batches), committedTail: tail } : {}),
    logSink: jsonLineSink,
    commitDelay: commitDelayFromEnv(env),
    ...(ownership ? { ownership } : {}),
  });
  return {
    session,
    sequencer,
    audit: httpAccessAudit({ auditStore: w.auditStore, clock: w.clock }),
    close: async () => {
      for (const t of checks) clearTimeout(t);
      subscribers.close();
      // Other tasks take this one's documents at once instead of after the leases expire.
      await ownership?.ownership.releaseAll();
      await committed?.close();
    },
  };
}
