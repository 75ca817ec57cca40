import type { TenantPolicy } from "../preferences/tenant-policy.js";
import type { ChannelPlan } from "./channels.js";
import { dispatch, makeRoom, planItems } from "./dispatch.js";
import type { DigestFacts } from "./digest-resolver.js";
import { factsFor, liveItems, type Pending, withFacts } from "./facts.js";
import { digestId } from "./ids.js";
import { forStorage, withFeedId } from "./intent.js";
import { ENGINE_LIMITS } from "./limits.js";
import { renderedHash, renderItems } from "./render.js";
import { type Delivery, iso, renderedDelivery, type Run } from "./run.js";
import { appended, type OpenDigest, type PendingItem } from "./state.js";

/**
 * Digests: social and marketing notifications of the tenant's digest topics are gathered per
 * key (the user plus, by default, document and topic) from the first item for the window
 * (the user's, else the tenant's), or until the digest holds digest.maxItems items. The
 * in-app item is kept current as items arrive (same id, version + 1); external channels get
 * one summary at the flush, rendered from current facts (deleted and inaccessible items drop
 * out; if nothing is left nothing is sent). An item at or after a digest's end starts a new
 * digest, even when the old one is flushed in the same call.
 */
export function isDigestible(policy: TenantPolicy, item: PendingItem): boolean {
  return (item.class === "social" || item.class === "marketing") && policy.digest.topics.includes(item.topic);
}

export function digestKeyOf(policy: TenantPolicy, item: PendingItem): string {
  let key = "";
  for (const part of policy.digest.keyBy) {
    if (part === "doc") key += `doc=${item.docId ?? ""};`;
    else if (part === "topic") key += `topic=${item.topic};`;
    else key += `class=${item.class};`;
  }
  return key;
}

export function joinDigest(run: Run, item: PendingItem, plan: ChannelPlan): Pending {
  const { policy, prefs } = run.ctx;
  const d = openDigest(run, digestKeyOf(policy, item), item, prefs.digestWindowMs ?? policy.digest.windowMs);
  makeRoom(run, 1);
  d.items = appended(d.items, forStorage(withFeedId(item, d.id)));
  run.record(item.eventId, "merged", d.id, undefined, `digest of ${d.items.length} item(s); goes out at ${iso(d.dueAt)}`);
  if (!plan.inApp) {
    closeWhenFull(run, d);
    return;
  }
  if (d.items.length === 1) {
    showInApp(run, d, item, undefined);
    return;
  }
  const digest = d;
  return withFacts(run, d.items, (facts) => {
    digest.items = liveItems(run, digest.items, facts);
    if (digest.items.length === 0) {
      // Everything in it is gone (the document was closed to the user): so is the digest.
      run.s.digests = run.s.digests.filter((x) => x !== digest);
      if (digest.version > 0) run.deliveries.push(retraction(run, digest, [item]));
      return;
    }
    showInApp(run, digest, item, facts);
  });
}

/** The digest key of the user's email digest (policy.emailDigest); topic digests' keys never start with it. */
export const EMAIL_DIGEST_KEY = "channel=email;";

/**
 * Whether `item` (planned as `plan`, on the class's channels) goes to the user's email digest
 * instead of an email now: policy.emailDigest names its class and the plan emails it now.
 */
export function joinsEmailDigest(run: Run, item: PendingItem, plan: ChannelPlan): boolean {
  const { policy, prefs } = run.ctx;
  if (!plan.external.includes("email") || prefs.topics[item.topic]?.channels !== undefined) return false;
  return (policy.emailDigest.classes as readonly string[]).includes(item.class);
}

/**
 * Adds `item` to the user's email digest (opened for policy.emailDigest.windowMs if none is
 * open): it has no in-app item of its own (version stays 0), and its flush emails the items
 * still unread then (flushDigest). The item keeps `feedId`, the id of its own in-app item (if
 * any), so reading that item takes it out of the email (markRead).
 */
