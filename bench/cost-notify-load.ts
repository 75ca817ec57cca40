import WebSocket from "ws";

/**
 * The notification product's traffic, for `bench cost` (in the load worker's thread): the
 * app's back end posts events (`POST /v1/notify`, a service token) in the brief's mix, ~70%
 * social, ~25% transactional, ~5% marketing of the notifications (recipients), mostly one
 * recipient per event, and every `fanoutEvery` events one to `fanoutSize` recipients; `online` users hold a WebSocket (they get in-app
 * notifications, the others push, email or SMS as their preferences and devices allow).
 * A product event is one notification: one (event, recipient) pair.
 */
export interface NotifyLoadParams {
  url: string;
  serviceToken: string;
  /** userId -> token, for the users who are online. */
  online: Record<string, string>;
  users: string[];
  eventsPerSec: number;
  mix: { social: number; transactional: number; marketing: number };
  fanoutEvery: number;
  fanoutSize: number;
  /** Events before the measured part, not counted: users' notification state exists, as in steady state. */
  warmupMs: number;
  durationMs: number;
  drainMs: number;
  runId: string;
}

export interface NotifyLoadResult {
  events: Record<string, number>;
  posts: number;
  errors: number;
  errorSamples: string[];
  /**
   * POST sent -> the in-app notification on an online recipient's socket. From the send, not
   * the answer: an event decided at once is delivered while its POST is still being answered.
   */
  sentToVisible: number[];
  /** The same, for recipients of one-recipient events (decided at once) ... */
  directToVisible: number[];
  /**
   * ... and of fan-outs, which are spread on purpose (the brief: "spread non-urgent fan-out over
   * 5-10 minutes"; here at the handlers' clock speed) and whose recipients are decided at the
   * fan-out's pace on this host, not at once.
   */
  fanoutToVisible: number[];
  expectedVisible: number;
  visible: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const TOPICS = { social: ["mentions", "reactions", "comments"], transactional: ["security", "tasks"], marketing: ["product"] } as const;

export async function runNotifyLoad(p: NotifyLoadParams, onMeasuring: () => void = () => {}, onSendingDone: () => void = () => {}): Promise<NotifyLoadResult> {
  const res: NotifyLoadResult = { events: {}, posts: 0, errors: 0, errorSamples: [], sentToVisible: [], directToVisible: [], fanoutToVisible: [], expectedVisible: 0, visible: 0 };
  /** `${eventId}/${userId}` -> when the event's POST was sent (and whether it was a fan-out), for the online recipients of measured events. */
  const postedAt = new Map<string, { at: number; fanout: boolean }>();
  const sockets: WebSocket[] = [];
  const wsBase = `${p.url.replace(/^http/, "ws")}/ws?token=`;
  for (const [userId, token] of Object.entries(p.online)) {
    sockets.push(
      await new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(wsBase + encodeURIComponent(token));
        ws.once("open", () => resolve(ws));
        ws.once("error", reject);
        ws.on("message", (data: Buffer) => {
          const msg = JSON.parse(data.toString()) as { type?: string; notification?: { eventIds?: string[] } };
          if (msg.type !== "notification") return;
          for (const eventId of msg.notification?.eventIds ?? []) {
            const posted = postedAt.get(`${eventId}/${userId}`);
            if (posted === undefined) continue;
            postedAt.delete(`${eventId}/${userId}`);
            res.visible++;
            const ms = Date.now() - posted.at;
            res.sentToVisible.push(ms);
            (posted.fanout ? res.fanoutToVisible : res.directToVisible).push(ms);
          }
        });
      }),
    );
  }
  const headers = { authorization: `Bearer ${p.serviceToken}`, "content-type": "application/json" };
  const classes = Object.entries(p.mix) as Array<[keyof typeof TOPICS, number]>;
  const weight = classes.reduce((s, [, w]) => s + w, 0);
  const start = Date.now();
  const warm = Math.round((p.eventsPerSec * p.warmupMs) / 1000);
  const total = warm + Math.round((p.eventsPerSec * p.durationMs) / 1000);
  const answers: Promise<void>[] = [];
  const sent: Record<keyof typeof TOPICS | "total", number> = { social: 0, transactional: 0, marketing: 0, total: 0 };
  for (let i = 0; i < total; i++) {
    const wait = start + (i * 1000) / p.eventsPerSec - Date.now();
    if (wait > 1) await sleep(wait);
    if (i === warm) {
      // The warm-up's answers first, so its work is not measured.
      await Promise.all(answers.splice(0));
      onMeasuring();
    }
    const measured = i >= warm;
    const fanout = p.fanoutEvery > 0 && i % p.fanoutEvery === p.fanoutEvery - 1;
    const recipients = fanout
      ? Array.from({ length: Math.min(p.fanoutSize, p.users.length) }, (_, k) => p.users[(i + k) % p.users.length])
      : [p.users[(i * 7919) % p.users.length]];
    // The mix is of notifications (recipients), fan-outs included: each event takes the class
    // furthest below its share once these recipients are counted (deterministic, so a run's
    // mix does not hang on which class one 200-recipient fan-out happened to draw).
    const after = sent.total + recipients.length;
    const cls = classes.reduce((best, [c, w]) => ((w / weight) * after - sent[c] > (best[1] / weight) * after - sent[best[0]] ? [c, w] : best))[0];
    sent[cls] += recipients.length;
    sent.total = after;
    const topic = TOPICS[cls][i % TOPICS[cls].length];
    const eventId = `${p.runId}-${i}`;
    if (measured) res.events[fanout ? `${cls} (fan-out)` : cls] = (res.events[fanout ? `${cls} (fan-out)` : cls] ?? 0) + recipients.length;
    const body = JSON.stringify({
      eventId,
      class: cls,
      topic,
      recipients,
      title: cls === "transactional" ? "New sign-in to your account" : cls === "marketing" ? "What's new this week" : "Ann replied to your comment",
      body: "Open the app to see the details. You can change which notifications you get in your settings.",
      url: "/activity",
    });
    if (measured) res.posts++;
    const online = measured ? recipients.filter((u) => p.online[u] !== undefined) : [];
    const sentAt = Date.now();
    for (const u of online) postedAt.set(`${eventId}/${u}`, { at: sentAt, fanout });
    res.expectedVisible += online.length;
    answers.push(
      fetch(`${p.url}/v1/notify`, { method: "POST", headers, body })
        .then(async (r) => {
          const text = await r.text();
          if (r.status !== 202) throw new Error(`${r.status} ${text}`);
        })
        .catch((err: Error) => {
          // A refused event is expected nowhere.
          for (const u of online) if (postedAt.delete(`${eventId}/${u}`)) res.expectedVisible--;
          if (!measured) return;
          res.errors++;
          if (res.errorSamples.length < 5) res.errorSamples.push(err.message.slice(0, 300));
        }),
    );
  }
  await Promise.all(answers);
  onSendingDone();
  const drainStart = Date.now();
  while (res.visible < res.expectedVisible && Date.now() - drainStart < p.drainMs) await sleep(50);
  // The sockets stay open: the main thread measures first, then ends this worker.
  return res;
}
