import { emptyState, WeftError } from "./core.js";
import type { CanonicalOp, DocState } from "@weft/core";
import { commentOp, deleteOps, formatOps, insertOps, uncommentOp, type CommentOptions } from "./edits/build.js";
import { mapThroughOps } from "./edits/map-position.js";
import { Emitter } from "./emitter.js";
import type { OtEngine } from "./engine/ot-engine.js";
import { ClosedError } from "./net/http-api.js";
import type { DocHost } from "./doc-host.js";
import { EntryBuffer } from "./sync/entry-buffer.js";
import { createEngine } from "./sync/loader.js";
import { outboxKey, OutboxWriter, parseRecord, recordOf } from "./sync/outbox.js";
import { Presence } from "./sync/presence.js";
import { Sender } from "./sync/sender.js";
import { DocTestHooks } from "./test-hooks.js";
import type { ChangeEvent, PresencePeer, RejectedEvent } from "./types.js";

export interface DocEvents extends Record<string, unknown> {
  change: ChangeEvent;
  presence: Map<string, PresencePeer>;
  rejected: RejectedEvent;
}

/** How long a gap in received entries may last before the log is read over HTTP (the socket reorders briefly around catch-up). */
const GAP_WAIT_MS = 1000;

/**
 * One document: the local view with edit methods, the committed state, presence and events.
 * Loading (sync/loader.ts) restores the outbox and the committed state, then the document
 * subscribes with `after` = the last seq received; committed entries go through an
 * EntryBuffer (order, dedupe) into the OT engine; the Sender posts local changes.
 */
export class WeftDoc {
  readonly ready: Promise<void>;
  /** Test hooks (not for applications): hold/release sending and applying; see test-hooks.ts. */
  readonly hooks: DocTestHooks;
  /** @internal */ engine: OtEngine | null = null;
  /** @internal */ buffer: EntryBuffer | null = null;
  /** @internal */ readonly sender: Sender;
  /** @internal */ applyLimit = Infinity;
  /** @internal */ mismatches = 0;
  private writer: OutboxWriter | null = null;
  private readonly presenceState: Presence;
  private readonly events: Emitter<DocEvents>;
  private subscribed = false;
  private closed = false;
  private gapTimer: ReturnType<typeof setTimeout> | undefined;
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private markReady!: () => void;
  private failReady!: (e: unknown) => void;

  constructor(
    private readonly host: DocHost,
    readonly docId: string,
  ) {
    this.events = new Emitter<DocEvents>(host.onError);
    this.ready = new Promise((resolve, reject) => {
      this.markReady = resolve;
      this.failReady = reject;
    });
    this.ready.catch(() => {}); // surfaced to whoever awaits it
    this.presenceState = new Presence(
      (state) => this.subscribed && host.connection.send({ action: "presence", docId, state }),
      () => this.events.emit("presence", this.presence),
    );
    this.hooks = new DocTestHooks(this);
    const doc = this;
    this.sender = new Sender({
      docId,
      get engine() {
        return doc.engine;
      },
      http: host.http,
      ackTimeoutMs: host.ackTimeoutMs,
      backoff: host.backoff,
      get holdSend() {
        return doc.hooks.sendingHeld;
      },
      persist: () => this.writer?.flush() ?? Promise.resolve(),
      fillGap: () => this.fillGap(),
      dropped: (rejected) => this.onDropped(rejected),
      onError: host.onError,
    });
    void this.load();
  }

  /** The local view: committed text plus unsent edits. */
  get text(): string {
    return this.engine?.text ?? "";
  }

  /** Last server seq applied. */
  get version(): number {
    return this.engine?.version ?? 0;
  }

  /** The last committed state (text, spans, threads, tasks, acl). */
  get state(): DocState {
    return this.engine?.state ?? emptyState();
  }

  /** Other subscribers' presence by connection id. */
  get presence(): Map<string, PresencePeer> {
    return new Map(this.presenceState.peers);
  }

