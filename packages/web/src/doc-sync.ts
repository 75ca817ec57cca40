import { WeftError } from "./core.js";
import type { CanonicalOp } from "@weft/core";
import type { DocHost } from "./doc-host.js";
import { mapThroughOps } from "./edits/map-position.js";
import { Emitter } from "./emitter.js";
import type { LocalOp } from "./engine/canonical.js";
import type { OtEngine } from "./engine/ot-engine.js";
import { ClosedError } from "./net/http-api.js";
import { isNoAccess, RoleState } from "./sync/access.js";
import { EntryBuffer } from "./sync/entry-buffer.js";
import { createEngine } from "./sync/loader.js";
import { outboxKey, OutboxWriter, parseRecord, recordOf, type OutboxRecord } from "./sync/outbox.js";
import { Presence } from "./sync/presence.js";
import { Sender } from "./sync/sender.js";
import { DocTestHooks } from "./test-hooks.js";
import type { ChangeEvent, PresencePeer, RejectedEvent, RevokedEvent, RoleEvent } from "./types.js";

export interface DocEvents extends Record<string, unknown> {
  change: ChangeEvent;
  presence: Map<string, PresencePeer>;
  rejected: RejectedEvent;
  role: RoleEvent;
  revoked: RevokedEvent;
}

/** How long a gap in received entries may last before the log is read over HTTP (the socket reorders briefly around catch-up). */
const GAP_WAIT_MS = 1000;

/**
 * The machinery under a WeftDoc (doc.ts, the application's API): loading (sync/loader.ts
 * restores the outbox and the committed state), the subscription (`after` = the last seq
 * received), committed entries through an EntryBuffer (order, dedupe) into the OT engine, the
 * Sender posting local changes, the caller's role (sync/access.ts) and revocation.
 */
export class DocSync {
  readonly ready: Promise<void>;
  /** Test hooks (not for applications): hold/release sending and applying; see test-hooks.ts. */
  readonly hooks: DocTestHooks;
  /** @internal */ engine: OtEngine | null = null;
  /** @internal */ buffer: EntryBuffer | null = null;
  /** @internal */ readonly sender: Sender;
  /** @internal */ applyLimit = Infinity;
  /** @internal */ mismatches = 0;
  protected readonly access: RoleState;
  protected readonly presenceState: Presence;
  protected readonly events: Emitter<DocEvents>;
  protected waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private writer: OutboxWriter | null = null;
  /** Set when access was revoked: what every later edit throws. */
  private revokedError: WeftError | null = null;
  private subscribed = false;
  private closed = false;
  private gapTimer: ReturnType<typeof setTimeout> | undefined;
  private markReady!: () => void;
  private failReady!: (e: unknown) => void;

  constructor(
    private readonly host: DocHost,
    readonly docId: string,
  ) {
    this.events = new Emitter<DocEvents>(host.onError);
    this.access = new RoleState(docId);
    this.ready = new Promise((resolve, reject) => {
      this.markReady = resolve;
      this.failReady = reject;
    });
    this.ready.catch(() => {}); // surfaced to whoever awaits it
    this.presenceState = new Presence(
      (state) => this.subscribed && host.connection.send({ action: "presence", docId, state }),
      () => this.events.emit("presence", new Map(this.presenceState.peers)),
    );
    this.hooks = new DocTestHooks(this);
    const doc = this;
    this.sender = new Sender({
      docId,
      get engine() {
        return doc.engine;
      },
      http: host.http,
      channel: host.transport.channel(docId),
      ackTimeoutMs: host.ackTimeoutMs,
      sendIntervalMs: host.sendIntervalMs,
      backoff: host.backoff,
      get holdSend() {
        return doc.hooks.sendingHeld;
      },
      persist: () => this.writer?.flush() ?? Promise.resolve(),
      fillGap: () => this.fillGap(),
      checkSynced: () => this.checkSynced(),
      dropped: (rejected) => this.onDropped(rejected),
      noAccess: () => this.revoke(),
      onError: host.onError,
    });
    void this.load();
  }

