import {
  applyEntries,
  applyText,
  checkApplicable,
  codePointLength,
  textLengthAfter,
  transformSeq,
} from "../core.js";
import type { CanonicalOp, Change, DocState, LogEntry } from "@weft/core";
import { canonicalOfEntry, sameOp, sendablePieces, toClientOp, type LocalOp } from "./canonical.js";
import { invertText } from "./invert.js";
import { mergeInto } from "./merge.js";

/** The change on its way to the server: the body exactly as sent (retries resend it) and the ops' current forms. */
export interface InFlight {
  sent: Change;
  /** Not yet acknowledged ops of `sent`, in order, rebased onto `version`. */
  ops: LocalOp[];
}

/** What applying a run of committed entries did to the local view. */
export interface Received {
  /** The remote ops as applied to the local text (rebased past the local ops), in order. */
  applied: CanonicalOp[];
  /** The author (entry userId) of each applied op. */
  authors: string[];
  /** Ids of own ops acknowledged. */
  acked: string[];
  /** Acknowledged entries that differed from the op the engine expected (0 unless OT disagrees with the server). */
  mismatches: number;
}

/** What a change may hold: the HTTP API's limits, with room for the envelope. */
export const CHANGE_LIMITS = { maxOps: 500, maxBytes: 900_000 };

/**
 * The OT client of one document, without I/O. It holds the committed state (`state`, from
 * committed entries only), at most one change in flight and the pending local ops made since;
 * the local view `text` is committed + in flight + pending.
 *
 * Convergence: remote entries arrive in log order. A run of them is rebased past the local
 * ops with `transformSeq(remote, mine, "left")` and the local ops past them with
 * `transformSeq(mine, remote, "right")`: the server transforms a change against the entries
 * committed after its base with side "right" (committed first on an insert tie), so the
 * in-flight ops end exactly as the server commits them and every client converges (TP1,
 * core ot/transform.ts). The entry carrying the id of the first in-flight op acknowledges it.
 */
export class OtEngine {
  state: DocState;
  text: string;
  inflight: InFlight | null = null;
  pending: LocalOp[] = [];
  /** Next client seq for this document (assigned when a change is cut, so splits and drops leave no gaps). */
  nextSeq: number;
  /** Next number of an op id `<clientId>-<n>`. */
  nextN: number;
  /** Ids of pending ops that concurrent deletes emptied, dropped unsent by `cut` (the newest 1000; for tests and diagnostics). */
  readonly emptied: string[] = [];
  private len: number;

  constructor(
    readonly clientId: string,
    state: DocState,
    saved?: { nextSeq: number; nextN: number; inflight: InFlight | null; pending: LocalOp[] },
    readonly merge = true,
  ) {
    this.state = state;
    this.nextSeq = saved?.nextSeq ?? 1;
    this.nextN = saved?.nextN ?? 1;
    this.inflight = saved?.inflight ?? null;
    this.pending = saved?.pending ?? [];
    this.text = "";
    this.len = 0;
    this.resetText();
  }

  get version(): number {
    return this.state.version;
  }

  /** Local text length in code points. */
  get length(): number {
    return this.len;
  }

  /** Number of local ops not yet committed. */
  get unsent(): number {
    return (this.inflight?.ops.length ?? 0) + this.pending.length;
  }

  mine(): LocalOp[] {
    return this.inflight ? [...this.inflight.ops, ...this.pending] : this.pending;
  }

  /**
   * Applies a local edit (already checked against the local text) and queues it. Returns the
   * id of the op that carries it: a new one, or the pending op it was merged into.
   */
  edit(op: CanonicalOp, ts?: number): string {
    this.text = applyText(this.text, op);
    this.len = textLengthAfter(this.len, op);
    const last = this.pending[this.pending.length - 1];
    if (this.merge && last) {
      const merged = mergeInto(last.op, op);
      if (merged) {
        last.op = merged;
        return last.id;
      }
    }
    const local: LocalOp = { id: `${this.clientId}-${this.nextN++}`, op, ...(ts !== undefined ? { ts } : {}) };
    this.pending.push(local);
    return local.id;
  }

  /**
   * Moves pending ops into a new in-flight change based on the current version and returns
   * it, or null when a change is already in flight or nothing is pending. Takes at most
   * `maxOps` pending ops (after splitting; see sendablePieces), within CHANGE_LIMITS, and
   * with `through` only the pending ops up to that op id. Pending ops that became empty are
   * dropped here, so every seq assigned is sent.
   */
  cut(opts: { maxOps?: number; through?: string } = {}): Change | null {
    if (this.inflight || this.pending.length === 0) return null;
    const maxOps = Math.min(opts.maxOps ?? Infinity, CHANGE_LIMITS.maxOps);
    const end = opts.through === undefined ? this.pending.length : this.pending.findIndex((l) => l.id === opts.through) + 1;
    if (end === 0) return null;
    const ops: LocalOp[] = [];
    let bytes = 0;
    let taken = 0;
    for (; taken < end; taken++) {
      const pieces = sendablePieces(this.pending[taken]);
      if (pieces.length === 0 && this.emptied.push(this.pending[taken].id) > 1000) this.emptied.shift();
      const size = pieces.reduce((n, p) => n + JSON.stringify(p.op).length * 3 + 80, 0);
      if (ops.length > 0 && (ops.length + pieces.length > maxOps || bytes + size > CHANGE_LIMITS.maxBytes)) break;
      ops.push(...pieces);
      bytes += size;
    }
    this.pending = this.pending.slice(taken);
    if (ops.length === 0) return this.cut(opts);
    const sent: Change = { clientId: this.clientId, base: this.version, ops: ops.map((l, i) => toClientOp(l, this.nextSeq + i)) };
    this.nextSeq += ops.length;
    this.inflight = { sent, ops };
    return sent;
  }

