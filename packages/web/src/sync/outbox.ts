import type { Change } from "@weft/core";
import type { LocalOp } from "../engine/canonical.js";
import type { OtEngine } from "../engine/ot-engine.js";
import type { OutboxStorage } from "../storage/storage.js";

/**
 * What survives a reload for one document: the change in flight exactly as it was sent (a
 * retry resends the same body, so the server dedupes it by client seq), the current forms of
 * its unacknowledged ops and of the pending ops, the committed version those forms apply to
 * (`version`), and the counters for the next client seq and op id.
 *
 * Restoring (doc-loader.ts): load the committed state, bring it to `version` or rebase the
 * ops past the entries committed after `version`, and the local view is exactly what it was.
 */
export interface OutboxRecord {
  v: 1;
  clientId: string;
  version: number;
  nextSeq: number;
  nextN: number;
  inflight: { sent: Change; ops: LocalOp[] } | null;
  pending: LocalOp[];
}

/** Per client id and document: two tabs (two client ids) never share an outbox. */
export function outboxKey(clientId: string, docId: string): string {
  return `outbox:${clientId}:${docId}`;
}

export function recordOf(engine: OtEngine): OutboxRecord {
  return {
    v: 1,
    clientId: engine.clientId,
    version: engine.version,
    nextSeq: engine.nextSeq,
    nextN: engine.nextN,
    inflight: engine.inflight ? { sent: engine.inflight.sent, ops: engine.inflight.ops } : null,
    pending: engine.pending,
  };
}

export function parseRecord(raw: string | undefined): OutboxRecord | undefined {
  if (!raw) return undefined;
  try {
    const r = JSON.parse(raw) as OutboxRecord;
    return r && r.v === 1 && Array.isArray(r.pending) ? r : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes a document's outbox, coalescing: while one write runs, later requests collapse into
 * one more write of the newest record. `flush()` resolves once everything requested before
 * it is stored; the client awaits it before every send ("write the outbox before sending").
 */
export class OutboxWriter {
  private running: Promise<void> | null = null;
  private dirty = false;
  private failure: unknown = null;

  constructor(
    private readonly storage: OutboxStorage,
    private readonly key: string,
    private readonly snapshot: () => string,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Requests a write of the current record. */
  schedule(): void {
    this.dirty = true;
    if (!this.running) this.running = this.loop();
  }

  /** Resolves when every write requested so far has completed; rejects if the last one failed. */
  async flush(): Promise<void> {
    if (this.dirty && !this.running) this.running = this.loop();
    while (this.running) await this.running;
    if (this.failure) {
      const err = this.failure;
      this.failure = null;
      throw err;
    }
  }

  private async loop(): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false;
        try {
          await this.storage.set(this.key, this.snapshot());
          this.failure = null;
        } catch (err) {
          this.failure = err;
          this.onError(err);
        }
      }
    } finally {
      this.running = null;
    }
  }
}
