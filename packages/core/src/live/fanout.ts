import { docKey, type DocRef } from "../doc-ref.js";
import type { LogSink } from "../metrics/recorder.js";
import type { ConnectionStore, RemovedSubscription, Subscriber } from "../ports/connection-store.js";
import type { Clock } from "../ports/clock.js";
import type { Gateway } from "../ports/gateway.js";
import { presenceMessage } from "./server-messages.js";

/** What delivery to live connections needs. */
export interface FanoutDeps {
  connections: ConnectionStore;
  gateway: Gateway;
  logSink: LogSink;
  /** Stamps leaves (`at`, server-messages.ts presenceMessage); without it they carry none. */
  clock?: Clock;
}

/**
 * Most posts in flight at once for one fan-out. Each post is one HTTPS request to the
 * management API; bounded so a popular document cannot open thousands of sockets from one
 * Lambda, large enough that the wall time is about (subscribers / 64) round trips.
 */
export const POST_CONCURRENCY = 64;

/**
 * Posts each target's messages to it, in order (the next only after the previous one was
 * delivered), targets in parallel, at most `concurrency` at once. A target that is gone gets
 * nothing more; the ids of gone targets are returned. Any other failure rejects after every
 * started post has settled.
 */
export async function postAll(
  gateway: Gateway,
  targets: ReadonlyArray<{ connectionId: string; messages: readonly string[] }>,
  concurrency = POST_CONCURRENCY,
): Promise<string[]> {
  const gone: string[] = [];
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < targets.length) {
      const t = targets[next++];
      try {
        for (const m of t.messages) {
          if ((await gateway.post(t.connectionId, m)) === "gone") {
            gone.push(t.connectionId);
            break;
          }
        }
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
  if (failure) throw failure.err;
  return gone;
}

/**
 * Tells the other subscribers of each document that these subscriptions left (a presence
 * message with state null), for subscriptions that had a presence state: one that never
 * announced itself was never shown, so there is nothing to take back. `known` gives documents'
 * subscriber lists the caller already read (saving a Query). Connections found gone while
 * doing so are removed without further leaves (their own leaves are not worth a cascade).
 */
export async function sendLeaves(
  deps: FanoutDeps,
  removed: readonly RemovedSubscription[],
  known: ReadonlyMap<string, Subscriber[]> = new Map(),
): Promise<void> {
  const byDoc = new Map<string, { doc: DocRef; leaving: RemovedSubscription[] }>();
  for (const r of removed) {
    if (r.presence === null) continue;
    const key = docKey(r.doc);
    const group = byDoc.get(key) ?? { doc: r.doc, leaving: [] };
    group.leaving.push(r);
    byDoc.set(key, group);
  }
  for (const [key, { doc, leaving }] of byDoc) {
    const leavingIds = new Set(leaving.map((r) => r.connectionId));
    const others = (known.get(key) ?? (await deps.connections.subscribers(doc))).filter((s) => !leavingIds.has(s.connectionId));
    // Stamped after the subscriptions were removed: any state taken before is older.
    const at = deps.clock?.now();
    const messages = leaving.map((r) => presenceMessage(doc.docId, r.userId, r.connectionId, null, at));
    const gone = await postAll(deps.gateway, others.map((s) => ({ connectionId: s.connectionId, messages })));
    await Promise.all(gone.map((id) => deps.connections.disconnect(id, [doc])));
    if (gone.length > 0) deps.logSink({ kind: "ws_gone", tenant: doc.tenant, docId: doc.docId, connections: gone.length, during: "leave" });
  }
}

/**
 * Removes connections that the gateway reported gone (a client that vanished without a
 * `$disconnect`), with every subscription they had (`doc` included even if their record no
 * longer names it), and sends their leaves.
 */
export async function dropGone(
  deps: FanoutDeps,
  connectionIds: readonly string[],
  doc: DocRef,
  known: ReadonlyMap<string, Subscriber[]> = new Map(),
): Promise<void> {
  if (connectionIds.length === 0) return;
  const removed = (await Promise.all(connectionIds.map((id) => deps.connections.disconnect(id, [doc])))).flat();
  deps.logSink({ kind: "ws_gone", tenant: doc.tenant, docId: doc.docId, connections: connectionIds.length });
  const gone = new Set(connectionIds);
  const live = new Map([...known].map(([key, subs]) => [key, subs.filter((s) => !gone.has(s.connectionId))]));
  await sendLeaves(deps, removed, live);
}
