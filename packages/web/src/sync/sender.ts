import { WeftError } from "../core.js";
import type { Change } from "@weft/core";
import type { OtEngine } from "../engine/ot-engine.js";
import { backoffDelay } from "../net/backoff.js";
import type { ChangeChannel } from "../net/change-transport.js";
import { ClosedError, type HttpApi } from "../net/http-api.js";
import type { RejectedEvent } from "../types.js";
import { isNoAccess } from "./access.js";

/** What the sender needs from its document. */
export interface SenderHost {
  readonly docId: string;
  readonly engine: OtEngine | null;
  /** Receipts (and, through fillGap, log reads) go over HTTP whatever the channel. */
  readonly http: HttpApi;
  /** Where changes go: POST or the socket's `submit` (net/change-transport.ts). */
  readonly channel: ChangeChannel;
  readonly ackTimeoutMs: number;
  /** Least ms from one change's post to the next change's cut (0: none). */
  readonly sendIntervalMs: number;
  readonly backoff: { initialMs: number; maxMs: number };
  /** Test hook: while true, nothing is sent unless `flush` is called. */
  readonly holdSend: boolean;
  /** Resolves once the outbox (with the in-flight change) is durable. */
  persist(): Promise<void>;
  /** Reads the log over HTTP past what has been received and applies it (an ack the socket did not bring). */
  fillGap(): Promise<void>;
  /** A cut sent nothing (every pending op it took was emptied by concurrent deletes): maybe nothing is unsent now. */
  checkSynced(): void;
  /** The in-flight change was dropped: the view changed and these ops are gone. */
  dropped(rejected: RejectedEvent[]): void;
  /** A request answered that the caller has no access to the document (see access.ts isNoAccess): the document stops. */
  noAccess(): void;
  onError(err: unknown): void;
}

/**
 * Sends one document's changes, one in flight at a time (protocol: base = the version the
 * in-flight ops were made on). Each change is cut from the pending ops, made durable in the
 * outbox, then submitted on the channel (a POST, or `submit` over the socket); the channel
 * retries the identical change until the server answers, so op ids and client seqs never
 * change and the server dedupes any repeat. The change is acknowledged when the entry carrying
 * its ops' ids is applied (doc.drain calls `kick` again). If that takes longer than
 * `ackTimeoutMs` after the answer, or the socket's answer itself does not come within it, the
 * first unacknowledged op's receipt decides: committed -> read the log over HTTP; rejected ->
 * drop the change; pending -> wait again; unknown -> submit again.
 *
 * A refusal (403) saying the caller has no access to the document at all stops the document
 * (doc-sync.ts revoke), whatever was in flight.
 *
 * Pacing: a new change is cut no sooner than `sendIntervalMs` after the previous one was
 * posted; edits made meanwhile stay pending and go together. A change posted again (the same
 * body, after a lost POST) is not held back.
 *
 * Rejection (receipt, `rejected` message, or a 4xx refusal of the POST) drops every
 * unacknowledged op of the change (the server decides a change as a whole) and rebases the
 * pending ops past their inverse (OtEngine.dropInflight).
 */
