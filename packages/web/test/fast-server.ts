import { transformSeq, type Change, type LogEntry } from "@weft/core";
import { canonicalOfEntry, canonicalOfOp } from "../src/engine/canonical.js";

/**
 * The sequencer's commit rule alone, for planning runs: a change is rebased with
 * `transformSeq(ops, entries after its base from other clients, "right")` (exactly what core's
 * DocRun.commit does) and appended. No validation, dedupe, holds or storage: planning
 * replays thousands of changes that are all valid and sent once, and the real run through
 * the local stack checks the outcome.
 */
export class FastServer {
  readonly log: LogEntry[] = [];
  private queue: Change[] = [];
  /** Observer of every commit: the change's ops and the concurrent entries they are rebased past. */
  onCommit: ((change: Change, concurrent: LogEntry[]) => void) | null = null;

  async post(change: Change): Promise<Array<{ id: string; status: string }>> {
    this.queue.push(change);
    return change.ops.map((op) => ({ id: op.id, status: "accepted" }));
  }

  async sequence(): Promise<void> {
    for (const change of this.queue.splice(0)) {
      const concurrent = this.log.slice(change.base).filter((e) => e.clientId !== change.clientId);
      this.onCommit?.(change, concurrent);
      const ops = transformSeq(change.ops.map(canonicalOfOp), concurrent.map(canonicalOfEntry), "right");
      change.ops.forEach((op, i) => {
        this.log.push({ seq: this.log.length + 1, id: op.id, clientId: change.clientId, clientSeq: op.seq, userId: change.clientId, serverTs: 0, ...ops[i] } as LogEntry);
      });
    }
  }

  async entries(after = 0): Promise<LogEntry[]> {
    return this.log.slice(after);
  }
}