  /** @internal close(), resolving once the outbox is stored. */
  async closeAndFlush(): Promise<void> {
    if (!this.closed) await this.shutdown(new ClosedError());
  }

  /**
   * @internal The caller has no access to the document any more: the server ended the
   * subscription (`unsubscribed`, reason `forbidden`, at acl entry `seq`), refused it, or a
   * request answered 403 without naming an op. What was received is applied first (acks of
   * changes committed before the revocation among it); every op still unacknowledged is dropped
   * (the sequencer commits no op of a user after the entry that revoked them) and reported
   * `rejected` (reason `forbidden`); the outbox keeps only its counters. Then `role` (none) and
   * `revoked` are emitted and the document stops like `close()`, except that edits now throw
   * `forbidden`. `unloaded`: the load itself was refused (the saved outbox's ops are dropped).
   */
  revoke(seq?: number, unloaded?: { key: string; record?: OutboxRecord }): void {
    if (this.closed) return;
    this.drain();
    this.revokedError = new WeftError("forbidden", unloaded ? `you have no access to document ${this.docId}` : `access to document ${this.docId} was revoked`);
    this.closed = true;
    this.sender.close();
    const record = unloaded?.record;
    const dropped: LocalOp[] = this.engine
      ? [...this.engine.dropInflight(), ...this.engine.dropPending(() => false)]
      : [...(record?.inflight?.ops ?? []), ...(record?.pending ?? [])];
    const message = "access to the document was revoked before this edit was committed";
    this.onDropped(dropped.map((l) => ({ id: l.id, reason: "forbidden", message })));
    const at = seq !== undefined ? { seq } : {};
    if (this.access.report("none", Infinity)) this.events.emit("role", { role: "none", ...at });
    this.onDisconnect(); // the others' presence is gone with the subscription
    this.events.emit("revoked", { reason: "forbidden", ...at, dropped: dropped.map((l) => l.id) });
    const store = unloaded && record ? this.host.storage.set(unloaded.key, JSON.stringify({ ...record, inflight: null, pending: [] })) : undefined;
    void this.shutdown(this.revokedError, store);
  }

  /** Stops everything; resolves once the outbox is stored. Pending `ready` and `whenSynced` fail with `error`. */
  private async shutdown(error: Error, store?: Promise<void>): Promise<void> {
    this.closed = true;
    this.sender.close();
    this.presenceState.close();
    clearTimeout(this.gapTimer);
    if (this.subscribed && !this.revokedError) this.host.connection.send({ action: "unsubscribe", docId: this.docId });
    this.subscribed = false;
    for (const w of this.waiters.splice(0)) w.reject(error);
    this.failReady(error);
    this.events.clear();
    const stored = (store ?? this.writer?.flush() ?? Promise.resolve()).catch(this.host.onError);
    this.host.removeDoc(this, stored);
    await stored;
  }

  /** @internal The socket (re)opened. */
  onOpen(): void {
    this.subscribed = false;
    this.sender.live(false);
    if (this.buffer && !this.closed) {
      this.host.connection.send({ action: "subscribe", docId: this.docId, after: this.buffer.contiguous });
    }
  }

  /** @internal The socket closed: presence is stale until the next subscribe. */
  onDisconnect(): void {
    this.subscribed = false;
    this.sender.live(false);
    if (this.presenceState.peers.size > 0) this.presenceState.resubscribed();
  }

