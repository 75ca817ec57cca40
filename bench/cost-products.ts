import type { DocLoadParams } from "./cost-doc-load.js";
import type { CostLoadTask } from "./cost-load.js";
import type { ServiceName } from "../packages/core/src/cost/bill-types.js";

/**
 * The products Weft is built for (../shared/seeds), as `bench cost` measures them: each one's
 * scale and budget from its brief, and a workload shaped like its traffic, run at local scale
 * through the real handlers; the measured usage per product event is then priced at the
 * product's average and peak rates.
 *
 * Adding a product: one entry here. A product whose traffic Weft cannot carry yet has a
 * `notYet` reason instead of a workload (it is printed as "not yet measurable"); when its
 * pipeline lands, give it a `setup` and a `load` (a CostLoadTask: extend cost-load.ts with a
 * new kind if its clients are new).
 */
export interface ProductSpec {
  id: string;
  name: string;
  /** The brief it comes from (../shared/seeds). */
  brief: string;
  /** What one product event is, as the brief counts its rates. */
  event: string;
  averagePerSec: number;
  peakPerSec: number;
  budgetUsdPerMonth: number;
  /** Services the budget does not cover (BillInput.budgetExcludes), with the reason in `assumptions`. */
  budgetExcludes?: ServiceName[];
  /**
   * Ops in one log compaction on AWS (a document's day, or 10,000 ops: core
   * log/compaction-schedule.ts), where the bench's holds its ~30 s of typing: the compactor's
   * usage that comes once per compaction is scaled to it (bench/cost.ts runCompaction).
   */
  logOpsPerCompaction?: number;
  /** Where a number is not from the brief. */
  assumptions: string[];
  notYet?: string;
  /**
   * Simulated seconds per real second while the workload runs (warm-up included; default 1).
   * A product whose users each see a few events a day cannot be run at its per-user rate in
   * seconds: its workload sends at its own rate to few users, and the handlers' clock (the local
   * stack's fake clock) runs this much faster, so every user sees events as often per simulated
   * hour as the brief says, and windows, caps, digests, fallbacks and expiries play out as they
   * would. The clock returns to real time when the load's last event is sent.
   */
  clockSpeed?: number;
  /** Users and documents the workload needs (not metered). */
  setup?: (ctx: SetupContext) => Promise<void>;
  /** The product's traffic for `seconds` at local scale. */
  load?: (ctx: LoadContext) => CostLoadTask;
}

export interface SetupContext {
  url: string;
  tenant: string;
  token(userId: string, role?: "admin" | "service"): Promise<string>;
  /** POST a change as `userId`; resolves once the server answered 202. */
  post(userId: string, docId: string, ops: Array<Record<string, unknown>>): Promise<void>;
  request(method: string, path: string, token: string, body?: unknown): Promise<unknown>;
}

export interface LoadContext {
  url: string;
  tokens: Record<string, string>;
  serviceToken: string;
  keystrokes: Array<[number, string]>;
  seconds: number;
  warmupSeconds: number;
  /** The editors' SDK `sendIntervalMs` (bench flag --sendInterval). */
  sendIntervalMs: number;
  /** The room tier's WebSocket URL when documents go through it (bench flag --transport rooms, the default). */
  roomsUrl?: string;
  /** Every room task's URL (`roomsUrl` first; bench flag --roomTasks). */
  roomsUrls?: string[];
  runId: string;
}

/** Documents of `editors` + `viewers` members each: user ids `e<doc>-<k>`, `v<doc>-<k>`. */
export function docMembers(docs: number, editors: number, viewers: number, prefix: string) {
  return Array.from({ length: docs }, (_, d) => ({
    docId: `${prefix}-${d}`,
    editors: Array.from({ length: editors }, (_, k) => `e${d}-${k}`),
    viewers: Array.from({ length: viewers }, (_, k) => `v${d}-${k}`),
  }));
}

