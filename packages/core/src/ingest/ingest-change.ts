import type { DocRef } from "../doc-ref.js";
import { WeftError } from "../errors.js";
import { CLOCK_SKEW_MS } from "../limits.js";
import type { MetricsRecorder } from "../metrics/recorder.js";
import { parseChangeBody } from "../ops/validate-change.js";
import type { Change, Op } from "../ops/types.js";
import type { Clock } from "../ports/clock.js";
import type { InboxStore } from "../ports/inbox-store.js";
import type { QuarantineStore } from "../ports/quarantine-store.js";
import type { InboxChange } from "../ports/records.js";
import type { SequencerStateStore } from "../ports/sequencer-state-store.js";
import { quarantineRecord, timeId } from "../quarantine.js";
import { isSkipped } from "../sequencer/client-progress.js";
import { splitForStorage, wholeChange } from "./inbox-parts.js";
import { utf8Length } from "../live/utf8.js";
import type { AclReader } from "../access/acl-reader.js";
import type { AccessPolicy } from "../access/access-policy.js";
import { assertMayRead, changeRefusal, docAccess } from "../access/authorize.js";

export interface IngestDeps {
  inbox: InboxStore;
  state: SequencerStateStore;
  quarantine: QuarantineStore;
  clock: Clock;
  metrics: MetricsRecorder;
  /** The documents' ACLs (cached) and the tenant's access policy (cached): who may submit what. */
  acls: AclReader;
  accessPolicy: (tenant: string) => Promise<AccessPolicy>;
}

export interface Principal {
  userId: string;
  tenant: string;
  name?: string;
  admin: boolean;
  /** The token's `groups` claim (strings), matched against a document's group ACL entries. */
  groups?: string[];
  /** Epoch ms when the token expires (its `exp`), when it has one. */
  expiresAt?: number;
  /** A back end acting for the tenant (`role: "service"`), not a person: may send notifications. */
  service?: boolean;
}

export type OpStatus = "accepted" | "duplicate";

/**
 * Accepts one change (the body of POST /v1/docs/{docId}/ops). A change with any invalid op
 * is refused whole and its payload quarantined; otherwise every op ends "accepted" (durably
 * in the inbox, on its way to the log) or "duplicate" (already held or processed).
 *
 * Authorization comes first (access/authorize.ts): a caller with no role on an existing
 * document gets 403 `forbidden` before the body is even parsed, and one whose role does not
 * allow an op gets 403 naming the first such op, before any dedupe, base or progress check, so
 * a refused caller learns nothing about ops, versions or progress. A 403 is counted
 * (`refused.forbidden`), never quarantined. The sequencer judges every op again, exactly.
 *
 * Duplicates are found without any per-op storage: ops below the client's committed
 * progress are duplicates, and a resent change collides with the stored one on its
 * (clientId, first seq) key. Ops resent in a different grouping still reach the inbox; the
 * sequencer drops them, so the log never holds an op twice whatever the client does.
 */
