import { WeftError } from "../core.js";
import { utf8Length as utf8Bytes } from "@weft/core/live/utf8";
import type { PresencePeer } from "../types.js";

/** The protocol's limit on a presence state (JSON, UTF-8 bytes). */
export const MAX_PRESENCE_BYTES = 1024;
/** At most one presence message per document per this interval: 10/s, the server's refill rate. */
export const PRESENCE_INTERVAL_MS = 100;
/** Connections whose newest presence stamp is remembered (per document). */
const MAX_SEEN = 1000;
/** Presence fields holding positions, moved through text changes (see mapThrough). */
const POSITION_FIELDS = ["cursor", "anchor", "head"];

/**
 * One document's presence: our own state, sent throttled (the newest state wins; the first
 * goes at once, later ones at most every PRESENCE_INTERVAL_MS), re-sent after every
 * (re)subscribe; and the other subscribers' states by connection id, from the server's
 * presence messages (state null = that connection left).
 */
export class Presence {
  readonly peers = new Map<string, PresencePeer>();
  /** Per connection, the newest stamp seen and whether it was a leave (at most MAX_SEEN, oldest dropped). */
  private readonly seen = new Map<string, { at: number; left: boolean }>();
  private mine: Record<string, unknown> | null | undefined;
  private lastSent = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private unsent = false;

  constructor(
    private readonly send: (state: Record<string, unknown> | null) => boolean,
    private readonly changed: () => void,
  ) {}

  /** Sets our state (null = leave). Throws WeftError for a state the server would refuse. */
  set(state: Record<string, unknown> | null): void {
    if (state !== null && (typeof state !== "object" || Array.isArray(state))) {
      throw new WeftError("invalid_request", "presence state must be a JSON object or null");
    }
    let json: string;
    try {
      json = JSON.stringify(state);
    } catch {
      throw new WeftError("invalid_request", "presence state must be JSON-encodable");
    }
    const bytes = utf8Bytes(json);
    if (bytes > MAX_PRESENCE_BYTES) throw new WeftError("payload_too_large", `presence state is ${bytes} bytes of JSON; at most ${MAX_PRESENCE_BYTES}`);
    this.mine = state === null ? null : (JSON.parse(json) as Record<string, unknown>);
    this.unsent = true;
    this.pump();
  }

  /** After a (re)subscribe: the server starts from nothing, so our state goes again and peers are re-announced. */
  resubscribed(): void {
    this.peers.clear();
    this.changed();
    if (this.mine) {
      this.unsent = true;
      this.pump();
    }
  }

  /**
   * A presence message from the server. Messages of one connection may arrive out of order (a
   * state relayed by one server call, its leave by another): one stamped (`at`) earlier than
   * the newest seen for that connection is stale and dropped (a leave wins a tie). Stamps
   * outlive a resubscribe (connection ids are never reused); unstamped messages (servers before
   * the stamp) always apply.
   */
  receive(msg: { connectionId?: unknown; userId?: unknown; state?: unknown; at?: unknown }): void {
    if (typeof msg.connectionId !== "string") return;
    const leaving = !(msg.state && typeof msg.state === "object");
    if (typeof msg.at === "number") {
      const seen = this.seen.get(msg.connectionId);
      if (seen && (msg.at < seen.at || (msg.at === seen.at && seen.left))) return;
      this.seen.delete(msg.connectionId); // re-inserted last: the map stays in arrival order
      this.seen.set(msg.connectionId, { at: msg.at, left: leaving });
      if (this.seen.size > MAX_SEEN) this.seen.delete(this.seen.keys().next().value as string);
    }
    if (!leaving) {
      this.peers.set(msg.connectionId, { userId: String(msg.userId ?? ""), state: msg.state as Record<string, unknown> });
    } else this.peers.delete(msg.connectionId);
    this.changed();
  }

  /**
   * Moves the numeric position fields (cursor, anchor, head) of peers' states through a change
   * of the local text, so remote cursors stay on the same character while their owners' next
   * update is on its way. Peers of user `skipUser` are left alone: their own edit is already
   * in the state they sent.
   */
  mapThrough(map: (pos: number) => number, skipUser?: string): void {
    let moved = false;
    for (const [id, peer] of this.peers) {
      if (skipUser !== undefined && peer.userId === skipUser) continue;
      let state: Record<string, unknown> | undefined;
      for (const f of POSITION_FIELDS) {
        const v = peer.state[f];
        if (typeof v !== "number" || !Number.isInteger(v) || v < 0) continue;
        const to = map(v);
        if (to !== v) (state ??= { ...peer.state })[f] = to;
      }
      if (state) {
        this.peers.set(id, { userId: peer.userId, state });
        moved = true;
      }
    }
    if (moved) this.changed();
  }

  close(): void {
    clearTimeout(this.timer);
  }

  private pump(): void {
    if (!this.unsent || this.timer) return;
    const wait = this.lastSent + PRESENCE_INTERVAL_MS - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, wait);
      return;
    }
    // Not open or not subscribed: resubscribed() sends it.
    if (this.send(this.mine ?? null)) {
      this.unsent = false;
      this.lastSent = Date.now();
    }
  }
}
