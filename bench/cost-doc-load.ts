import WebSocket from "ws";

/**
 * Live documents as their users drive them, for `bench cost` (runs in the load worker's
 * thread, not the stack's): per document, editors who type keystrokes taken from a real editing
 * trace (../shared/traces) at a human rate, each a live client (a WebSocket subscription that
 * tracks the document's head, as the SDK's is) that sends like the SDK: one change in flight
 * until its ops come back committed on the editor's own subscription, keystrokes typed
 * meanwhile merged into the pending ops (contiguous typing extends one insert, a backspace trims
 * it), the next change cut no sooner than `paceMs` after the previous one (the SDK's
 * `sendIntervalMs`); viewers who only subscribe; and collaboration events (comments, mentions, reactions,
 * task assignments, role changes) posted by the members as single-op changes.
 *
 * Positions: every op is at position 0 (text length and op count, not where they land, decide
 * what the pipeline does and costs; position 0 is always valid at any base).
 */
export interface DocLoadParams {
  url: string;
  /** userId -> JWT of that user in the bench tenant. */
  tokens: Record<string, string>;
  docs: Array<{ docId: string; editors: string[]; viewers: string[] }>;
  /** Keystrokes: `[deleted chars, inserted text]`, replayed in order, each editor from its own offset. */
  keystrokes: Array<[number, string]>;
  keysPerSecPerEditor: number;
  /** Least ms between two changes of one client: the SDK's `sendIntervalMs` (0: as soon as the previous is acknowledged). */
  paceMs: number;
  /**
   * The room tier's WebSocket URL (docs/rooms.md): members connect there and changes go as
   * `submit` messages on their sockets (the SDK's `opsTransport: "socket"`). Without it, members
   * connect to the API Gateway WebSocket API and changes are POSTed.
   */
  roomsUrl?: string;
  /**
   * Every room task's URL (`roomsUrl` first): a document's members are spread over them, member
   * k of document d on task (d + k) mod n, as a load balancer puts a document's clients on
   * different tasks (the bench's --roomTasks). Absent: everyone on `roomsUrl`.
   */
  roomsUrls?: string[];
  /** Collaboration events per second per document, and their mix (weights). */
  collab?: { perDocPerSec: number; mix: { comment: number; mention: number; reaction: number; task: number; acl: number } };
  /** Load before the measured part, not counted: editing sessions and notices already open, as in steady state. */
  warmupMs: number;
  durationMs: number;
  drainMs: number;
  runId: string;
}

export interface DocLoadResult {
  /** Product events: keystrokes typed and collaboration events posted, by kind. */
  events: Record<string, number>;
  changes: number;
  ops: number;
  rejectedOps: number;
  errors: number;
  errorSamples: string[];
  /** Change POST answered (accepted) -> the op's arrival at each other subscriber of the document (room tier: from the submit's send). */
  acceptToReceipt: number[];
  /** The op's first keystroke typed -> its arrival at each other subscriber (includes the wait in the sender). */
  typedToReceipt: number[];
  expectedDeliveries: number;
  deliveries: number;
  /**
   * When deliveries fell short: per subscriber (`<userId>@<docId>`), the measured ops of others
   * it never received, and the first one's send time in ms after the load began (a subscriber
   * that stops receiving for good shows as one long tail here).
   */
  missed?: Record<string, { ops: number; firstAtMs: number }>;
  /**
   * A mention sent -> the in-app notification naming its event (`<docId>.<seq>`) on one of the
   * mentioned member's sockets: the collaboration events' whole path (commit, committed stream,
   * materializer, bus, notification engine, delivery). Mentions of a member who is not told
   * in app (the notification merged into a digest they already got, a cap) are not counted.
   */
  mentionToInApp: number[];
  /** Open WebSocket connections while the load ran (one per member and document). */
  connections: number;
  /** Events per second the load is paced to send (keystrokes and collaboration events): with `connections`, how many connections an event rate holds open. */
  nominalEventsPerSec: number;
  transport: "rooms" | "http";
}

interface Member {
  ws: WebSocket;
  head: number;
  /** The document's length in code points at `head`. */
  length: number;
  comments: Array<{ threadId: string; commentId: string }>;
  /** Own op ids awaited as acknowledgements (their commit echo). */
  acks: Map<string, () => void>;
  /** Room tier: submits awaiting their answer, by ref. */
  answers: Map<string, (message: SubmitAnswer) => void>;
}

