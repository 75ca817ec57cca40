import type { DocRef } from "../doc-ref.js";
import type { InboxChange } from "./records.js";

/**
 * The inbox: where ingest durably keeps accepted changes until the sequencer commits them.
 * Its change stream (DynamoDB Streams on AWS) feeds the sequencer; this port is the
 * read/write side only.
 *
 * Contract:
 * - A change is identified by (doc, clientId, firstSeq, partOf): `partOf` is set only on the
 *   continuation parts of a change too large for one item (ingest/inbox-parts.ts), so a part
 *   never collides with a change that starts at the same seq. `put` stores a change only if
 *   none with that identity exists (atomically, also under concurrent calls) and otherwise
 *   returns the stored one untouched: exactly one of N concurrent identical puts creates.
 * - Documents are isolated: the same docId in two tenants never share anything.
 * - `get` is strongly consistent (sees every completed put).
 * - `findOp` returns the newest stored change that contains an op with that id, or undefined.
 * - `wake` writes a wake-up record for the document into the stream; writing the same
 *   (doc, dueAt) twice is harmless. Wake-ups are not returned by `get`/`findOp`.
 */
export interface InboxStore {
  put(change: InboxChange): Promise<{ created: true } | { created: false; existing: InboxChange }>;
  get(doc: DocRef, clientId: string, firstSeq: number, partOf?: number): Promise<InboxChange | undefined>;
  findOp(doc: DocRef, opId: string): Promise<InboxChange | undefined>;
  wake(doc: DocRef, dueAt: number): Promise<void>;
}