export function joinEmailDigest(run: Run, item: PendingItem): void {
  const d = openDigest(run, EMAIL_DIGEST_KEY, item, run.ctx.policy.emailDigest.windowMs);
  makeRoom(run, 1);
  d.items = appended(d.items, forStorage(item));
  run.record(item.eventId, "merged", d.id, "email", `email digest of ${d.items.length} item(s); goes out at ${iso(d.dueAt)}`);
  closeWhenFull(run, d);
}

/** The open digest of `key` (owned by this run), else a new one opened by `first` for `windowMs`. */
function openDigest(run: Run, key: string, first: PendingItem, windowMs: number): OpenDigest {
  for (const x of run.s.digests) if (x.key === key && x.dueAt > run.now) return run.ownDigest(x);
  const open = run.s.digests.filter((x) => x.dueAt > run.now);
  if (open.length >= ENGINE_LIMITS.openDigests) {
    const oldest = open.reduce((a, b) => (b.openedAt < a.openedAt ? b : a));
    run.ownDigest(oldest).dueAt = run.now; // flushed by this call's due work
  }
  const d: OpenDigest = { key, id: digestId(run.ctx.tenant, run.ctx.userId, key, first.eventId), openedAt: run.now, dueAt: run.now + windowMs, version: 0, items: [] };
  run.addDigest(d);
  return d;
}

/** Emits the digest's in-app item as it now stands (the next version). */
function showInApp(run: Run, d: OpenDigest, item: PendingItem, facts: DigestFacts | undefined): void {
  const r = renderItems(d.items, facts);
  d.version += 1;
  d.rendered = renderedHash(r);
  run.deliveries.push(inApp(run, d, r));
  run.record(item.eventId, "sent", d.id, "in_app", `digest item version ${d.version}`);
  closeWhenFull(run, d);
}

/** A digest holding digest.maxItems items goes out in this call. */
function closeWhenFull(run: Run, d: OpenDigest): void {
  if (d.items.length >= run.ctx.policy.digest.maxItems) d.dueAt = run.now;
}

/** Flushes a digest (already removed from the state). */
export async function flushDigest(run: Run, d: OpenDigest): Promise<void> {
  const facts = await factsFor(run, d.items);
  const live = liveItems(run, d.items, facts);
  if (d.version > 0) {
    if (live.length === 0) {
      run.deliveries.push(retraction(run, d, d.items));
    } else {
      const r = renderItems(live, facts);
      if (renderedHash(r) !== d.rendered) run.deliveries.push(renderedDelivery(run, d.id, "in_app", r, d.version + 1));
    }
  }
  const unread = live.filter((i) => i.readAt === undefined);
  if (unread.length === 0) return;
  let planned = planItems(run, unread, true);
  // An email digest's items went out on their other channels when they came: only email is left.
  if (d.key === EMAIL_DIGEST_KEY) planned = planned.flatMap((p) => (p.external.includes("email") ? [{ ...p, external: ["email" as const] }] : []));
  const p = dispatch(run, planned, { kind: "digest", baseId: d.id }, facts);
  if (p) await p;
}

function inApp(run: Run, d: OpenDigest, r: ReturnType<typeof renderItems>): Delivery {
  return renderedDelivery(run, d.id, "in_app", r, d.version);
}

/**
 * Removes a digest's in-app item: everything it summarised is gone. It keeps the document its
 * items share (the feed hides items of documents the user can no longer read by it).
 */
export function retraction(run: Run, d: OpenDigest, items: readonly PendingItem[]): Delivery {
  const first = items[0];
  const r: Delivery = {
    tenant: run.ctx.tenant,
    userId: run.ctx.userId,
    notificationId: d.id,
    channel: "in_app",
    title: "",
    body: "",
    class: first?.class ?? "social",
    topic: first?.topic ?? "",
    eventIds: items.map((i) => i.eventId),
    version: d.version + 1,
    retract: true,
  };
  const docId = first?.docId;
  if (docId !== undefined && items.every((i) => i.docId === docId)) r.docId = docId;
  return r;
}
