import { createHash } from "node:crypto";
import type { DeliveryCommand } from "@weft/core/notify/delivery/index";

/**
 * The collapse / replace key a push provider gets for a notification: 32 base64url characters
 * of SHA-256(notificationId). It fits every provider's limit (web push Topic: 32 characters of
 * base64url; APNs apns-collapse-id: 64 bytes) and is the same on every retry, so a retried
 * delivery replaces the pending or shown one instead of adding a second.
 */
export function collapseKeyOf(notificationId: string): string {
  return createHash("sha256").update(notificationId, "utf8").digest("base64url").slice(0, 32);
}

/** A UUID derived from the notification id (APNs' apns-id), so provider logs and ours line up. */
export function uuidOf(notificationId: string): string {
  const h = createHash("sha256").update(`apns-id\n${notificationId}`, "utf8").digest("hex");
  // Version 8 (custom) UUID layout: xxxxxxxx-xxxx-8xxx-[89ab]xxx-xxxxxxxxxxxx.
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** What a push payload carries besides the visible title and body. */
export interface PushPayload {
  notificationId: string;
  title: string;
  body: string;
  url?: string;
  data?: Record<string, unknown>;
}

/**
 * The notification as push JSON of at most `maxBytes` UTF-8 bytes (providers cap payloads at
 * about 4 KB): drops `data` first, then shortens the body, then the title, with an ellipsis.
 * Returns undefined when even that cannot fit (an absurd URL or id): the message is rejected.
 */
export function fitPushPayload(cmd: DeliveryCommand, maxBytes: number, shape: (p: PushPayload) => unknown = (p) => p): string | undefined {
  const size = (p: PushPayload) => Buffer.byteLength(JSON.stringify(shape(p)), "utf8");
  let p: PushPayload = { notificationId: cmd.notificationId, title: cmd.title, body: cmd.body, ...(cmd.url ? { url: cmd.url } : {}), ...(cmd.data ? { data: cmd.data } : {}) };
  if (size(p) <= maxBytes) return JSON.stringify(shape(p));
  p = { ...p, data: undefined };
  for (const field of ["body", "title"] as const) {
    const chars = [...p[field]];
    // Halve the overflow's worth of characters until it fits (each step at least one character).
    while (size(p) > maxBytes && chars.length > 0) {
      chars.length = Math.max(0, chars.length - Math.max(1, Math.ceil((size(p) - maxBytes) / 2)));
      p = { ...p, [field]: chars.length > 0 ? `${chars.join("")}…` : "" };
    }
  }
  return size(p) <= maxBytes ? JSON.stringify(shape(p)) : undefined;
}
