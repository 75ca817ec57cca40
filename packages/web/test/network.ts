import WebSocket from "ws";
import type { WebSocketConstructor } from "../src/index.js";

/**
 * A switchable network for one client: `fetch` and `WebSocket` to pass in its options. While
 * unplugged, requests fail like a dead network (TypeError) and sockets cannot connect (the
 * open ones are cut). `loseResponses(n)` lets the next n POSTs reach the server and then
 * fails them as if the response was lost: the client must retry without committing twice.
 */
export class Network {
  online = true;
  /** While false, sockets cannot connect (HTTP still works). */
  socketsOk = true;
  /** Requests that failed because of this network (dead, or response lost). */
  failures = 0;
  posts = 0;
  private lose = 0;
  private answers: Response[] = [];
  private readonly sockets = new Set<WebSocket>();

  readonly fetch: typeof fetch = async (input, init) => {
    if (!this.online) {
      this.failures++;
      throw new TypeError("fetch failed (test network unplugged)");
    }
    if (init?.method === "POST" && this.answers.length > 0) {
      this.posts++;
      this.failures++;
      return this.answers.shift()!;
    }
    const res = await fetch(input, init);
    if (init?.method === "POST") {
      this.posts++;
      if (this.lose > 0) {
        this.lose--;
        this.failures++;
        await res.text();
        throw new TypeError("fetch failed (test network lost the response)");
      }
    }
    return res;
  };

  readonly WebSocket: WebSocketConstructor;

  constructor() {
    const net = this;
    class SwitchableSocket extends WebSocket {
      constructor(url: string) {
        // Port 9 (discard) refuses connections: what a dead network looks like to a client.
        super(net.online && net.socketsOk ? url : "ws://127.0.0.1:9/");
        net.sockets.add(this);
        this.on("close", () => net.sockets.delete(this));
      }
    }
    this.WebSocket = SwitchableSocket as unknown as WebSocketConstructor;
  }

  unplug(): void {
    this.online = false;
    for (const s of this.sockets) s.terminate();
  }

  /** Cuts WebSockets only: HTTP keeps working (acks then come from receipts and log reads). */
  cutSockets(): void {
    this.socketsOk = false;
    for (const s of this.sockets) s.terminate();
  }

  plug(): void {
    this.online = true;
  }

  loseResponses(n: number): void {
    this.lose = n;
  }

  /** The next POSTs get these statuses from "a proxy" without reaching the server. */
  answerPosts(...statuses: Array<{ status: number; retryAfter?: number }>): void {
    this.answers = statuses.map(({ status, retryAfter }) =>
      new Response(JSON.stringify({ error: { code: status === 429 ? "rate_limited" : "internal", message: "test proxy" } }), {
        status,
        headers: retryAfter === undefined ? {} : { "retry-after": String(retryAfter) },
      }),
    );
  }
}
