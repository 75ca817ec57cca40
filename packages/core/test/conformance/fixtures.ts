import { randomUUID } from "node:crypto";
import type { DocRef } from "../../src/doc-ref.js";
import type { LogEntry, Op } from "../../src/ops/types.js";
import type { InboxChange, LogBatch } from "../../src/ports/records.js";
import { proseGenerator } from "./prose.js";

/** A unique id matching ID_PATTERN (so suites can share one backing store between tests). */
export function uid(prefix = "x"): string {
  return `${prefix}${randomUUID().replaceAll("-", "").slice(0, 16)}`;
}

export function newDoc(tenant = uid("t")): DocRef {
  return { tenant, docId: uid("d") };
}

/** One entry of every op type, with Unicode and emoji in the texts and split ranges on delete/format. */
export function variedEntries(seqStart: number, prefix = uid("op")): LogEntry[] {
  const common = (k: number) => ({
    seq: seqStart + k,
    id: `${prefix}-${k}`,
    clientId: "client-1",
    clientSeq: k + 1,
    userId: "user-1",
    serverTs: 1_760_000_000_000 + k,
  });
  return [
    { ...common(0), type: "insert", pos: 0, text: "Grüße, 世界! 👋🏽 family: 👨‍👩‍👧 ok" },
    { ...common(1), type: "delete", pos: 2, len: 9, ranges: [{ pos: 2, len: 3 }, { pos: 8, len: 3 }] },
    { ...common(2), type: "format", pos: 0, len: 4, attrs: { bold: true, size: 12, color: "red", link: null } },
    { ...common(3), type: "format", pos: 1, len: 6, attrs: { italic: true }, ranges: [{ pos: 1, len: 2 }, { pos: 5, len: 2 }] },
    { ...common(4), type: "comment", threadId: "th-1", body: "Looks good ✅ — «quoted»", mentions: ["u2", "u3"], anchor: { pos: 0, len: 3 } },
    { ...common(5), type: "comment", threadId: "th-1", body: "no anchor" },
    { ...common(6), type: "reaction", threadId: "th-1", commentId: "cm-1", emoji: "🎉" },
    { ...common(7), type: "task", taskId: "tk-1", assignee: "u2", title: "Ship it 🚀", status: "open" },
    { ...common(8), type: "acl", targetUserId: "u3", role: "commenter" },
    { ...common(9), type: "delete", pos: 0, len: 1 },
  ];
}

/** `count` insert entries of `bytes` bytes of English prose each, seqs from `seqStart`. */
export function proseEntries(seqStart: number, count: number, bytes = 1024, seed = seqStart): LogEntry[] {
  const text = proseGenerator(seed);
  const prefix = uid("op");
  return Array.from({ length: count }, (_, k) => ({
    seq: seqStart + k,
    id: `${prefix}-${k}`,
    clientId: `client-${k % 7}`,
    clientSeq: k + 1,
    userId: `user-${k % 7}`,
    serverTs: 1_760_000_000_000 + k,
    type: "insert" as const,
    pos: k,
    text: text(bytes),
  }));
}

/** Small insert entries with seqs seqStart..seqStart+count-1. */
export function smallEntries(seqStart: number, count: number, prefix = uid("op")): LogEntry[] {
  return Array.from({ length: count }, (_, k) => ({
    seq: seqStart + k,
    id: `${prefix}-${seqStart + k}`,
    clientId: "c1",
    clientSeq: seqStart + k,
    userId: "u1",
    serverTs: 1_760_000_000_000 + seqStart + k,
    type: "insert" as const,
    pos: 0,
    text: `e${seqStart + k}`,
  }));
}

/** A batch of the given entries (their seqs must be consecutive). */
export function batchOf(doc: DocRef, entries: LogEntry[], lenAfter = entries[entries.length - 1].seq): LogBatch {
  return {
    doc,
    seqStart: entries[0].seq,
    seqEnd: entries[entries.length - 1].seq,
    entries,
    lenAfter,
    clients: [{ clientId: entries[0].clientId, next: entries[entries.length - 1].clientSeq + 1 }],
    committedAt: 1_760_000_000_000 + entries[0].seq,
  };
}

export function opsFor(firstSeq: number, count: number, prefix = uid("op")): Op[] {
  return Array.from({ length: count }, (_, k) => ({
    id: `${prefix}-${firstSeq + k}`,
    seq: firstSeq + k,
    type: "insert" as const,
    pos: k,
    text: `héllo 👋 ${k}`,
    ts: 1_760_000_000_000 + k,
  }));
}

export function changeOf(doc: DocRef, fields: Partial<InboxChange> = {}): InboxChange {
  const firstSeq = fields.firstSeq ?? 1;
  const ops = fields.ops ?? opsFor(firstSeq, 3);
  return {
    doc,
    clientId: "client-1",
    userId: "user-1",
    base: 0,
    firstSeq,
    lastSeq: firstSeq + ops.length - 1,
    ops,
    acceptedAt: 1_760_000_000_000,
    skewed: 0,
    ...fields,
  };
}
