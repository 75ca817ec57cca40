/**
 * The `weft.ops.committed` bus event: ONE entry per committed document batch (never one per
 * op: EventBridge bills every started 64 KB of an entry, so per-op entries would multiply the
 * cost of small ops). The ops travel inline while the whole entry stays within 64 KB (one
 * billing unit); above that the detail carries `opsRef` instead, and consumers read the range
 * from the log (`resolveCommittedOps`). A log batch is one storage item (< 400 KB), so an
 * inline detail could also overrun EventBridge's 256 KB entry limit: the pointer covers both.
 *
 * Consumers get at-least-once delivery: the same detail may arrive more than once (retries,
 * re-drives), so each consumer must be idempotent per (tenant, docId, seq range).
 */
import { z } from "zod";
import { DOC_ID_PATTERN, TENANT_ID_PATTERN } from "../doc-ref.js";
import { WeftError } from "../errors.js";
import { MAX_INT, MAX_TIMESTAMP_MS } from "../limits.js";
import type { LogEntry } from "../ops/types.js";
import type { BusEntry } from "../ports/bus.js";
import type { LogStore } from "../ports/log-store.js";
import { busEntrySize } from "./bus-entry.js";
import type { LogBatch } from "../ports/records.js";

/** Source and detail type of the event (infra/manifest.ts COMMITTED_EVENT holds the same values; a test checks). */
export const COMMITTED_SOURCE = "weft";
export const COMMITTED_DETAIL_TYPE = "weft.ops.committed";

/** Largest entry (as EventBridge measures it) that still carries its ops inline: one 64 KB billing unit. */
export const MAX_INLINE_ENTRY_BYTES = 64 * 1024;

/** Where the ops of a pointer event are: log entries with `after < seq <= until`. */
export interface OpsRef {
  after: number;
  until: number;
}

interface CommittedBase {
  tenant: string;
  docId: string;
  seqStart: number;
  seqEnd: number;
  /** Server ms of the commit (also the bus entry's time). */
  committedAt: number;
}

/** The detail of a `weft.ops.committed` event: the batch's ops inline, or a pointer to them. */
export type CommittedDetail = (CommittedBase & { ops: LogEntry[] }) | (CommittedBase & { opsRef: OpsRef });

/**
 * The bus entries for committed batches: one per batch, in the given order. A batch with no
 * entries yields nothing. Pure: the same batches always give the same entries.
 */
export function committedEntries(batches: LogBatch[]): BusEntry[] {
  const out: BusEntry[] = [];
  for (const batch of batches) {
    if (batch.entries.length === 0) continue;
    const base: CommittedBase = {
      tenant: batch.doc.tenant,
      docId: batch.doc.docId,
      seqStart: batch.seqStart,
      seqEnd: batch.seqEnd,
      committedAt: batch.committedAt,
    };
    const inline: BusEntry = entryOf({ ...base, ops: batch.entries }, batch.committedAt);
    if (busEntrySize(inline) <= MAX_INLINE_ENTRY_BYTES) out.push(inline);
    else out.push(entryOf({ ...base, opsRef: { after: batch.seqStart - 1, until: batch.seqEnd } }, batch.committedAt));
  }
  return out;
}

function entryOf(detail: CommittedDetail, time: number): BusEntry {
  return { source: COMMITTED_SOURCE, detailType: COMMITTED_DETAIL_TYPE, detail, time };
}

const seqSchema = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/**
 * One log entry as carried inline: its envelope is checked (seq, id, author, client, server
 * time, type); the op-specific fields pass through as the log wrote them.
 */
const logEntrySchema = z.looseObject({
  seq: seqSchema,
  id: z.string().min(1).max(64),
  clientId: z.string().min(1),
  clientSeq: z.number().int().min(0).max(MAX_INT),
  userId: z.string().min(1),
  serverTs: z.number().min(0).max(MAX_TIMESTAMP_MS),
  type: z.string().min(1),
});

const baseShape = {
  tenant: z.string().regex(TENANT_ID_PATTERN, { error: "tenant must match [A-Za-z0-9_.-]{1,64}" }),
  docId: z.string().regex(DOC_ID_PATTERN, { error: "docId must match [A-Za-z0-9_.-]{1,128}" }),
  seqStart: seqSchema,
  seqEnd: seqSchema,
  committedAt: z.number().min(0).max(MAX_TIMESTAMP_MS),
};

/**
 * The detail schema consumers validate against. Beyond shape: seqStart <= seqEnd; inline ops
 * are exactly the seqs seqStart..seqEnd in order; a pointer is exactly {after: seqStart-1,
 * until: seqEnd}. Exactly one of `ops` / `opsRef` is present.
 */
export const committedDetailSchema = z
  .union([
    z.strictObject({ ...baseShape, ops: z.array(logEntrySchema).min(1) }),
    z.strictObject({ ...baseShape, opsRef: z.strictObject({ after: z.number().int().min(0), until: seqSchema }) }),
  ])
  .superRefine((d, ctx) => {
    if (d.seqStart > d.seqEnd) ctx.addIssue({ code: "custom", path: ["seqEnd"], message: "seqEnd must be >= seqStart" });
    if ("ops" in d) {
      const bad = d.ops.findIndex((e, i) => e.seq !== d.seqStart + i);
      if (bad >= 0 || d.ops.length !== d.seqEnd - d.seqStart + 1) {
        ctx.addIssue({ code: "custom", path: ["ops", Math.max(bad, 0)], message: "ops must be exactly seqs seqStart..seqEnd in order" });
      }
    } else if (d.opsRef.after !== d.seqStart - 1 || d.opsRef.until !== d.seqEnd) {
      ctx.addIssue({ code: "custom", path: ["opsRef"], message: "opsRef must be {after: seqStart - 1, until: seqEnd}" });
    }
  });

/**
 * Validates an event's detail. Returns the typed detail, or throws WeftError("invalid_request")
 * whose details name each bad path (a consumer should dead-letter such an event, not retry it).
 */
export function parseCommittedDetail(detail: unknown): CommittedDetail {
  const parsed = committedDetailSchema.safeParse(detail);
  if (parsed.success) return parsed.data as CommittedDetail;
  throw new WeftError(
    "invalid_request",
    `not a ${COMMITTED_DETAIL_TYPE} detail`,
    parsed.error.issues.map((i) => ({ path: i.path.join("."), issue: i.message })),
  );
}

/** Page size of the log reads behind a pointer. */
const READ_PAGE = 1000;

/**
 * The ops of a committed event: the inline ops, or the pointed range read from the log
 * (paged). Throws WeftError("internal") when the log does not hold the whole range, which for
 * a committed batch means the wrong table or tenant: retrying will not help.
 */
export async function resolveCommittedOps(detail: CommittedDetail, log: LogStore): Promise<LogEntry[]> {
  if ("ops" in detail) return detail.ops;
  const doc = { tenant: detail.tenant, docId: detail.docId };
  const { after, until } = detail.opsRef;
  const out: LogEntry[] = [];
  let cursor = after;
  while (cursor < until) {
    const page = await log.entries(doc, cursor, Math.min(READ_PAGE, until - cursor));
    if (page.length === 0) break;
    for (const e of page) if (e.seq <= until) out.push(e);
    cursor = page[page.length - 1].seq;
  }
  if (out.length !== until - after || out.some((e, i) => e.seq !== after + 1 + i)) {
    throw new WeftError("internal", `log of ${detail.docId} does not hold seqs ${after + 1}..${until}`);
  }
  return out;
}