/** Creates each document (its first editor owns it) and gives the others their roles, as a real app would. */
async function createDocs(ctx: SetupContext, docs: ReturnType<typeof docMembers>): Promise<void> {
  for (const d of docs) {
    const [owner, ...others] = d.editors;
    await ctx.post(owner, d.docId, [
      { type: "insert", pos: 0, text: "Draft\n" },
      ...others.map((u) => ({ type: "acl", userId: u, role: "editor" })),
      ...d.viewers.map((u) => ({ type: "acl", userId: u, role: "viewer" })),
    ]);
  }
}

/** The live-documents load: `docs` typed into at `keysPerSec` per editor, with `collab` events, paced as the context says. */
function docsLoad(docs: ReturnType<typeof docMembers>, keysPerSec: number, collab: DocLoadParams["collab"]): (ctx: LoadContext) => CostLoadTask {
  return (ctx) => ({
    kind: "docs",
    params: {
      url: ctx.url, tokens: ctx.tokens, docs, keystrokes: ctx.keystrokes, keysPerSecPerEditor: keysPerSec, paceMs: ctx.sendIntervalMs, collab,
      ...(ctx.roomsUrl ? { roomsUrl: ctx.roomsUrl, roomsUrls: ctx.roomsUrls ?? [ctx.roomsUrl] } : {}),
      warmupMs: ctx.warmupSeconds * 1000, durationMs: ctx.seconds * 1000, drainMs: 30_000, runId: ctx.runId,
    },
  });
}

const DOCS = docMembers(12, 3, 2, "docflow");
const COLLAB_DOCS = docMembers(24, 3, 3, "collab");
/**
 * The collaboration brief's events per daily active collaborator: 25,000 events/s over 1.2M
 * daily active collaborators is 1,800 events a day each.
 */
const COLLAB_EVENTS_PER_COLLABORATOR_PER_DAY = (25_000 * 86_400) / 1_200_000;
/**
 * Of them, the social ones a collaborator causes a day (assumed; the brief gives none: a heavy
 * user's day): the rest are edits (keystrokes).
 */
const COLLAB_SOCIAL_PER_COLLABORATOR_PER_DAY = { comment: 15, mention: 5, reaction: 15, task: 5, acl: 5 };
const COLLAB_SOCIAL_PER_DAY = Object.values(COLLAB_SOCIAL_PER_COLLABORATOR_PER_DAY).reduce((a, b) => a + b, 0);
/** Editors per collaboration document and their keystrokes per second each. */
const COLLAB_EDITORS = 3;
const COLLAB_KEYS_PER_SEC = 1;
/** Social events per second per document, so that they are the brief's share of all events. */
const COLLAB_SOCIAL_PER_DOC_PER_SEC = (COLLAB_EDITORS * COLLAB_KEYS_PER_SEC * COLLAB_SOCIAL_PER_DAY) / (COLLAB_EVENTS_PER_COLLABORATOR_PER_DAY - COLLAB_SOCIAL_PER_DAY);
const NOTIFY_USERS = Array.from({ length: 400 }, (_, k) => `u${k}`);
/** The notification workload: events per second, and a fan-out of FANOUT_SIZE recipients every FANOUT_EVERY events. */
const NOTIFY_EVENTS_PER_SEC = 15;
const FANOUT_EVERY = 200;
const FANOUT_SIZE = 200;
/**
 * The notification product's tenant policy: the brief's Pattern B (docs/api.md, tenant policy):
 * low social topics never by email, the rest's email (users no push reaches) as an hourly digest.
 */
const NOTIFY_POLICY = {
  version: "brief-pattern-b",
  topicChannels: { reactions: ["in_app", "web_push", "mobile_push"], comments: ["in_app", "web_push", "mobile_push"] },
  emailDigest: { classes: ["social", "marketing"], windowMs: 3_600_000 },
};

/** The notification brief's per-user rate: 150M notifications a day to 30M daily users. */
const NOTIFICATIONS_PER_USER_PER_DAY = 5;
/** Notifications per real second the workload sends (a fan-out event is one event to FANOUT_SIZE). */
const NOTIFICATIONS_PER_SEC = NOTIFY_EVENTS_PER_SEC * (1 + (FANOUT_SIZE - 1) / FANOUT_EVERY);

