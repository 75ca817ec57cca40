import type { LogEntry } from "@weft/core";

/**
 * Puts committed entries back in log order. Delivery is at least once and may reorder around
 * the catch-up/live boundary, so entries are keyed by seq: one already applied or already
 * held is ignored, and only a contiguous run from `applied + 1` is handed out.
 */
export class EntryBuffer {
  private readonly held = new Map<number, LogEntry>();
  /** Highest seq known to exist (from `subscribed` versions, pages and entries seen). */
  private known = 0;
  /** Highest seq up to which every entry has been received (cached: `add` moves it). */
  private cont: number;

  constructor(private applied: number) {
    this.cont = applied;
  }

  /** The last seq handed out. */
  get version(): number {
    return this.applied;
  }

  add(entries: readonly LogEntry[]): void {
    for (const e of entries) {
      if (e.seq > this.applied && !this.held.has(e.seq)) this.held.set(e.seq, e);
      if (e.seq > this.known) this.known = e.seq;
    }
    while (this.held.has(this.cont + 1)) this.cont++;
  }

  /** Notes that the log reaches at least `seq` (a `subscribed` version, a page's `version`). */
  knowHead(seq: number): void {
    if (seq > this.known) this.known = seq;
  }

  /** Highest seq such that every entry up to it has been received. */
  get contiguous(): number {
    return this.cont;
  }

  /** Whether entries known to exist are missing from the contiguous run. */
  get hasGap(): boolean {
    return this.known > this.contiguous;
  }

  get head(): number {
    return this.known;
  }

  /** The received entries after `version` (contiguous), without taking them. */
  peek(): LogEntry[] {
    const out: LogEntry[] = [];
    for (let s = this.applied + 1; this.held.has(s); s++) out.push(this.held.get(s)!);
    return out;
  }

  /** Takes the contiguous run from `version + 1`, up to seq `limit`. */
  take(limit = Infinity): LogEntry[] {
    const out: LogEntry[] = [];
    for (let s = this.applied + 1; s <= limit && this.held.has(s); s++) {
      out.push(this.held.get(s)!);
      this.held.delete(s);
    }
    if (out.length > 0) this.applied = out[out.length - 1].seq;
    return out;
  }
}