  /**
   * Applies committed entries `version+1 ...` (consecutive, in order) to the committed state
   * and the local view.
   */
  receive(entries: LogEntry[]): Received {
    const out: Received = { applied: [], authors: [], acked: [], mismatches: 0 };
    if (entries.length === 0) return out;
    for (let i = 0; i < entries.length; ) {
      const head = this.inflight?.ops[0];
      if (head && entries[i].id === head.id) {
        if (!sameOp(canonicalOfEntry(entries[i]), head.op)) out.mismatches++;
        out.acked.push(head.id);
        this.inflight!.ops.shift();
        if (this.inflight!.ops.length === 0) this.inflight = null;
        i++;
        continue;
      }
      let j = i + 1;
      while (j < entries.length && !(head && entries[j].id === head.id)) j++;
      const run = entries.slice(i, j);
      out.applied.push(...this.rebase(run.map(canonicalOfEntry), true, run));
      for (const e of run) out.authors.push(e.userId);
      i = j;
    }
    this.state = applyEntries(this.state, entries);
    if (out.mismatches > 0) this.resetText();
    return out;
  }

  /**
   * Rebases the local ops past committed remote ops that the committed state already holds
   * (restoring an outbox: entries between the version it was saved at and the loaded state).
   * Acks own ops like `receive`. The local text is recomputed from the state.
   */
  rebaseOnly(entries: LogEntry[]): void {
    for (const e of entries) {
      const head = this.inflight?.ops[0];
      if (head && e.id === head.id) {
        this.inflight!.ops.shift();
        if (this.inflight!.ops.length === 0) this.inflight = null;
      } else this.rebase([canonicalOfEntry(e)], false, [e]);
    }
    this.resetText();
  }

  /**
   * Drops the in-flight change (the server rejected it) and returns its unacknowledged ops.
   * The pending ops were made on top of it: they are rebased past the inverse of the dropped
   * ops (computed on the committed text), so they keep their meaning where it still exists
   * (an insert into text the dropped change inserted lands where that text was). The local
   * view becomes committed + rebased pending.
   */
  dropInflight(): LocalOp[] {
    if (!this.inflight) return [];
    const dropped = this.inflight.ops;
    this.inflight = null;
    const undo = invertText(this.state.text, dropped.map((l) => l.op));
    if (undo.length > 0 && this.pending.length > 0) {
      const moved = transformSeq(
        this.pending.map((l) => l.op),
        undo,
        "right",
      );
      this.pending = this.pending.map((l, i) => ({ ...l, op: moved[i] }));
    }
    this.resetText();
    return dropped;
  }

  /**
   * Drops the pending (unsent) ops `keep` rejects and returns them, in order. Each dropped op is
   * taken out like dropInflight takes out a change: the pending ops after it are rebased past
   * its inverse (computed on the text it was made on), so the kept ones keep their meaning.
   * The local view becomes committed + in flight + the kept pending ops.
   */
  dropPending(keep: (op: CanonicalOp) => boolean): LocalOp[] {
    const dropped: LocalOp[] = [];
    let text = this.state.text;
    for (const l of this.inflight?.ops ?? []) text = applyText(text, l.op);
    const kept: LocalOp[] = [];
    let rest = this.pending;
    while (rest.length > 0) {
      const [head, ...tail] = rest;
      if (keep(head.op)) {
        kept.push(head);
        text = applyText(text, head.op);
        rest = tail;
        continue;
      }
      dropped.push(head);
      const undo = invertText(text, [head.op]);
      const moved = undo.length > 0 && tail.length > 0 ? transformSeq(tail.map((l) => l.op), undo, "right") : undefined;
      rest = moved ? tail.map((l, i) => ({ ...l, op: moved[i] })) : tail;
    }
    if (dropped.length === 0) return dropped;
    this.pending = kept;
    this.resetText();
    return dropped;
  }

  /** Client seqs of a change the HTTP API refused whole were never recorded: the next change reuses them. */
  reuseSeqsOf(change: Change): void {
    if (this.nextSeq === change.ops[change.ops.length - 1].seq + 1) this.nextSeq = change.ops[0].seq;
  }

  /**
   * Test hook: called before committed remote ops (of `entries`) are rebased past the local
   * ops, with both as they stand (the trace replay checks insert ties with it).
   */
  onRebase: ((mine: LocalOp[], remote: CanonicalOp[], entries: LogEntry[]) => void) | null = null;

  private rebase(remote: CanonicalOp[], applyToText = true, entries: LogEntry[] = []): CanonicalOp[] {
    const mine = this.mine();
    if (this.onRebase && mine.length > 0) this.onRebase(mine, remote, entries);
    const applied = mine.length > 0 ? transformSeq(remote, mine.map((l) => l.op), "left") : remote;
    if (mine.length > 0) {
      const moved = transformSeq(mine.map((l) => l.op), remote, "right");
      mine.forEach((l, i) => (l.op = moved[i]));
    }
    if (applyToText) {
      for (const op of applied) {
        this.text = applyText(this.text, op);
        this.len = textLengthAfter(this.len, op);
      }
    }
    return applied;
  }

  /** Recomputes the local view; an op that no longer fits (only after a mismatch) is left out of the view. */
  private resetText(): void {
    let text = this.state.text;
    for (const l of this.mine()) if (checkApplicable(l.op, codePointLength(text)) === null) text = applyText(text, l.op);
    this.text = text;
    this.len = codePointLength(text);
  }
}