  /** @internal A server message for this document. */
  onMessage(msg: Record<string, unknown>): void {
    if (this.closed) return;
    switch (msg.type) {
      case "subscribed":
        this.subscribed = true;
        if (typeof msg.version === "number") this.buffer?.knowHead(msg.version);
        // Role `none` at version 0: the document does not exist yet (its creator will own it).
        if (typeof msg.version === "number" && (msg.version > 0 || msg.role !== "none")) this.setRole(msg.role, msg.version, undefined);
        this.presenceState.resubscribed();
        this.markReady();
        this.watchGap();
        this.sender.live(true); // a socket submit waiting for the subscription goes now
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
      case "role":
        if (typeof msg.seq === "number") this.setRole(msg.role, msg.seq, msg.seq);
        break;
      case "unsubscribed":
        if (msg.reason === "forbidden") this.revoke(typeof msg.seq === "number" ? msg.seq : undefined);
        break;
      case "error":
        // `forbidden` for a document: the subscription (or presence) was refused, no read access.
        if (msg.code === "forbidden") return this.revoke();
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
    this.events.emit("change", { local: false, version: engine.version, text: engine.text, mapPosition: (p) => mapThroughOps(p, r.applied, false) });
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
      if (isNoAccess(err)) this.revoke();
      else if (!(err instanceof ClosedError)) this.host.onError(err);
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
    let saved: { key: string; record?: OutboxRecord } | undefined;
    try {
      await this.host.closing(this.docId);
      const clientId = await this.host.clientId;
      const key = outboxKey(clientId, this.docId);
      saved = { key, record: parseRecord(await this.host.storage.get(key)) };
      const { engine, role } = await createEngine(this.host.http, this.docId, clientId, saved.record, this.host.mergeEdits);
      if (this.closed) return;
      this.access.report(role, engine.version);
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
      if (isNoAccess(err) && saved) return this.revoke(undefined, saved);
      this.failReady(err);
      if (!(err instanceof ClosedError)) this.host.onError(err);
    }
  }

  protected loaded(): OtEngine {
    if (this.revokedError) throw this.revokedError;
    if (this.closed) throw new WeftError("invalid_request", `document ${this.docId} is closed`);
    if (!this.engine) throw new WeftError("invalid_request", `document ${this.docId} is not loaded yet: await doc.ready first`);
    return this.engine;
  }

  /** Queues local ops (already checked against the local text), after checking the role allows each (or throws, queuing none). */
  protected local(ops: CanonicalOp[]): string[] {
    const engine = this.loaded();
    if (ops.length === 0) return [];
    this.access.check(ops, engine.state);
    const ts = Date.now();
    const ids = ops.map((op) => engine.edit(op, ts));
    this.presenceState.mapThrough((p) => mapThroughOps(p, ops, false));
    this.writer?.schedule();
    this.events.emit("change", { local: true, version: engine.version, text: engine.text, mapPosition: (p) => mapThroughOps(p, ops, true) });
    this.sender.kick();
    return ids;
  }

  /**
   * A reported role: on a change, `role` is emitted, and the unsent (pending) ops the new role
   * does not allow are dropped at once and reported `rejected` (reason `forbidden`): the server
   * would refuse them. A change already in flight is the server's to judge. `asOf`: the log
   * position the report is true at; `seq`: the acl entry that changed it, if named.
   */
  private setRole(role: unknown, asOf: number, seq: number | undefined): void {
    if (!this.access.report(role, asOf)) return;
    this.events.emit("role", { role: this.access.role, ...(seq !== undefined ? { seq } : {}) });
    const engine = this.engine;
    const dropped = engine?.dropPending((op) => this.access.allows(op, engine.state)) ?? [];
    const message = `your role on the document is now ${this.access.role}`;
    this.onDropped(dropped.map((l) => ({ id: l.id, reason: "forbidden", message })));
  }

  /** Unsent edits were dropped (`rejected`): the view changed, and each is reported. */
  private onDropped(rejected: RejectedEvent[]): void {
    const engine = this.engine;
    if (rejected.length === 0) return;
    if (engine) {
      this.writer?.schedule();
      this.events.emit("change", { local: false, version: engine.version, text: engine.text, mapPosition: (p) => Math.min(p, engine.length) });
    }
    for (const r of rejected) this.events.emit("rejected", r);
    this.checkSynced();
  }

  /** Resolves the `whenSynced` waiters once nothing is unsent (never on a stopped document: shutdown rejects them). */
  protected checkSynced(): void {
    if (this.closed || !this.engine || this.engine.unsent > 0) return;
    for (const w of this.waiters.splice(0)) w.resolve();
  }
}
