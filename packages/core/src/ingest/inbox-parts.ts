import type { InboxStore } from "../ports/inbox-store.js";
import type { InboxChange } from "../ports/records.js";
import { utf8Length } from "../live/utf8.js";

/**
 * Most ops JSON one stored inbox item holds. DynamoDB items are capped at 400 KB and a
 * change may be up to 1 MiB, so a larger change is stored as a primary item plus
 * continuation parts. Compression usually shrinks ops 3x, but incompressible text must fit too.
 */
export const MAX_INBOX_PART_BYTES = 300_000;

/**
 * Splits a change into storable parts: the first is the primary (listing the others in
 * `parts`), the rest carry `partOf`. A change that fits is returned alone and unchanged.
 */
export function splitForStorage(
  change: InboxChange,
  maxBytes = MAX_INBOX_PART_BYTES,
  /** An upper bound of the ops' JSON size when the caller knows one (the request body's size). */
  knownAtMost = Infinity,
): InboxChange[] {
  if (knownAtMost <= maxBytes) return [change];
  const chunks: InboxChange["ops"][] = [[]];
  let bytes = 0;
  for (const op of change.ops) {
    const size = utf8Length(JSON.stringify(op));
    if (chunks[chunks.length - 1].length > 0 && bytes + size > maxBytes) {
      chunks.push([]);
      bytes = 0;
    }
    chunks[chunks.length - 1].push(op);
    bytes += size;
  }
  if (chunks.length === 1) return [change];
  const part = (ops: InboxChange["ops"]): InboxChange => ({
    ...change,
    ops,
    firstSeq: ops[0].seq,
    lastSeq: ops[ops.length - 1].seq,
    skewed: 0,
  });
  const [first, ...rest] = chunks;
  return [
    { ...part(first), skewed: change.skewed, parts: rest.map((ops) => ops[0].seq) },
    ...rest.map((ops) => ({ ...part(ops), partOf: change.firstSeq })),
  ];
}

/**
 * The whole change a primary item stands for (its own ops plus its parts'), or undefined for
 * a continuation part (which is only ever read through its primary). Parts are written before
 * their primary, so a primary that is visible always finds its parts.
 */
export async function wholeChange(inbox: InboxStore, change: InboxChange): Promise<InboxChange | undefined> {
  if (change.partOf !== undefined) return undefined;
  if (!change.parts?.length) return change;
  const ops = [...change.ops];
  for (const firstSeq of change.parts) {
    const part = await inbox.get(change.doc, change.clientId, firstSeq, change.firstSeq);
    if (!part) throw new Error(`inbox part ${firstSeq} of change ${change.clientId}#${change.firstSeq} is missing`);
    ops.push(...part.ops);
  }
  const { parts: _parts, ...rest } = change;
  return { ...rest, ops, lastSeq: ops[ops.length - 1].seq };
}
