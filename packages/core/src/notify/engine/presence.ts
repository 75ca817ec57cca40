import type { ExternalChannel } from "../vocabulary.js";

/** The user's live connections, as the connection store sees them when the engine runs. */
export interface Presence {
  /** At least one live WebSocket. */
  connected: boolean;
  /** Documents a live connection is subscribed to (the user is looking at them). */
  subscribedDocIds: readonly string[];
  /** Server ms when the last connection closed (absent: never, or unknown). */
  lastDisconnectAt?: number;
}

export const OFFLINE: Presence = Object.freeze({ connected: false, subscribedDocIds: Object.freeze([]) as readonly string[] });

/**
 * Why presence keeps `channel` from being used now, or undefined. A live connection means
 * in-app only; a connection on the document means nothing about it elsewhere; for `graceMs`
 * after the last connection closed, push waits (the user may be switching tabs). Critical
 * notifications do not ask (engine.ts).
 */
export function presenceBlock(p: Presence, channel: ExternalChannel, docId: string | undefined, now: number, graceMs: number): string | undefined {
  if (docId !== undefined && p.subscribedDocIds.length > 0 && p.subscribedDocIds.includes(docId)) return "the user is viewing the document";
  if (p.connected) return "the user has a live connection: in-app only";
  if ((channel === "web_push" || channel === "mobile_push") && p.lastDisconnectAt !== undefined) {
    const since = now - p.lastDisconnectAt;
    if (since >= 0 && since < graceMs) return `last connection closed ${Math.floor(since / 1000)} s ago; push waits ${Math.round(graceMs / 1000)} s`;
  }
  return undefined;
}
