import { emptyState, type Change, type LogEntry } from "@weft/core";
import { deleteOps, insertOps } from "../src/edits/build.js";
import { OtEngine } from "../src/engine/ot-engine.js";
import { EntryBuffer } from "../src/sync/entry-buffer.js";
/** What the document needs of an in-process server (MemoryServer and FastServer both fit). */
export interface InProcessServer {
  post(change: Change): Promise<unknown>;
  entries(after?: number): Promise<LogEntry[]>;
}
import type { ReplayDoc } from "./trace-replay-driver.js";

/**
 * A document with the SDK's engine and entry buffer but no transport: changes go straight to
 * an in-process MemoryServer and `deliver` hands it the log. Implements what the trace
 * replay driver needs, so a whole trace replays in seconds without the local stack.
 */
export class MemoryDoc implements ReplayDoc {
  readonly engine: OtEngine;
  readonly buffer = new EntryBuffer(0);
  private applyLimit = Infinity;
  mismatches = 0;

  constructor(
    clientId: string,
    private readonly server: InProcessServer,
  ) {
    this.engine = new OtEngine(clientId, emptyState(), undefined, false);
  }

  get version(): number {
    return this.engine.version;
  }

  get text(): string {
    return this.engine.text;
  }

  insert(pos: number, text: string): string[] {
    return insertOps(pos, text, this.engine.length).map((op) => this.engine.edit(op));
  }

  delete(pos: number, len: number): string[] {
    return deleteOps(pos, len, this.engine.length).map((op) => this.engine.edit(op));
  }

  /** Receives the server's log past what it has. */
  async deliver(): Promise<void> {
    this.buffer.add(await this.server.entries(this.buffer.contiguous));
    this.drain();
  }

  setApplyLimit(limit: number): void {
    this.applyLimit = limit;
    this.drain();
  }

  /** Cuts a change (see OtEngine.cut) and posts it to the server. */
  async flush(opts: { through?: string; maxOps?: number }): Promise<Change | null> {
    if (this.engine.inflight) throw new Error("flush: a change is already in flight");
    const change = this.engine.cut(opts);
    if (change) {
      const r = await this.server.post(change);
      if (!Array.isArray(r)) throw r;
    }
    return change;
  }

  private drain(): void {
    this.mismatches += this.engine.receive(this.buffer.take(this.applyLimit)).mismatches;
  }

  readonly hooks: ReplayDoc["hooks"] = hooksOf(this);
}

function hooksOf(d: MemoryDoc): ReplayDoc["hooks"] {
  return {
    holdSending: () => {},
    holdApplying: (limit: number | null) => d.setApplyLimit(limit ?? Infinity),
    get received(): LogEntry[] {
      return d.buffer.peek();
    },
    get receivedThrough(): number {
      return d.buffer.contiguous;
    },
    flush: (opts: { through?: string; maxOps?: number } = {}) => d.flush(opts),
    get inflight(): string[] {
      return d.engine.inflight?.ops.map((l) => l.id) ?? [];
    },
    get pendingIds(): string[] {
      return d.engine.pending.map((l) => l.id);
    },
    get emptied(): readonly string[] {
      return d.engine.emptied;
    },
  };
}