/** A room tier's answer to a submit: `submitted` with the ops' statuses, or an `error`. */
interface SubmitAnswer {
  type: string;
  results?: Array<{ id: string; status: string }>;
  code?: string;
  message?: string;
}

/** A client id for `userId` (user ids may hold characters client ids may not). */
const clientIdOf = (userId: string, runId: string, k: string | number) => `${userId}_${runId}_${k}`.replace(/[^A-Za-z0-9_-]/g, "_");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runDocLoad(p: DocLoadParams, onMeasuring: () => void = () => {}): Promise<DocLoadResult> {
  const res: DocLoadResult = {
    events: {}, changes: 0, ops: 0, rejectedOps: 0, errors: 0, errorSamples: [], acceptToReceipt: [], typedToReceipt: [], expectedDeliveries: 0, deliveries: 0, mentionToInApp: [],
    connections: p.docs.reduce((n, d) => n + d.editors.length + d.viewers.length, 0),
    nominalEventsPerSec: p.docs.reduce((n, d) => n + d.editors.length * p.keysPerSecPerEditor + (p.collab?.perDocPerSec ?? 0), 0),
    transport: p.roomsUrl ? "rooms" : "http",
  };
  let measuring = false;
  const count = (kind: string) => {
    if (measuring) res.events[kind] = (res.events[kind] ?? 0) + 1;
  };
  const fail = (what: string) => {
    res.errors++;
    if (res.errorSamples.length < 5) res.errorSamples.push(what.slice(0, 300));
  };
  /** op id -> when its change was answered, and its author (who does not count as a receiver). */
  const accepted = new Map<string, { at: number; author: string; measured: boolean; typedAt?: number }>();
  /** Per measured op id: the subscribers (`<userId>@<docId>`) it reached, for `missed`. */
  const reached = new Map<string, Set<string>>();
  /** op id -> when its first keystroke was typed (editors' ops). */
  const typed = new Map<string, number>();
  /** Mention op id -> when it was sent (measured ones); its event id (`<docId>.<seq>`) -> the same, once committed; events already seen in app. */
  const mentionSent = new Map<string, number>();
  const mentionEvents = new Map<string, number>();
  const toldInApp = new Set<string>();
  const subscriberCount = new Map(p.docs.map((d) => [d.docId, d.editors.length + d.viewers.length]));
  /** Ops the sequencer rejected (a `rejected` message, which may come before the submit's answer). */
  const rejected = new Set<string>();
  const rejectOp = (id: string, docId: string) => {
    if (rejected.has(id)) return;
    rejected.add(id);
    if (!reached.has(id)) return; // not answered yet: its answer is not counted (below)
    reached.delete(id);
    res.expectedDeliveries -= subscriberCount.get(docId)! - 1;
    res.rejectedOps++;
  };
  const roomsUrls = p.roomsUrls ?? (p.roomsUrl ? [p.roomsUrl] : undefined);
  /** Where a member's socket connects: its room task (spread, roomsUrls), or the API Gateway WebSocket API. */
  const wsBase = (docId: string, userId: string) => {
    if (!roomsUrls) return `${p.url.replace(/^http/, "ws")}/ws?token=`;
    const d = p.docs.findIndex((x) => x.docId === docId);
    const k = [...p.docs[d].editors, ...p.docs[d].viewers].indexOf(userId);
    return `${roomsUrls[(d + k) % roomsUrls.length]}?token=`;
  };
  let refs = 0;

  const subscribe = (docId: string, userId: string) =>
    new Promise<Member>((resolve, reject) => {
      const ws = new WebSocket(wsBase(docId, userId) + encodeURIComponent(p.tokens[userId]));
      const m: Member = { ws, head: 0, length: 0, comments: [], acks: new Map(), answers: new Map() };
      let live = false;
      ws.on("error", reject);
      ws.on("open", () => ws.send(JSON.stringify({ action: "subscribe", docId })));
      ws.on("message", (data: Buffer) => {
        const at = Date.now();
        const msg = JSON.parse(data.toString()) as {
          type: string;
          ref?: string;
          id?: string;
          ops?: Array<{ id: string; seq: number; type: string; threadId?: string; text?: string; len?: number }>;
          notification?: { eventIds?: string[] };
        };
        if (msg.type === "rejected" && msg.id !== undefined) {
          // The sequencer rejected the op (with its change): nobody receives it. This load's
          // editors are not OT clients (their deletes are sized from a length they track
          // approximately), so now and then one is beyond the document's end once transformed.
          rejectOp(msg.id, docId);
          m.acks.get(msg.id)?.();
          m.acks.delete(msg.id);
          return;
        }
        if (msg.type === "notification") {
          for (const eventId of msg.notification?.eventIds ?? []) {
            const sent = mentionEvents.get(eventId);
            if (sent === undefined || toldInApp.has(eventId)) continue;
            toldInApp.add(eventId);
            res.mentionToInApp.push(at - sent);
          }
          return;
        }
        if ((msg.type === "submitted" || msg.type === "error") && msg.ref !== undefined && m.answers.has(msg.ref)) {
          m.answers.get(msg.ref)!(msg);
          m.answers.delete(msg.ref);
          return;
        }
        if (!live) {
          if (msg.type !== "subscribed") return reject(new Error(`expected subscribed, got ${String(data).slice(0, 200)}`));
          live = true;
          return resolve(m);
        }
        if (msg.type !== "ops") return;
        for (const e of msg.ops ?? []) {
          if (e.seq > m.head) m.head = e.seq;
          const mentioned = mentionSent.get(e.id);
          if (mentioned !== undefined) mentionEvents.set(`${docId}.${e.seq}`, mentioned);
          m.acks.get(e.id)?.();
          m.acks.delete(e.id);
          if (e.type === "comment" && e.threadId) m.comments.push({ threadId: e.threadId, commentId: e.id });
          if (e.type === "insert" && e.text) m.length += [...e.text].length;
          if (e.type === "delete" && e.len) m.length = Math.max(0, m.length - e.len);
          const t = accepted.get(e.id);
          if (t !== undefined && t.author !== userId && t.measured) {
            res.deliveries++;
            const who = reached.get(e.id) ?? new Set<string>();
            reached.set(e.id, who.add(`${userId}@${docId}`));
            res.acceptToReceipt.push(Math.max(0, at - t.at));
            if (t.typedAt !== undefined) res.typedToReceipt.push(at - t.typedAt);
          }
        }
      });
    });

  const members = new Map<string, Member>();
  for (const d of p.docs) {
    for (const u of [...d.editors, ...d.viewers]) members.set(`${d.docId}/${u}`, await subscribe(d.docId, u));
  }

  const post = async (docId: string, userId: string, clientId: string, base: number, ops: Array<Record<string, unknown>>, subscribers: number) => {
    if (measuring) {
      res.changes++;
      res.ops += ops.length;
    }
    try {
      let results: Array<{ id: string; status: string }>;
      let at: number;
      if (p.roomsUrl) {
        // The answer comes once the ops are committed and delivered: they count from the send.
        at = Date.now();
        for (const op of ops) {
          const id = String(op.id);
          accepted.set(id, { at, author: userId, measured: measuring, typedAt: typed.get(id) });
          typed.delete(id);
        }
        const member = members.get(`${docId}/${userId}`)!;
        const ref = `r${refs++}`;
        const answer = await new Promise<SubmitAnswer>((resolve) => {
          member.answers.set(ref, resolve);
          member.ws.send(JSON.stringify({ action: "submit", docId, ref, change: { clientId, base, ops } }));
        });
        if (answer.type !== "submitted" || !answer.results) return fail(`submit: ${JSON.stringify(answer)}`);
        results = answer.results;
      } else {
        const r = await fetch(`${p.url}/v1/docs/${docId}/ops`, {
          method: "POST",
          headers: { authorization: `Bearer ${p.tokens[userId]}`, "content-type": "application/json" },
          body: JSON.stringify({ clientId, base, ops }),
        });
        const body = (await r.json()) as { results?: Array<{ id: string; status: string }> };
        at = Date.now();
        if (r.status !== 202 || !body.results) return fail(`${r.status} ${JSON.stringify(body)}`);
        results = body.results;
      }
      for (const x of results) {
        if (x.status === "accepted" || x.status === "duplicate") {
          if (!p.roomsUrl) accepted.set(x.id, { at, author: userId, measured: measuring, typedAt: typed.get(x.id) });
          typed.delete(x.id);
          // Expected where its deliveries are counted: ops sent while measuring, unless the
          // sequencer rejected them already.
          if (accepted.get(x.id)?.measured) {
            if (rejected.has(x.id)) res.rejectedOps++;
            else {
              res.expectedDeliveries += subscribers - 1;
              reached.set(x.id, reached.get(x.id) ?? new Set());
            }
          }
        } else if (measuring) res.rejectedOps++;
      }
    } catch (err) {
      fail(String(err));
    }
  };

  const start = Date.now();
  const end = start + p.warmupMs + p.durationMs;
  setTimeout(() => {
    measuring = true;
    onMeasuring();
  }, p.warmupMs);
  const tasks: Promise<void>[] = [];
  let editorIndex = 0;
  for (const d of p.docs) {
    const subscribers = d.editors.length + d.viewers.length;
    for (const userId of d.editors) {
      const k = editorIndex++;
      tasks.push(editor(d.docId, userId, k, subscribers));
    }
    if (p.collab) tasks.push(collaborator(d, subscribers, p.docs.indexOf(d)));
  }

  /** One editor: keystrokes at the typing rate, sent like the SDK (one change in flight, merged pending ops). */
  async function editor(docId: string, userId: string, k: number, subscribers: number) {
    const member = members.get(`${docId}/${userId}`)!;
    const clientId = clientIdOf(userId, p.runId, k);
    let seq = 0;
    let cursor = (k * 7919) % p.keystrokes.length;
    const pending: Array<Record<string, unknown>> = [];
    let inFlight: Promise<void> | undefined;
    let lastSent = 0;
    const interval = 1000 / p.keysPerSecPerEditor;
    let nextKey = start + Math.random() * interval;
    let paceTimer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      if (inFlight || pending.length === 0) return;
      const wait = lastSent + p.paceMs - Date.now();
      if (wait > 0) {
        // Too soon after the last change: what is typed meanwhile goes with it then (the SDK's pacing).
        paceTimer ??= setTimeout(() => {
          paceTimer = undefined;
          flush();
        }, wait);
        return;
      }
      const ops = pending.splice(0).map(({ typedAt, ...op }) => {
        const id = `${clientId}-${++seq}`;
        typed.set(id, typedAt as number);
        return { ...op, id, seq };
      });
      lastSent = Date.now();
      // Acknowledged, as in the SDK, when its last op arrives committed on this editor's subscription.
      const lastId = String(ops[ops.length - 1].id);
      const acked = new Promise<void>((resolve) => {
        member.acks.set(lastId, resolve);
        setTimeout(resolve, 10_000);
      });
      inFlight = post(docId, userId, clientId, member.head, ops, subscribers)
        .then(() => acked)
        .finally(() => {
          inFlight = undefined;
          flush();
        });
    };
    // Only keystrokes due before the end (one due after it would be sent and counted past the
    // measured window: the loop used to test the clock before sleeping).
    while (nextKey < end) {
      const wait = nextKey - Date.now();
      if (wait > 0) await sleep(wait);
      nextKey += interval;
      const [del, ins] = p.keystrokes[cursor];
      cursor = (cursor + 1) % p.keystrokes.length;
      count("keystroke");
      const last = pending.at(-1);
      if (del > 0) {
        if (last?.type === "insert" && typeof last.text === "string" && [...last.text].length > del) last.text = [...last.text].slice(del).join("");
        // A backspace with nothing committed to delete is one the editor could not have typed.
        else if (member.length >= del) pending.push({ type: "delete", pos: 0, len: del, typedAt: Date.now() });
      }
      if (ins.length > 0) {
        if (last?.type === "insert" && typeof last.text === "string" && last.text.length + ins.length <= 2000) last.text = ins + last.text;
        else pending.push({ type: "insert", pos: 0, text: ins, typedAt: Date.now() });
      }
      flush();
    }
    // Keystrokes still pending go out as the SDK's would, after the load.
    while (inFlight || pending.length > 0) {
      flush();
      await (inFlight ?? sleep(Math.max(1, p.paceMs)));
    }
  }

  /**
   * The next collaboration event's kind, across all documents: the kind furthest below its
   * share of the events so far, so that a run of a few dozen events holds the mix exactly
   * (a random pick made the month move by thousands of dollars from run to run).
   */
  const kindCounts = new Map<string, number>();
  function nextKind(mix: Array<[string, number]>): string {
    let best = mix[0][0];
    let bestRatio = Infinity;
    for (const [kind, weight] of mix) {
      const ratio = ((kindCounts.get(kind) ?? 0) + 1) / weight;
      if (ratio < bestRatio) [best, bestRatio] = [kind, ratio];
    }
    kindCounts.set(best, (kindCounts.get(best) ?? 0) + 1);
    return best;
  }

  /** A document's collaboration events: each by one of its members, one op per change. */
  async function collaborator(d: DocLoadParams["docs"][number], subscribers: number, k: number) {
    const mix = Object.entries(p.collab!.mix).filter(([, w]) => w > 0);
    const interval = 1000 / p.collab!.perDocPerSec;
    const people = [...d.editors, ...d.viewers];
    /** Each member's own client for these events, with its own op counter. */
    const counters = new Map<string, number>();
    let n = 0;
    // Documents' first events spread evenly over one interval (stratified, so that the count in
    // the window varies little from run to run).
    let next = start + ((k + Math.random()) / p.docs.length) * interval;
    // Only events due before the end (at one event per document every several seconds, testing
    // the clock before sleeping sent one more per document after the window, counted in it).
    while (next < end) {
      const wait = next - Date.now();
      if (wait > 0) await sleep(wait);
      next += interval;
      let kind = nextKind(mix);
      if (kind === "acl" && d.viewers.length === 0) kind = "comment";
      // Only the owner (the document's creator, editors[0]) changes roles.
      const actor = kind === "acl" ? d.editors[0] : d.editors[n % d.editors.length];
      const other = people[(n + 1) % people.length];
      const member = members.get(`${d.docId}/${actor}`)!;
      const clientId = clientIdOf(actor, p.runId, "x");
      const seq = (counters.get(actor) ?? 0) + 1;
      counters.set(actor, seq);
      const id = `${clientId}-${seq}`;
      n++;
      let op: Record<string, unknown> | undefined;
      if (kind === "comment" || kind === "mention") {
        op = { type: "comment", threadId: `t${n % 5}`, body: "Could we tighten this paragraph before the review on Friday?", ...(kind === "mention" ? { mentions: [other] } : {}) };
      } else if (kind === "reaction") {
        const c = member.comments.at(-1 - (n % Math.max(1, Math.min(5, member.comments.length))));
        op = c ? { type: "reaction", threadId: c.threadId, commentId: c.commentId, emoji: "👍" } : { type: "comment", threadId: "t0", body: "Agreed." };
      } else if (kind === "task") {
        op = { type: "task", taskId: `task${n % 20}`, assignee: other, title: "Review the introduction", status: n % 3 === 0 ? "done" : "open" };
      } else {
        op = { type: "acl", userId: d.viewers[n % d.viewers.length], role: n % 2 === 0 ? "commenter" : "viewer" };
      }
      count(kind);
      if (kind === "mention" && measuring) mentionSent.set(id, Date.now());
      // Collaboration events come from a separate client of the member (its own op counter).
      await post(d.docId, actor, clientId, member.head, [{ ...op, id, seq }], subscribers);
    }
  }

  await Promise.all(tasks);
  const drainStart = Date.now();
  while (res.deliveries < res.expectedDeliveries && Date.now() - drainStart < p.drainMs) await sleep(50);
  // Notifications come after the ops: give the last mentions' in-app notices a few seconds too.
  const mentionsDrain = Date.now();
  while (toldInApp.size < mentionEvents.size && Date.now() - mentionsDrain < 5_000) await sleep(50);
  if (res.deliveries < res.expectedDeliveries) res.missed = missedBySubscriber(p, accepted, reached, start);
  // The sockets stay open: the main thread measures first, then ends this worker (a
  // disconnect, 3-4 write units, is once per session, not per event: docs/cost.md).
  return res;
}

/** Each subscriber's measured ops of others that never reached it (see DocLoadResult.missed). */
function missedBySubscriber(
  p: DocLoadParams,
  accepted: ReadonlyMap<string, { at: number; author: string; measured: boolean }>,
  reached: ReadonlyMap<string, ReadonlySet<string>>,
  start: number,
): Record<string, { ops: number; firstAtMs: number }> {
  const docOf = new Map(p.docs.flatMap((d) => d.editors.map((u) => [u, d] as const)));
  const out: Record<string, { ops: number; firstAtMs: number }> = {};
  for (const [id, op] of accepted) {
    const d = docOf.get(op.author);
    // Only ops whose deliveries were expected (answered accepted or duplicate while measuring).
    if (!op.measured || !d || !reached.has(id)) continue;
    for (const u of [...d.editors, ...d.viewers]) {
      const key = `${u}@${d.docId}`;
      if (u === op.author || reached.get(id)?.has(key)) continue;
      const m = (out[key] ??= { ops: 0, firstAtMs: op.at - start });
      m.ops++;
      m.firstAtMs = Math.min(m.firstAtMs, op.at - start);
    }
  }
  return out;
}
