import { retraction } from "./digests.js";
import type { DigestFacts } from "./digest-resolver.js";
import { liveItems, type Pending, withFacts } from "./facts.js";
import { ACL_SUBJECT_KIND, type NotifyIntent } from "./intent.js";
import { renderedHash, renderItems } from "./render.js";
import { renderedDelivery, type Run } from "./run.js";
import { digestWith, type OpenDigest, type PendingItem } from "./state.js";

/**
 * Whether the recipient may read the intent's document, from the intent's `readAccess` (what
 * its source saw in the document's ACL) and the recipient's groups as last seen (`groups`;
 * undefined: unknown, so group entries grant nothing). An intent without `readAccess` is not
 * about access (an app event without a document): readable.
 */
export function intentReadable(intent: Pick<NotifyIntent, "readAccess">, groups: readonly string[] | undefined): boolean {
  const access = intent.readAccess;
  if (access === undefined || access === true) return true;
  if (access.length === 0 || groups === undefined || groups.length === 0) return false;
  for (const g of access) if (groups.includes(g)) return true;
  return false;
}

const LOST = "the user can no longer read the document";

/**
 * The recipient can no longer read `docId`: every pending item of it (but the notices that
 * their access changed, subject kind ACL_SUBJECT_KIND) is dropped, each recorded
 * `suppressed:permission` (on `email` for a pending email fallback): its items in open digests
 * (a digest left with nothing is withdrawn, and its in-app item retracted when one was shown),
 * items held by the cap or quiet hours, and email fallbacks. Digests holding items of other
 * documents too keep those; one whose in-app item was shown gets a new version of it at once,
 * rendered from what is left and current facts (as when an item joins it), so the feed no
 * longer shows the lost document's title or excerpt. Pending (facts.ts) while asking the
 * DigestResolver for those facts.
 */
export function dropDocItems(run: Run, docId: string): Pending {
  const s = run.s;
  const of = (i: PendingItem) => i.docId === docId && i.subject?.kind !== ACL_SUBJECT_KIND;
  const shown: OpenDigest[] = [];
  if (s.digests.some((d) => d.items.some(of))) {
    const kept: OpenDigest[] = [];
    for (const d of s.digests) {
      const dropped = d.items.filter(of);
      if (dropped.length === 0) {
        kept.push(d);
        continue;
      }
      for (const i of dropped) run.record(i.eventId, "suppressed:permission", d.id, undefined, `${LOST}; dropped from its digest`);
      const rest = d.items.filter((i) => !of(i));
      if (rest.length > 0) {
        // A new object (never the input state's): this run may change it.
        const left = digestWith(d, rest);
        kept.push(left);
        if (d.version > 0) shown.push(left);
      } else if (d.version > 0) run.deliveries.push(retraction(run, d, dropped));
    }
    s.digests = kept;
  }
  if (s.held.some(of)) {
    s.held = s.held.filter((i) => {
      if (!of(i)) return true;
      run.record(i.eventId, "suppressed:permission", undefined, undefined, `${LOST}; no longer held for sending`);
      return false;
    });
  }
  if (s.fallbacks.some((f) => of(f.item))) {
    s.fallbacks = s.fallbacks.filter((f) => {
      if (!of(f.item)) return true;
      run.record(f.item.eventId, "suppressed:permission", undefined, "email", `${LOST}; its email fallback is cancelled`);
      return false;
    });
  }
  if (shown.length === 0) return;
  return withFacts(run, shown.flatMap((d) => d.items), (facts) => {
    for (const d of shown) reshow(run, d, facts);
  });
}

/**
 * The next in-app version of a shown digest that lost items (what showInApp emits when an item
 * joins): its live items rendered with `facts`, or its withdrawal when none is left.
 */
function reshow(run: Run, d: OpenDigest, facts: DigestFacts | undefined): void {
  const before = d.items;
  d.items = liveItems(run, d.items, facts);
  if (d.items.length === 0) {
    run.s.digests = run.s.digests.filter((x) => x !== d);
    run.deliveries.push(retraction(run, d, before));
    return;
  }
  const r = renderItems(d.items, facts);
  d.version += 1;
  d.rendered = renderedHash(r);
  run.deliveries.push(renderedDelivery(run, d.id, "in_app", r, d.version));
}