export const PRODUCTS: ProductSpec[] = [
  {
    id: "document",
    name: "Document product (DocFlow)",
    brief: "001_1a006b94aea0a4d8.txt",
    event: "edit op (a keystroke)",
    averagePerSec: 40_000,
    peakPerSec: 250_000,
    budgetUsdPerMonth: 40_000,
    assumptions: [
      "3 editors and 2 viewers per document, each editor typing 2 keystrokes/s from the automerge-paper trace (the brief's 120K concurrent editors at 250K ops/s peak is ~2 ops/s each)",
      "one comment per 20 s per document",
      "a document is typed into for half an hour a day (the session length the connection costs assume, docs/cost.md): 10,800 ops, compacted at 10,000 ops and at the day's end, 5,400 ops a compaction",
    ],
    logOpsPerCompaction: 5_400,
    setup: (ctx) => createDocs(ctx, DOCS),
    load: docsLoad(DOCS, 2, { perDocPerSec: 0.05, mix: { comment: 1, mention: 0, reaction: 0, task: 0, acl: 0 } }),
  },
  {
    id: "collab-notifications",
    name: "Collaboration notifications (CollabHub)",
    brief: "000_73ab27f3ab7193fe.txt",
    event: "collaboration event (a keystroke, comment, mention, reaction, task assignment or role change)",
    averagePerSec: 25_000,
    peakPerSec: 120_000,
    budgetUsdPerMonth: 35_000,
    assumptions: [
      "3 editors and 3 viewers per document; editors type 1 keystroke/s",
      `the social events are the share of all events a collaborator's day holds: the brief's 25K events/s over 1.2M daily active collaborators is ${COLLAB_EVENTS_PER_COLLABORATOR_PER_DAY} events a day each, of which ${COLLAB_SOCIAL_PER_DAY} are assumed social (comments ${COLLAB_SOCIAL_PER_COLLABORATOR_PER_DAY.comment}, mentions ${COLLAB_SOCIAL_PER_COLLABORATOR_PER_DAY.mention}, reactions ${COLLAB_SOCIAL_PER_COLLABORATOR_PER_DAY.reaction}, task assignments ${COLLAB_SOCIAL_PER_COLLABORATOR_PER_DAY.task}, role changes ${COLLAB_SOCIAL_PER_COLLABORATOR_PER_DAY.acl}) and the rest edits: ${(COLLAB_SOCIAL_PER_DOC_PER_SEC).toFixed(3)} social events/s per document, in that mix`,
      "notifications as the engine decides them for the documents' members with default preferences (in-app; no devices or email registered)",
      "a document is typed into for half an hour a day: 5,400 ops, one compaction at the day's end",
    ],
    logOpsPerCompaction: 5_400,
    setup: (ctx) => createDocs(ctx, COLLAB_DOCS),
    load: docsLoad(COLLAB_DOCS, COLLAB_KEYS_PER_SEC, { perDocPerSec: COLLAB_SOCIAL_PER_DOC_PER_SEC, mix: COLLAB_SOCIAL_PER_COLLABORATOR_PER_DAY }),
  },
  {
    id: "notifications",
    name: "Notification system",
    brief: "003_3e6d840253325fe2.txt",
    event: "notification (one event to one recipient)",
    averagePerSec: 1_700,
    peakPerSec: 5_000,
    budgetUsdPerMonth: 35_000,
    budgetExcludes: ["SES", "SNS"],
    assumptions: [
      "budget: the brief names none; the lower end of the other briefs' ($35K) is used for the pipeline, and the channel providers' per-message fees (SES email, SNS SMS) are outside it, as the brief puts them: it prices email and SMS per message and has daily rollups bill that spend to the source team that sent it (its cost attribution), while its own channel rules fix their volume (with 20% of users reachable by no push, the transactional fallback alone is ~0.05 emails per notification, ~$23K a month of SES)",
      "the tenant policy is the brief's channel selection (Pattern B): social notifications in-app when online, else by push, else by email only for the high topic (mentions: not reactions or comments, whose `topicChannels` have no email), and that email as an hourly digest (`emailDigest`, social and marketing); transactional ones push, then email if unread after 15 minutes and no push reaches the user (Pattern A)",
      "400 users: every one with a verified email, 60% an Android (FCM) device, 20% a web push subscription, 10% a verified phone; 10% online (WebSocket)",
      "notifications ~70% social, ~25% transactional, ~5% marketing (each event gets the class furthest below its share of recipients so far), one recipient per event plus one fan-out to 200 recipients every 200 events (about half of all notifications)",
      `the handlers' clock runs ${Math.round((NOTIFICATIONS_PER_SEC / NOTIFY_USERS.length) * (86_400 / NOTIFICATIONS_PER_USER_PER_DAY))}x real time, so each user gets the brief's 5 notifications per simulated day`,
    ],
    clockSpeed: (NOTIFICATIONS_PER_SEC / NOTIFY_USERS.length) * (86_400 / NOTIFICATIONS_PER_USER_PER_DAY),
    setup: async (ctx) => {
      const admin = await ctx.token("bench-admin", "admin");
      await ctx.request("PUT", "/v1/admin/notifications/policy", admin, NOTIFY_POLICY);
      for (const [k, u] of NOTIFY_USERS.entries()) {
        await ctx.request("PUT", `/v1/admin/users/${u}/contacts`, admin, {
          name: `User ${k}`,
          email: { address: `${u}@example.com`, verified: true },
          ...(k % 10 === 0 ? { phone: { number: `+1415555${String(1000 + k).padStart(4, "0")}`, verified: true } } : {}),
        });
        const token = await ctx.token(u);
        if (k % 5 < 3) await ctx.request("POST", "/v1/me/devices", token, { kind: "mobile_push", platform: "fcm", token: `fcm-token-${u}` });
        if (k % 5 === 3) {
          await ctx.request("POST", "/v1/me/devices", token, {
            kind: "web_push",
            endpoint: `https://fcm.googleapis.com/fcm/send/${u}`,
            keys: { p256dh: "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", auth: "tBHItJI5svbpez7KI4CCXg" },
          });
        }
      }
    },
    load: (ctx) => ({
      kind: "notify",
      params: {
        url: ctx.url, serviceToken: ctx.serviceToken, users: NOTIFY_USERS,
        online: Object.fromEntries(NOTIFY_USERS.filter((_, k) => k % 10 === 5).map((u) => [u, ctx.tokens[u]])),
        eventsPerSec: NOTIFY_EVENTS_PER_SEC, mix: { social: 70, transactional: 25, marketing: 5 }, fanoutEvery: FANOUT_EVERY, fanoutSize: FANOUT_SIZE,
        warmupMs: ctx.warmupSeconds * 1000, durationMs: ctx.seconds * 1000, drainMs: 30_000, runId: ctx.runId,
      },
    }),
  },
  {
    id: "ide",
    name: "Collaborative IDE (CodeWave)",
    brief: "002_7a314d2a49a7ee3d.txt",
    event: "event (edit, cursor move, chat message, execution log line)",
    averagePerSec: 100_000,
    peakPerSec: 300_000,
    budgetUsdPerMonth: 40_000,
    assumptions: ["average: the brief gives only the 300K/s peak; a third of it is assumed"],
    notYet: "its execution, presence and chat events need the event pipeline (issue 13)",
  },
  {
    id: "consumer-app",
    name: "Consumer app data (PulseApp)",
    brief: "004_6bf20b8b26b0a925.txt",
    event: "app event (1-3 KB)",
    averagePerSec: 180_000,
    peakPerSec: 400_000,
    budgetUsdPerMonth: 35_000,
    assumptions: [],
    notYet: "its mobile, web and back-end events need the event pipeline and the lake (issues 13 and 14)",
  },
];

/** Every user id a product's workload acts as (tokens are minted for them). */
export function productUsers(id: string): string[] {
  if (id === "document") return DOCS.flatMap((d) => [...d.editors, ...d.viewers]);
  if (id === "collab-notifications") return COLLAB_DOCS.flatMap((d) => [...d.editors, ...d.viewers]);
  if (id === "notifications") return NOTIFY_USERS;
  return [];
}
