import type { WebSocket } from "ws";
import type { AuthorizerContext, UpgradeRequest } from "./ws-events.js";

/** API Gateway's limit on one WebSocket message, in either direction (128 KB). */
export const MAX_MESSAGE_BYTES = 128 * 1024;

/** Close codes and reasons the local gateway uses (RFC 6455 codes; the wording is ours). */
export const CLOSE = {
  /** DeleteConnection through the management API. */
  deleted: { code: 1000, reason: "Connection deleted" },
  idle: { code: 1001, reason: "Going away: idle timeout" },
  maxDuration: { code: 1001, reason: "Going away: maximum connection duration" },
  shutdown: { code: 1001, reason: "Going away: local stack stopping" },
  /** API Gateway refuses binary frames with 1003 (see docs/architecture.md). */
  binary: { code: 1003, reason: "Binary frames are not supported" },
  /** A message over MAX_MESSAGE_BYTES (the `ws` library sends the close frame itself). */
  tooBig: { code: 1009, reason: "Message too big" },
} as const;

/**
 * One accepted WebSocket connection: the socket, what its events carry (upgrade request,
 * authorizer output), its activity times, and a chain that runs its route invocations one
 * at a time in arrival order.
 *
 * `lastActiveAt` moves on every client message (not on server posts, not on control frames):
 * that is also what the idle timer counts, so a client keeps an idle connection alive by
 * sending messages (the protocol's `ping` action), as on API Gateway.
 */
export class LiveConnection {
  lastActiveAt: number;
  /** Set once the gateway stops delivering to it (server close started, or the socket closed). */
  gone = false;
  /** Why the server closed it; undefined when the client closed it (or the socket dropped). */
  closedBy?: { code: number; reason: string };
  private chain: Promise<void> = Promise.resolve();
  private idleTimer?: NodeJS.Timeout;
  private readonly maxTimer: NodeJS.Timeout;

  constructor(
    readonly socket: WebSocket,
    readonly request: UpgradeRequest,
    readonly authorizer: AuthorizerContext | undefined,
    private readonly limits: { idleTimeoutMs: number; maxDurationMs: number },
  ) {
    this.lastActiveAt = request.connectedAt;
    this.maxTimer = setTimeout(() => this.close(CLOSE.maxDuration), Math.max(0, request.connectedAt + limits.maxDurationMs - Date.now())).unref();
    this.touch(request.connectedAt);
  }

  get id(): string {
    return this.request.connectionId;
  }

  /** Records client activity and restarts the idle timer. */
  touch(at = Date.now()): void {
    this.lastActiveAt = at;
    clearTimeout(this.idleTimer);
    if (!this.gone) this.idleTimer = setTimeout(() => this.close(CLOSE.idle), this.limits.idleTimeoutMs).unref();
  }

  /** Runs `task` after every task queued before it (a failed task does not stop the chain). */
  enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.chain.then(task, task);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Sends one text frame; resolves false when the connection is gone or the write fails. */
  send(data: Buffer | string): Promise<boolean> {
    if (this.gone || this.socket.readyState !== this.socket.OPEN) return Promise.resolve(false);
    return new Promise((resolve) => this.socket.send(data, { binary: false }, (err) => resolve(!err)));
  }

  /** Starts a server-side close; delivery stops at once, the `close` event follows the handshake. */
  close(how: { code: number; reason: string }): void {
    if (this.gone) return;
    this.closedBy = how;
    this.markGone();
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) this.socket.close(how.code, how.reason);
  }

  /** Stops the timers and delivery; idempotent. */
  markGone(): void {
    this.gone = true;
    clearTimeout(this.idleTimer);
    clearTimeout(this.maxTimer);
  }
}
