import type { NotificationClass } from "../vocabulary.js";
import type { DigestFacts } from "./digest-resolver.js";
import { hash53Of2 } from "./ids.js";
import type { PendingItem } from "./state.js";

/** What a message says, and what it is about. */
export interface Rendered {
  title: string;
  body: string;
  url?: string;
  data?: Record<string, unknown>;
  class: NotificationClass;
  topic: string;
  docId?: string;
  eventIds: string[];
}

const RANK: Record<NotificationClass, number> = { marketing: 0, social: 1, transactional: 2, critical: 3 };

/** Builtin topics whose summaries read as a sentence: "<who> <verb> <document>". */
const VERBS: Record<string, (n: number) => string> = {
  comments: (n) => (n === 1 ? "left a comment on" : `left ${n} comments on`),
  mentions: (n) => (n === 1 ? "mentioned you in" : `mentioned you ${n} times in`),
  reactions: (n) => (n === 1 ? "reacted to your comment on" : `reacted ${n} times to your comments on`),
  edits: () => "edited",
  tasks: (n) => (n === 1 ? "assigned you a task in" : `assigned you ${n} tasks in`),
  permissions: () => "changed your access to",
};

const MAX_BODY_LINES = 5;

/**
 * One item renders as itself (its own title, body, url and data). Several render as a summary
 * from current facts: per (document, topic) group a sentence naming the latest actor and
 * counting the distinct others ("Dan and 2 others left 4 comments on Roadmap"); one group is
 * the title (its latest body the body), several are listed in the body under "N new
 * notifications". The summary's class is the highest of its items'.
 */
export function renderItems(items: readonly PendingItem[], facts: DigestFacts | undefined): Rendered {
  const latest = items[items.length - 1];
  if (items.length === 1) {
    const r: Rendered = { title: latest.title, body: latest.body, class: latest.class, topic: latest.topic, eventIds: [latest.eventId] };
    if (latest.url !== undefined) r.url = latest.url;
    if (latest.data !== undefined) r.data = latest.data;
    if (latest.docId !== undefined) r.docId = latest.docId;
    return r;
  }
  let cls = latest.class;
  // Most summaries are one (document, topic) group (a digest's key is both): no grouping needed.
  let oneGroup = true;
  const doc = latest.docId ?? "";
  for (const it of items) {
    if (RANK[it.class] > RANK[cls]) cls = it.class;
    if (oneGroup && (it.topic !== latest.topic || (it.docId ?? "") !== doc)) oneGroup = false;
  }
  const eventIds = items.map(eventIdOf);
  const data = { summary: true, count: items.length };
  if (oneGroup) {
    const r: Rendered = { title: sentence(items, facts), body: latest.body, class: cls, topic: latest.topic, eventIds, data };
    if (latest.url !== undefined) r.url = latest.url;
    if (latest.docId !== undefined) r.docId = latest.docId;
    return r;
  }
  const groups = new Map<string, PendingItem[]>();
  for (const it of items) {
    const k = `${it.docId ?? ""}\u0001${it.topic}`;
    const g = groups.get(k);
    if (g) g.push(it);
    else groups.set(k, [it]);
  }
  const ordered = [...groups.values()].sort((a, b) => b[b.length - 1].at - a[a.length - 1].at);
  const lines = ordered.slice(0, MAX_BODY_LINES).map((g) => sentence(g, facts));
  if (ordered.length > MAX_BODY_LINES) lines.push(`and ${ordered.length - MAX_BODY_LINES} more`);
  return { title: `${items.length} new notifications`, body: lines.join("\n"), class: cls, topic: latest.topic, eventIds, data };
}

const eventIdOf = (i: PendingItem) => i.eventId;

function sentence(g: readonly PendingItem[], facts: DigestFacts | undefined): string {
  const last = g[g.length - 1];
  const verb = VERBS[last.topic];
  const doc = last.docId === undefined ? undefined : (facts?.docTitles.get(last.docId) ?? "a document");
  if (verb && last.actorId !== undefined && doc !== undefined) {
    const name = facts?.actorNames.get(last.actorId) ?? "Someone";
    // Distinct other actors (a handful: a scan beats a Set).
    const others: string[] = [];
    for (const it of g) if (it.actorId !== undefined && it.actorId !== last.actorId && !others.includes(it.actorId)) others.push(it.actorId);
    const n = others.length;
    const who = n === 0 ? name : `${name} and ${n} other${n === 1 ? "" : "s"}`;
    return `${who} ${verb(g.length)} ${doc}`;
  }
  if (g.length === 1) return last.title;
  return doc === undefined ? `${g.length} ${last.topic} notifications` : `${g.length} ${last.topic} notifications in ${doc}`;
}

/** A short fingerprint of what an in-app item shows. */
export function renderedHash(r: Rendered): string {
  return hash53Of2(r.title, r.body).toString(36);
}
