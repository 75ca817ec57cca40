/**
 * Group commit: items added within one flush interval are written together by one `write`
 * call, so a busy writer pays one request per interval instead of one per item (the room tier
 * appends every document's committed batches to one stream record per flush).
 *
 * Contract:
 * - `add(items)` resolves once a `write` that contained them resolved, and rejects with that
 *   write's error when it failed (every item of a failed write is rejected; none is retried
 *   here: the writer retries what it can).
 * - Writes never overlap, and items are written in the order they were added: the next flush
 *   starts after the previous write settled, so what one writer appends stays in order.
 * - A flush starts `flushMs` after the first item of an empty buffer was added, or at once when
 *   the buffer reaches `maxItems` (then a write takes at most `maxItems`).
 * - `close()` flushes what is buffered and waits for it; later `add`s reject.
 */
export interface GroupCommitOptions<T> {
  flushMs: number;
  maxItems: number;
  write(items: T[]): Promise<void>;
  /** Timers (injectable for tests). Default: setTimeout/clearTimeout. */
  timers?: { set(fn: () => void, ms: number): unknown; clear(handle: unknown): void };
}

interface Waiting<T> {
  items: T[];
  resolve(): void;
  reject(err: unknown): void;
}

export class GroupCommit<T> {
  private buffer: Array<Waiting<T>> = [];
  private buffered = 0;
  private timer: unknown;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;
  /** Writes made (flushes), and items written: for the owner's metrics. */
  readonly stats = { writes: 0, items: 0 };

  constructor(private readonly o: GroupCommitOptions<T>) {
    if (!(o.flushMs >= 0) || !(o.maxItems >= 1)) throw new Error("group commit: flushMs must be >= 0 and maxItems >= 1");
  }

  add(items: T[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error("group commit is closed"));
    if (items.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.buffer.push({ items, resolve, reject });
      this.buffered += items.length;
      if (this.buffered >= this.o.maxItems) this.flushNow();
      else if (this.timer === undefined) this.timer = this.timers().set(() => this.flushNow(), this.o.flushMs);
    });
  }

  /** Items waiting for a flush. */
  get pending(): number {
    return this.buffered;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.flushNow();
    await this.writing;
  }

  private flushNow(): void {
    if (this.timer !== undefined) this.timers().clear(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    const taken = this.buffer;
    this.buffer = [];
    this.buffered = 0;
    this.writing = this.writing.then(() => this.writeAll(taken));
  }

  /** Writes `taken` in slices of at most maxItems (a waiter's items stay in one write unless it alone exceeds the limit). */
  private async writeAll(taken: Array<Waiting<T>>): Promise<void> {
    let slice: Array<Waiting<T>> = [];
    let count = 0;
    const run = async (group: Array<Waiting<T>>) => {
      if (group.length === 0) return;
      const items = group.flatMap((w) => w.items);
      try {
        await this.o.write(items);
        this.stats.writes++;
        this.stats.items += items.length;
        for (const w of group) w.resolve();
      } catch (err) {
        for (const w of group) w.reject(err);
      }
    };
    for (const w of taken) {
      if (count > 0 && count + w.items.length > this.o.maxItems) {
        await run(slice);
        slice = [];
        count = 0;
      }
      slice.push(w);
      count += w.items.length;
    }
    await run(slice);
  }

  private timers() {
    return this.o.timers ?? { set: (fn: () => void, ms: number) => setTimeout(fn, ms), clear: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>) };
  }
}