export async function ingestChange(
  deps: IngestDeps,
  who: Principal,
  doc: DocRef,
  body: string | Uint8Array,
): Promise<Array<{ id: string; status: OpStatus }>> {
  const now = deps.clock.now();
  let access = await docAccess(deps.acls, who, doc);
  try {
    assertMayRead(access, doc);
  } catch (err) {
    await countForbidden(deps, who);
    throw err;
  }
  const parsed = parseChangeBody(body);
  if (!parsed.ok) {
    await refuse(deps, who, doc, body, parsed.error, now);
    throw parsed.error;
  }
  const change = parsed.change;
  const needsPolicy = change.ops.some((op) => op.type === "acl");
  const editorsCanShare = needsPolicy ? (await deps.accessPolicy(who.tenant)).editorsCanShare : false;
  // A refusal from the cached ACL is checked again on a fresh read: a grant applies at once.
  let forbidden = changeRefusal(access, who, change.ops, editorsCanShare);
  if (forbidden) {
    access = await docAccess(deps.acls, who, doc, "owner");
    forbidden = changeRefusal(access, who, change.ops, editorsCanShare);
  }
  if (forbidden) {
    await countForbidden(deps, who);
    throw forbidden;
  }
  const status = new Map<string, OpStatus>();
  const progress = await deps.state.client(doc, change.clientId);
  const next = progress?.next ?? 1;
  let keepFrom = change.ops.findIndex((op) => op.seq >= next || (progress !== undefined && isSkipped(progress, op.seq)));
  if (keepFrom < 0) keepFrom = change.ops.length;
  for (const op of change.ops.slice(0, keepFrom)) status.set(op.id, "duplicate");

  let rest = change.ops.slice(keepFrom);
  while (rest.length > 0) {
    // Continuation parts go first: once the primary is visible, so is all of the change.
    const bodyBytes = typeof body === "string" ? utf8Length(body) : body.byteLength;
    const [primary, ...parts] = splitForStorage(inboxChange(who, doc, change, rest, now), undefined, bodyBytes);
    for (const part of parts) await deps.inbox.put(part);
    const put = await deps.inbox.put(primary);
    if (put.created) {
      for (const op of rest) status.set(op.id, "accepted");
      break;
    }
    const stored = (await wholeChange(deps.inbox, put.existing)) ?? put.existing;
    const existing = new Map(stored.ops.map((op) => [op.seq, op.id]));
    const conflicts = rest.filter((op) => existing.has(op.seq) && existing.get(op.seq) !== op.id);
    if (conflicts.length > 0) {
      const error = new WeftError(
        "invalid_request",
        "client seq already used by a different op id",
        conflicts.map((op) => ({
          index: change.ops.indexOf(op),
          id: op.id,
          issue: `seq ${op.seq} of client ${change.clientId} already holds op ${existing.get(op.seq)}`,
        })),
      );
      await refuse(deps, who, doc, body, error, now);
      throw error;
    }
    for (const op of rest) if (existing.has(op.seq)) status.set(op.id, "duplicate");
    rest = rest.filter((op) => !existing.has(op.seq));
  }

  const dups = [...status.values()].filter((s) => s === "duplicate").length;
  if (dups > 0) {
    deps.metrics.count(who.tenant, "duplicates", dups);
    await deps.metrics.flush();
  }
  return change.ops.map((op) => ({ id: op.id, status: status.get(op.id)! }));
}

async function countForbidden(deps: IngestDeps, who: Principal): Promise<void> {
  deps.metrics.count(who.tenant, "refused.forbidden");
  await deps.metrics.flush();
}

function inboxChange(who: Principal, doc: DocRef, change: Change, ops: Op[], now: number): InboxChange {
  return {
    doc,
    clientId: change.clientId,
    userId: who.userId,
    ...(who.groups?.length ? { groups: who.groups } : {}),
    ...(who.admin ? { admin: true } : {}),
    base: change.base,
    firstSeq: ops[0].seq,
    lastSeq: ops[ops.length - 1].seq,
    ops,
    acceptedAt: now,
    skewed: ops.filter((op) => op.ts !== undefined && Math.abs(op.ts - now) > CLOCK_SKEW_MS).length,
  };
}

/** Keeps a refused payload in the quarantine and counts it, before the error goes back. */
async function refuse(
  deps: IngestDeps,
  who: Principal,
  doc: DocRef,
  body: string | Uint8Array,
  error: WeftError,
  now: number,
): Promise<void> {
  await deps.quarantine.put(
    quarantineRecord({
      id: timeId(now),
      tenant: who.tenant,
      at: now,
      source: "ingest",
      reason: error.code,
      message: error.message,
      details: error.details.slice(0, 100),
      docId: doc.docId,
      userId: who.userId,
      payload: body,
    }),
  );
  deps.metrics.count(who.tenant, `refused.${error.code}`);
  await deps.metrics.flush();
}