  /** Local ops not yet committed (in flight + pending). */
  get pending(): number {
    return this.engine?.unsent ?? 0;
  }

  /** Inserts `text` at `pos` (code points). Returns the ids of the ops carrying it. */
  insert(pos: number, text: string): string[] {
    return this.local(insertOps(pos, text, this.loaded().length));
  }

  delete(pos: number, len: number): string[] {
    return this.local(deleteOps(pos, len, this.loaded().length));
  }

  format(pos: number, len: number, attrs: Record<string, string | number | boolean | null>): string[] {
    return this.local(formatOps(pos, len, attrs, this.loaded().length));
  }

  comment(threadId: string, body: string, opts?: CommentOptions): string[] {
    return this.local([commentOp(threadId, body, opts, this.loaded().length)]);
  }

  /**
   * Deletes comment `commentId` (the id `comment` returned) from thread `threadId`, with its
   * reactions. Only its author or a document owner may: anyone else's is rejected (a `rejected`
   * event with reason `forbidden`). Deleting a comment that is already gone changes nothing.
   * `state` shows the deletion once committed. Returns the op's id.
   */
  deleteComment(threadId: string, commentId: string): string[] {
    return this.local([uncommentOp(threadId, commentId)]);
  }

  /** Sets our presence (throttled; null = leave). */
  setPresence(state: Record<string, unknown> | null): void {
    this.presenceState.set(state);
  }

  on<K extends keyof DocEvents>(event: K, fn: (value: DocEvents[K]) => void): () => void {
    return this.events.on(event, fn);
  }

