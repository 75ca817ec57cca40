import { retraction } from "./digests.js";
import { ACL_SUBJECT_KIND, type NotifyIntent } from "./intent.js";
import type { Run } from "./run.js";
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
 * documents too keep those and are re-rendered from current facts when they flush.
 */
export function dropDocItems(run: Run, docId: string): void {
  const s = run.s;
  const of = (i: PendingItem) => i.docId === docId && i.subject?.kind !== ACL_SUBJECT_KIND;
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
      if (rest.length > 0) kept.push(digestWith(d, rest));
      else if (d.version > 0) run.deliveries.push(retraction(run, d, dropped));
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
}