export class Sender {
  private running = false;
  private posted: Change | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private checks = 0;
  private closed = false;
  /** When the last new change was posted (for sendIntervalMs), and the timer waiting for the next. */
  private lastCutAt = -Infinity;
  private paceTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly host: SenderHost) {}

  /** Sends what can be sent now (soon, so edits made in one task go in one change). */
  kick(): void {
    if (!this.running && !this.closed) setTimeout(() => void this.run(), 0);
  }

  /** Test hook: cuts a change from the pending ops (see OtEngine.cut) and posts it now, even while sending is held. */
  async flush(opts: { maxOps?: number; through?: string } = {}): Promise<Change | null> {
    const engine = this.host.engine;
    if (!engine) throw new Error("flush: the document is not loaded yet");
    if (engine.inflight && this.posted === engine.inflight.sent) throw new Error("flush: a change is already in flight");
    if (!engine.inflight) engine.cut(opts);
    const change = engine.inflight?.sent ?? null;
    if (!change) this.host.checkSynced();
    if (change && !(await this.post(change))) throw new Error("flush: the change could not be sent");
    return change;
  }

  /** A socket message answering this document's submit (`submitted`, or `error` with a `ref`). */
  answer(msg: Record<string, unknown>): void {
    this.host.channel.answer(msg);
  }

  /** Whether the document is subscribed on an open socket (a socket submit waits for it). */
  live(on: boolean): void {
    this.host.channel.live(on);
  }

  /** An op was rejected (WebSocket `rejected` message or receipt): drops the change if the op is in flight. */
  rejected(opId: string, reason: string, message?: string): void {
    const inflight = this.host.engine?.inflight;
    if (!inflight || !inflight.ops.some((l) => l.id === opId)) return;
    this.drop(reason, message);
  }

  /** The in-flight change was acknowledged (or dropped): the next can go. */
  settled(): void {
    clearTimeout(this.timer);
    this.posted = null;
    this.checks = 0;
    this.host.channel.forget(); // its answer is moot now
    this.kick();
  }

  close(): void {
    this.closed = true;
    this.host.channel.close();
    clearTimeout(this.timer);
    clearTimeout(this.paceTimer);
  }

  private async run(): Promise<void> {
    if (this.running || this.closed) return;
    this.running = true;
    try {
      const engine = this.host.engine;
      // Loops because an ack may arrive while a POST is still open: the next change goes then.
      while (engine && !this.closed && !this.host.holdSend) {
        if (!engine.inflight) {
          const wait = this.lastCutAt + this.host.sendIntervalMs - Date.now();
          if (wait > 0) {
            // Too soon after the last change: edits pending now and meanwhile go together then.
            clearTimeout(this.paceTimer);
            this.paceTimer = setTimeout(() => this.kick(), wait);
            break;
          }
          engine.cut();
          if (engine.inflight) this.lastCutAt = Date.now();
        }
        const inflight = engine.inflight;
        if (!inflight) {
          this.host.checkSynced(); // the cut may have dropped the last pending ops, emptied, unsent
          break;
        }
        if (this.posted === inflight.sent) break;
        if (!(await this.post(inflight.sent))) break;
      }
    } finally {
      this.running = false;
    }
  }

  /** Submits a change (after making the outbox durable); false when sending must stop (closed, or an unexpected failure). */
  private async post(change: Change): Promise<boolean> {
    let answered: boolean;
    try {
      // A storage failure is reported and does not stop the send: the edits are safe in
      // memory, and losing them on a reload is better than never sending them.
      await this.host.persist().catch((err) => this.host.onError(err));
      answered = (await this.host.channel.submit(change)).answered;
    } catch (err) {
      if (err instanceof ClosedError) {
        this.closed = true;
        return false;
      }
      if (isNoAccess(err)) {
        if (this.host.engine?.inflight?.sent === change) this.host.engine.reuseSeqsOf(change); // nothing of it was stored
        this.host.noAccess();
        return false;
      }
      if (err instanceof WeftError && this.host.engine?.inflight?.sent === change) {
        // Refused whole: nothing of it was stored, so its client seqs are free again.
        this.host.engine.reuseSeqsOf(change);
        this.drop(err.code, err.message);
        return true;
      }
      this.host.onError(err);
      return false;
    }
    if (this.host.engine?.inflight?.sent === change) {
      this.posted = change; // now wait for the ack (or for the receipt check)
      if (answered) this.armCheck();
      else void this.check(); // no answer within the ack timeout already: the receipt says why
    }
    return true;
  }

  private armCheck(): void {
    clearTimeout(this.timer);
    const wait = Math.max(this.host.ackTimeoutMs, backoffDelay(this.checks, this.host.backoff.initialMs, this.host.backoff.maxMs));
    this.timer = setTimeout(() => void this.check(), wait);
  }

  /** The in-flight change went unacknowledged for a while: its receipt says why. */
  private async check(): Promise<void> {
    const inflight = this.host.engine?.inflight;
    if (this.closed || !inflight || this.posted !== inflight.sent) return;
    this.checks++;
    try {
      const receipt = await this.host.http.receipt(this.host.docId, inflight.ops[0].id);
      if (this.host.engine?.inflight !== inflight) return;
      if (receipt === null) {
        this.posted = null; // never accepted (lost on the way): send it again
        this.kick();
        return;
      }
      if (receipt.status === "rejected") return this.drop(receipt.reason, receipt.message);
      if (receipt.status === "committed") await this.host.fillGap();
    } catch (err) {
      if (err instanceof ClosedError) return;
      if (isNoAccess(err)) return this.host.noAccess();
      this.host.onError(err);
    }
    if (this.host.engine?.inflight === inflight) this.armCheck();
  }

  private drop(reason: string, message?: string): void {
    const engine = this.host.engine;
    if (!engine?.inflight) return;
    const ops = engine.dropInflight();
    this.host.dropped(ops.map((l) => ({ id: l.id, reason, ...(message ? { message } : {}) })));
    this.settled();
  }
}
