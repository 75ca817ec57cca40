import { expect } from "vitest";
import { call } from "./http.js";
import { settled } from "./docs.js";

/**
 * Giving end-to-end tests the document roles they need (access control: a document is its
 * creator's alone until shared, see docs/api.md).
 */

export type Role = "owner" | "editor" | "commenter" | "viewer" | "none";
export type AclTarget = { userId: string } | { groupId: string } | { everyone: true };

/** Ids of the entries the sequencer commits before the first change of a new document. */
export const OWNER_ENTRY_ID = "~owner";
export const EVERYONE_ENTRY_ID = "~everyone";

let shares = 0;

/**
 * Has the holder of `ownerToken` (owner of `docId`, or its creator-to-be) set `target`'s role
 * and waits until that acl op (id `opId`, default `share-<pid>-<n>`) is committed; returns its
 * seq. The op goes from a client of its own (`share-<pid>-<n>`, client seq 1), so it never
 * collides with the test's client seqs. If the document does not exist yet this creates it:
 * the owner entry is seq 1 and the share seq 2 (in a tenant whose policy is the default).
 */
export async function shareDoc(ownerToken: string, docId: string, target: AclTarget, role: Role, opId?: string): Promise<number> {
  const n = shares++;
  const id = opId ?? `share-${process.pid}-${n}`;
  const r = await call("POST", `/v1/docs/${docId}/ops`, {
    token: ownerToken,
    body: { clientId: `share-${process.pid}-${n}`, base: 0, ops: [{ id, seq: 1, type: "acl", role, ...target }] },
  });
  if (r.status !== 202 || r.body.results[0].status !== "accepted") throw new Error(`share ${docId}: ${r.status} ${r.text}`);
  const receipt = await settled(ownerToken, docId, id);
  if (receipt.status !== "committed") throw new Error(`share ${docId} was not committed: ${JSON.stringify(receipt)}`);
  return receipt.seq;
}

/** The creation entries a log starts with (the owner entry, and the everyone entry if any). */
export function isCreationEntry(e: { id: string }): boolean {
  return e.id === OWNER_ENTRY_ID || e.id === EVERYONE_ENTRY_ID;
}

/** The entries a client wrote: the log without the sequencer's creation entries. */
export function clientEntries<E extends { id: string }>(log: readonly E[]): E[] {
  return log.filter((e) => !isCreationEntry(e));
}

/** Checks that a log starts with the owner entry of `creator` (and the `everyone` entry when given). */
export function expectCreatedBy(log: readonly any[], creator: string, everyone?: Role): void {
  expect(log[0]).toMatchObject({ seq: 1, id: OWNER_ENTRY_ID, type: "acl", clientSeq: 0, userId: creator, targetUserId: creator, role: "owner" });
  if (everyone) expect(log[1]).toMatchObject({ seq: 2, id: EVERYONE_ENTRY_ID, type: "acl", clientSeq: 0, userId: creator, everyone: true, role: everyone });
  else expect(log[1]?.id).not.toBe(EVERYONE_ENTRY_ID);
}
