import type { Change, LogEntry } from "@weft/core";
import type { DocSync } from "./doc-sync.js";

/**
 * TEST HOOKS, not for applications: they let a test decide exactly when a document sends and
 * how far it applies what it received, to replay recorded concurrent histories (each agent
 * must see exactly the remote edits its history names before it types) and to stage races.
 *
 * - `holdSending(true)`: local edits queue up and nothing is posted until `flush` (or
 *   `holdSending(false)`, which resumes normal sending).
 * - `flush({ through, maxOps })`: cuts one change from the pending ops (those up to op id
 *   `through`, at most `maxOps`, within the API's limits) and posts it; resolves when the
 *   server accepted it. Throws while a posted change awaits its ack.
 * - `holdApplying(seq)`: received entries are applied only up to seq `seq` (null: no limit);
 *   the rest wait in order in the buffer (`received`).
 */
export class DocTestHooks {
  /** @internal */ sendingHeld = false;

  constructor(private readonly doc: DocSync) {}

  holdSending(on = true): void {
    this.sendingHeld = on;
    if (!on) this.doc.sender.kick();
  }

  flush(opts: { through?: string; maxOps?: number } = {}): Promise<Change | null> {
    return this.doc.sender.flush(opts);
  }

  holdApplying(limit: number | null): void {
    this.doc.applyLimit = limit ?? Infinity;
    this.doc.drain();
  }

  /** Entries received and not yet applied, in order from `doc.version + 1` (contiguous). */
  get received(): LogEntry[] {
    return this.doc.buffer?.peek() ?? [];
  }

  /** The highest seq up to which everything has been received. */
  get receivedThrough(): number {
    return this.doc.buffer?.contiguous ?? 0;
  }

  /** Ids of the in-flight change's unacknowledged ops. */
  get inflight(): string[] {
    return this.doc.engine?.inflight?.ops.map((l) => l.id) ?? [];
  }

  /** Ids of pending (not yet sent) ops, in order. */
  get pendingIds(): string[] {
    return this.doc.engine?.pending.map((l) => l.id) ?? [];
  }

  /** Acknowledged entries that differed from the engine's own transform (0 unless OT disagrees with the server). */
  get mismatches(): number {
    return this.doc.mismatches;
  }

  /** Pending ops dropped unsent because concurrent deletes emptied them. */
  get emptied(): readonly string[] {
    return this.doc.engine?.emptied ?? [];
  }

  /** Reads the log past what was received, over HTTP, now. */
  fillGap(): Promise<void> {
    return this.doc.fillGap();
  }
}