  /** Resolves when every local op is committed and applied (rejects if the document is closed first). */
  whenSynced(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.checkSynced();
    });
  }

  /** Unsubscribes and stops sending; the outbox stays in storage for the next session. */
  close(): void {
    void this.closeAndFlush();
  }

  /** @internal close(), resolving once the outbox is stored. */
  async closeAndFlush(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sender.close();
    this.presenceState.close();
    clearTimeout(this.gapTimer);
    if (this.subscribed) this.host.connection.send({ action: "unsubscribe", docId: this.docId });
    this.subscribed = false;
    for (const w of this.waiters.splice(0)) w.reject(new ClosedError());
    this.failReady(new ClosedError());
    this.events.clear();
    const stored = this.writer?.flush().catch(this.host.onError) ?? Promise.resolve();
    this.host.removeDoc(this, stored);
    await stored;
  }

  /** @internal The socket (re)opened. */
  onOpen(): void {
    this.subscribed = false;
    if (this.buffer && !this.closed) {
      this.host.connection.send({ action: "subscribe", docId: this.docId, after: this.buffer.contiguous });
    }
  }

  /** @internal The socket closed: presence is stale until the next subscribe. */
  onDisconnect(): void {
    this.subscribed = false;
    if (this.presenceState.peers.size > 0) this.presenceState.resubscribed();
  }

  /** @internal A server message for this document. */
  onMessage(msg: Record<string, unknown>): void {
    if (this.closed) return;
    switch (msg.type) {
      case "subscribed":
        this.subscribed = true;
        if (typeof msg.version === "number") this.buffer?.knowHead(msg.version);
        this.presenceState.resubscribed();
        this.markReady();
        this.watchGap();
        break;
      case "ops":
        if (Array.isArray(msg.ops)) this.buffer?.add(msg.ops);
        this.drain();
        this.watchGap();
        break;
      case "presence":
        this.presenceState.receive(msg);
        break;
      case "rejected":
        if (typeof msg.id === "string") this.sender.rejected(msg.id, String(msg.reason ?? "rejected"));
        break;
      case "error":
        this.host.onError(Object.assign(new Error(`server: ${String(msg.message)}`), { code: msg.code, docId: this.docId }));
        break;
    }
  }

  /** @internal Applies received entries up to the apply limit. */
  drain(): void {
    const engine = this.engine;
    const entries = this.buffer?.take(this.applyLimit) ?? [];
    if (!engine || entries.length === 0) return;
    const r = engine.receive(entries);
    this.mismatches += r.mismatches;
    if (r.mismatches > 0) this.host.onError(new Error(`${this.docId}: ${r.mismatches} acknowledged op(s) differ from the local transform; local view reset`));
    r.applied.forEach((op, i) => this.presenceState.mapThrough((p) => mapThroughOps(p, [op], false), r.authors[i]));
    this.writer?.schedule();
    this.events.emit("change", {
      local: false,
      version: engine.version,
      text: engine.text,
      mapPosition: (p) => mapThroughOps(p, r.applied, false),
    });
    if (r.acked.length > 0 && !engine.inflight) this.sender.settled();
    this.checkSynced();
  }

  /** @internal Reads committed entries past the received ones over HTTP. */
  async fillGap(): Promise<void> {
    if (!this.buffer || this.closed) return;
    try {
      const page = await this.host.http.getOps(this.docId, this.buffer.contiguous);
      this.buffer.knowHead(page.version);
      this.buffer.add(page.ops);
      this.drain();
      if (page.next !== undefined) this.watchGap(0);
    } catch (err) {
      if (!(err instanceof ClosedError)) this.host.onError(err);
    }
  }

  private watchGap(delay = GAP_WAIT_MS): void {
    clearTimeout(this.gapTimer);
    if (!this.buffer?.hasGap || this.closed) return;
    this.gapTimer = setTimeout(() => {
      if (this.buffer?.hasGap) void this.fillGap().then(() => this.watchGap());
    }, delay);
  }

  private async load(): Promise<void> {
    try {
      await this.host.closing(this.docId);
      const clientId = await this.host.clientId;
      const key = outboxKey(clientId, this.docId);
      const record = parseRecord(await this.host.storage.get(key));
      const engine = await createEngine(this.host.http, this.docId, clientId, record, this.host.mergeEdits);
      if (this.closed) return;
      this.engine = engine;
      this.buffer = new EntryBuffer(engine.version);
      this.writer = new OutboxWriter(this.host.storage, key, () => JSON.stringify(recordOf(engine)), this.host.onError);
      this.writer.schedule();
      if (this.host.connection.status === "open") this.onOpen();
      if (engine.text !== "" || engine.version > 0) {
        this.events.emit("change", { local: false, version: engine.version, text: engine.text, mapPosition: (p) => p });
      }
      this.sender.kick();
      this.checkSynced();
    } catch (err) {
      this.failReady(err);
      if (!(err instanceof ClosedError)) this.host.onError(err);
    }
  }

  private loaded(): OtEngine {
    if (this.closed) throw new WeftError("invalid_request", `document ${this.docId} is closed`);
    if (!this.engine) throw new WeftError("invalid_request", `document ${this.docId} is not loaded yet: await doc.ready first`);
    return this.engine;
  }

  private local(ops: CanonicalOp[]): string[] {
    const engine = this.loaded();
    if (ops.length === 0) return [];
    const ts = Date.now();
    const ids = ops.map((op) => engine.edit(op, ts));
    this.presenceState.mapThrough((p) => mapThroughOps(p, ops, false));
    this.writer?.schedule();
    this.events.emit("change", { local: true, version: engine.version, text: engine.text, mapPosition: (p) => mapThroughOps(p, ops, true) });
    this.sender.kick();
    return ids;
  }

  private onDropped(rejected: RejectedEvent[]): void {
    const engine = this.engine!;
    this.writer?.schedule();
    this.events.emit("change", { local: false, version: engine.version, text: engine.text, mapPosition: (p) => Math.min(p, engine.length) });
    for (const r of rejected) this.events.emit("rejected", r);
    this.checkSynced();
  }

  private checkSynced(): void {
    if (!this.engine || this.engine.unsent > 0) return;
    for (const w of this.waiters.splice(0)) w.resolve();
  }
}
