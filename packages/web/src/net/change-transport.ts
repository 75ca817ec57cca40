import type { Change } from "@weft/core";
import type { HttpApi } from "./http-api.js";

/** Per-op statuses of an accepted change (`accepted`, `duplicate`): the 202's or `submitted`'s `results`. */
export type SubmitResults = Array<{ id: string; status: string }>;

/**
 * What a submit came to: the server took the change (`answered`, with its results), or no
 * answer came in time (`unanswered`: the ack timeout passed, or the change was acknowledged or
 * dropped meanwhile, see `forget`), in which case the sender reads the receipt as for any
 * unacknowledged change.
 */
export type SubmitOutcome = { answered: true; results: SubmitResults } | { answered: false };

/**
 * How one document's changes reach the server. A Sender owns one channel and has at most one
 * `submit` open on it (one change in flight per document).
 *
 * `submit(change)` sends the change as is (retries resend the identical change: same op ids,
 * client seqs and base, so the server dedupes any repeat) and settles:
 * - with an outcome (above), once the server took it or the wait for an answer ended;
 * - by throwing a WeftError with the server's code, message and details when the server
 *   refused the change (a 4xx): nothing of it was stored;
 * - by throwing ClosedError when the client or the channel was closed.
 * Transient failures (network, 5xx, throttling, a dropped socket) are retried inside.
 */
export interface ChangeChannel {
  submit(change: Change): Promise<SubmitOutcome>;
  /** A server message answering a submit of this document (`submitted`, or `error` with a `ref`). */
  answer(msg: Record<string, unknown>): void;
  /** Whether the document is subscribed on an open socket (false after a close, until the next `subscribed`). */
  live(on: boolean): void;
  /** The change being submitted was acknowledged or dropped: an open submit may settle `unanswered` now. */
  forget(): void;
  /** The document stopped: an open submit throws ClosedError. */
  close(): void;
}

/** Makes the channel of each document; one transport per client (ClientOptions.opsTransport). */
export interface ChangeTransport {
  channel(docId: string): ChangeChannel;
}

/**
 * `POST /v1/docs/{docId}/ops` (HttpApi.postChange, which retries the same body until the server
 * answers): the 202 is the answer. The socket plays no part in sending.
 */
export class HttpTransport implements ChangeTransport {
  constructor(private readonly http: HttpApi) {}

  channel(docId: string): ChangeChannel {
    const http = this.http;
    return {
      async submit(change) {
        return { answered: true, results: await http.postChange(docId, change) };
      },
      answer() {},
      live() {},
      forget() {},
      close() {},
    };
  }
}
