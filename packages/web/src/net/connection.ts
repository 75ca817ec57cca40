import type { Status, WebSocketConstructor, WebSocketLike } from "../types.js";
import { backoffDelay } from "./backoff.js";
import type { TokenSource } from "./tokens.js";

export interface ConnectionOptions {
  wsUrl: string;
  tokens: TokenSource;
  WebSocket: WebSocketConstructor;
  pingIntervalMs: number;
  backoff: { initialMs: number; maxMs: number };
  onStatus(status: Status): void;
  /** The socket opened: (re)subscribe. */
  onOpen(): void;
  onMessage(msg: Record<string, unknown>): void;
  onError(err: unknown): void;
}

/** A socket whose token is reported expired sooner than this after it opened reconnects with backoff. */
const EXPIRED_SOON_MS = 2000;

/**
 * One WebSocket per client, kept open: `?token=<JWT>` on the URL (browsers cannot set
 * headers on an upgrade); after a close, reconnects with exponential backoff and full jitter
 * (capped at `backoff.maxMs`). A socket that closes before it opened counts as a refused
 * upgrade (a browser cannot see the 401, so any such failure may be one): the next attempt
 * asks `getToken` again. A `token_expired` error from the server (the socket's token lapsed)
 * replaces the socket with one on a fresh token (see `expired`). A keepalive `ping` goes out
 * every `pingIntervalMs`; a socket that answered nothing (not even the pong) by the next tick
 * is presumed dead and replaced.
 */
export class Connection {
  status: Status = "connecting";
  private ws: WebSocketLike | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pinger: ReturnType<typeof setInterval> | undefined;
  private heard = true;
  private closed = false;
  private quickExpiries = 0;

  constructor(private readonly o: ConnectionOptions) {}

  start(): void {
    const g = globalThis as { addEventListener?: (type: string, fn: () => void) => void };
    // A browser that comes back online retries at once instead of waiting out the backoff.
    g.addEventListener?.("online", () => this.status === "offline" && this.retryNow());
    void this.connect();
  }

  /** Sends a message if the socket is open; returns whether it was sent. */
  send(msg: Record<string, unknown>): boolean {
    if (!this.ws || this.status !== "open") return false;
    try {
      this.ws.send(JSON.stringify(msg));
      return true;
    } catch (err) {
      this.o.onError(err);
      return false;
    }
  }

  /** Closes the socket; a new one follows after the backoff (test hook: simulates a dropped connection). */
  drop(): void {
    this.ws?.close();
  }

  /** Skips the remaining backoff wait. */
  retryNow(): void {
    if (this.closed || this.status !== "offline") return;
    clearTimeout(this.timer);
    void this.connect();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000, "client closed");
    this.setStatus("closed");
  }

  private setStatus(s: Status): void {
    if (this.status === s) return;
    this.status = s;
    this.o.onStatus(s);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    this.setStatus("connecting");
    let token: string;
    try {
      token = await this.o.tokens.get();
    } catch (err) {
      this.o.onError(err);
      return this.retryLater();
    }
    if (this.closed) return;
    const url = `${this.o.wsUrl}${this.o.wsUrl.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}`;
    let ws: WebSocketLike;
    try {
      ws = new this.o.WebSocket(url);
    } catch (err) {
      this.o.onError(err);
      return this.retryLater();
    }
    this.ws = ws;
    let opened = false;
    let openedAt = 0;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      opened = true;
      openedAt = Date.now();
      this.attempt = 0;
      this.heard = true;
      clearInterval(this.pinger);
      this.pinger = setInterval(() => this.keepalive(ws), this.o.pingIntervalMs);
      this.setStatus("open");
      this.o.onOpen();
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      this.heard = true;
      const msg = parse(ev.data);
      if (msg?.type === "error" && msg.code === "token_expired") return this.expired(ws, token, openedAt);
      if (msg && msg.type !== "pong") this.o.onMessage(msg);
    };
    ws.onerror = (ev) => {
      if (this.ws === ws && !opened) this.o.onError(new Error(`WebSocket connection failed${ev?.message ? `: ${ev.message}` : ""}`));
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      clearInterval(this.pinger);
      if (this.closed) return;
      if (!opened) this.o.tokens.invalidate(token);
      this.retryLater();
    };
  }

  /**
   * The server said the socket's token expired (it closes the socket next): the token is
   * dropped and a new socket opens at once with a fresh one; documents resubscribe from what
   * they have received, so nothing is missed.
   */
  private expired(ws: WebSocketLike, token: string, openedAt: number): void {
    this.o.tokens.invalidate(token);
    this.ws = null;
    clearInterval(this.pinger);
    try {
      ws.close();
    } catch {
      // already closing
    }
    // Sockets told so right after they opened (clocks apart, a getToken that returns a stale
    // token) wait out a growing backoff, so they cannot spin.
    if (Date.now() - openedAt >= EXPIRED_SOON_MS) {
      this.quickExpiries = 0;
      return void this.connect();
    }
    this.setStatus("offline");
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.connect(), backoffDelay(++this.quickExpiries, this.o.backoff.initialMs, this.o.backoff.maxMs));
  }

  private retryLater(): void {
    if (this.closed) return;
    this.setStatus("offline");
    this.attempt++;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.connect(), backoffDelay(this.attempt, this.o.backoff.initialMs, this.o.backoff.maxMs));
  }

  private keepalive(ws: WebSocketLike): void {
    if (this.ws !== ws) return;
    if (!this.heard) {
      // Nothing since the last ping: the socket is dead even if the OS has not noticed.
      this.ws = null;
      clearInterval(this.pinger);
      try {
        ws.close();
      } catch {
        // already closing
      }
      this.retryLater();
      return;
    }
    this.heard = false;
    this.send({ action: "ping" });
  }
}

function parse(data: unknown): Record<string, unknown> | null {
  try {
    const text = typeof data === "string" ? data : new TextDecoder().decode(data as ArrayBuffer);
    const v = JSON.parse(text) as unknown;
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
