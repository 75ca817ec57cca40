import { WeftError } from "../core.js";
import type { Change, ErrorCode, ErrorDetail } from "@weft/core";
import { backoffDelay } from "./backoff.js";
import type { ChangeChannel, ChangeTransport, SubmitOutcome, SubmitResults } from "./change-transport.js";
import type { Connection } from "./connection.js";
import { ClosedError } from "./http-api.js";

export interface SocketTransportOptions {
  connection: Connection;
  /** How long a sent submit may go unanswered before the sender reads its receipt instead. */
  ackTimeoutMs: number;
  backoff: { initialMs: number; maxMs: number };
}

/** Error codes that mean "not now" (sent again after a backoff), as 429 and 5xx are over HTTP. */
const TRANSIENT = new Set(["unavailable", "internal", "rate_limited"]);
/** The room tier asks for a second's pause after `unavailable` (throttled). */
const UNAVAILABLE_MIN_MS = 1000;

/**
 * Changes over the client's WebSocket, as the room tier takes them (docs/protocol.md, "The
 * room tier: changes over the socket"): `{"action":"submit","docId","ref","change"}` with `ref`
 * = the change's first op id.
 */
export class SocketTransport implements ChangeTransport {
  constructor(private readonly o: SocketTransportOptions) {}

  channel(docId: string): ChangeChannel {
    return new SocketChannel(docId, this.o);
  }
}

interface Open {
  change: Change;
  ref: string;
  resolve(outcome: SubmitOutcome): void;
  reject(err: unknown): void;
  /** Sent on the current socket and awaiting its answer. */
  sent: boolean;
  /** Transient refusals so far (for the backoff). */
  attempts: number;
  /** The ack timeout while sent, or the backoff wait before sending again. */
  timer?: ReturnType<typeof setTimeout>;
  backingOff: boolean;
}

/**
 * One document's submits. The contract (ChangeChannel), over the socket:
 * - A submit goes only while the document is `live` (subscribed on an open socket, so the
 *   committed entries that acknowledge it reach this connection); otherwise it waits, and
 *   goes when the document has subscribed again.
 * - `submitted` with the submit's `ref` is the answer (the 202). `error` with the `ref`: codes
 *   `unavailable`, `internal` (and `rate_limited`) send the same change again after a backoff
 *   (at least a second after `unavailable`); any other code refuses it (a WeftError with the
 *   server's code, message and details: `forbidden` without an op named is "no access at all").
 * - A socket that closes before the answer: the change is sent again, unchanged, once the
 *   document is live again (the server dedupes it like a repeated POST).
 * - No answer `ackTimeoutMs` after sending: the submit settles `unanswered` and a late answer
 *   is ignored; the sender reads the change's receipt over HTTP, as for any unacknowledged change.
 */
class SocketChannel implements ChangeChannel {
  private open: Open | null = null;
  private isLive = false;
  private closed = false;

  constructor(
    private readonly docId: string,
    private readonly o: SocketTransportOptions,
  ) {}

  submit(change: Change): Promise<SubmitOutcome> {
    if (this.closed) return Promise.reject(new ClosedError());
    if (this.open) return Promise.reject(new Error(`submit: a change of ${this.docId} is already being submitted`));
    return new Promise((resolve, reject) => {
      this.open = { change, ref: change.ops[0].id, resolve, reject, sent: false, attempts: 0, backingOff: false };
      this.trySend();
    });
  }

  answer(msg: Record<string, unknown>): void {
    const open = this.open;
    if (!open || !open.sent || msg.ref !== open.ref) return; // late (timed out), or not ours
    clearTimeout(open.timer);
    open.sent = false;
    if (msg.type === "submitted") {
      const results = Array.isArray(msg.results) ? (msg.results as SubmitResults) : [];
      return this.settle({ answered: true, results });
    }
    const code = typeof msg.code === "string" ? msg.code : "internal";
    if (TRANSIENT.has(code)) {
      open.attempts++;
      const wait = backoffDelay(open.attempts, this.o.backoff.initialMs, this.o.backoff.maxMs);
      open.backingOff = true;
      open.timer = setTimeout(() => {
        open.backingOff = false;
        this.trySend();
      }, code === "unavailable" ? Math.max(UNAVAILABLE_MIN_MS, wait) : wait);
      return;
    }
    const details = Array.isArray(msg.details) ? (msg.details as ErrorDetail[]) : [];
    this.fail(new WeftError(code as ErrorCode, typeof msg.message === "string" ? msg.message : `submit refused: ${code}`, details));
  }

  live(on: boolean): void {
    this.isLive = on;
    const open = this.open;
    if (!on && open?.sent) {
      // Its answer, if any, went with the socket: send it again once live.
      clearTimeout(open.timer);
      open.sent = false;
    }
    if (on) this.trySend();
  }

  forget(): void {
    if (this.open) this.settle({ answered: false });
  }

  close(): void {
    this.closed = true;
    if (this.open) this.fail(new ClosedError());
  }

  private trySend(): void {
    const open = this.open;
    if (!open || open.sent || open.backingOff || !this.isLive || this.closed) return;
    if (!this.o.connection.send({ action: "submit", docId: this.docId, ref: open.ref, change: open.change })) return; // waits for live()
    open.sent = true;
    open.timer = setTimeout(() => {
      if (this.open === open && open.sent) this.settle({ answered: false });
    }, this.o.ackTimeoutMs);
  }

  private settle(outcome: SubmitOutcome): void {
    const open = this.open!;
    this.open = null;
    clearTimeout(open.timer);
    open.resolve(outcome);
  }

  private fail(err: unknown): void {
    const open = this.open!;
    this.open = null;
    clearTimeout(open.timer);
    open.reject(err);
  }
}
