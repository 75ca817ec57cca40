import type { Hono } from "hono";
import { WeftError, type ErrorDetail } from "@weft/core";
import { describe, invalid } from "@weft/core/notify/preferences/validation";
import { MAX_DEVICE_ADDRESS_LENGTH, type NewDevice, type NotifyUser } from "@weft/core/notify/stores/index";
import { jsonBody, objectBody, throwIfAny, userOf, type NotifyEnv, type NotifyRouteDeps } from "./notify-common.js";

/** Device ids as DeviceStore derives them (base64url of 16 bytes); anything else cannot exist. */
const DEVICE_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Web push key material as PushSubscription.toJSON() gives it: base64url (padding tolerated). */
const PUSH_KEY = /^[A-Za-z0-9_-]{1,256}={0,2}$/;
const WEB_PUSH_KEYS = ["kind", "endpoint", "keys", "expirationTime"] as const;
const MOBILE_PUSH_KEYS = ["kind", "platform", "token"] as const;
/** A push service URL: https, no whitespace or control characters. */
const ENDPOINT = /^https:\/\/[^\s\u0000-\u001f]+$/;
/** An FCM registration token or APNs device token: printable, no whitespace. */
const TOKEN = /^[\x21-\x7e]+$/;

/**
 * The caller's push subscriptions (docs/api.md "Notifications"):
 * - `POST /v1/me/devices` `{kind: "web_push", endpoint, keys: {p256dh, auth}}` (a browser
 *   PushSubscription's JSON with `kind`) or `{kind: "mobile_push", platform: "fcm" | "apns",
 *   token}` -> 201 `{device}` for a new subscription, 200 `{device}` (same id) when the
 *   endpoint or token was already registered (keys / platform refreshed): registering on
 *   every app start is safe. A user keeps at most 20; the least recently seen are dropped.
 * - `DELETE /v1/me/devices/{id}` -> 204; 404 when the caller has no device with that id.
 * Invalid input: 400 with a detail per problem (each bad field, each unknown key), all at once.
 */
export function registerDeviceRoutes(app: Hono<NotifyEnv>, deps: NotifyRouteDeps): void {
  app.post("/v1/me/devices", async (c) => {
    const device = newDevice(userOf(c), await jsonBody(c));
    const added = await deps.notify.devices.add(device, deps.clock.now());
    return c.json({ device: added.device }, added.created ? 201 : 200);
  });

  app.delete("/v1/me/devices/:id", async (c) => {
    const id = c.req.param("id");
    if (!DEVICE_ID.test(id)) {
      throw new WeftError("invalid_request", "device id must match [A-Za-z0-9_-]{1,64} (as POST /v1/me/devices returned it)", [
        { path: "id", issue: `got ${JSON.stringify(id.slice(0, 40))}` },
      ]);
    }
    if (!(await deps.notify.devices.remove(userOf(c), id))) throw new WeftError("not_found", `no device ${id}`);
    return c.body(null, 204);
  });
}

function newDevice(user: NotifyUser, raw: unknown): NewDevice {
  const details: ErrorDetail[] = [];
  const kind = (raw as { kind?: unknown } | null)?.kind;
  if (kind === "web_push") {
    const body = objectBody(raw, "device", WEB_PUSH_KEYS, details);
    const endpoint = address(body.endpoint, "endpoint", ENDPOINT, "an https push service URL", details);
    const keys = body.keys as Record<string, unknown> | undefined;
    if (typeof keys !== "object" || keys === null || Array.isArray(keys)) {
      details.push({ path: "keys", issue: `expected {p256dh, auth} (base64url), got ${describe(keys)}` });
    } else {
      for (const k of Object.keys(keys)) if (k !== "p256dh" && k !== "auth") details.push({ path: `keys.${k}`, issue: "unknown key" });
      for (const k of ["p256dh", "auth"] as const) {
        if (typeof keys[k] !== "string" || !PUSH_KEY.test(keys[k] as string)) details.push({ path: `keys.${k}`, issue: `expected base64url of 1..256 characters, got ${describe(keys[k])}` });
      }
    }
    if (body.expirationTime !== undefined && body.expirationTime !== null && typeof body.expirationTime !== "number") {
      details.push({ path: "expirationTime", issue: `expected a number or null, got ${describe(body.expirationTime)}` });
    }
    throwIfAny("device", details);
    return { ...user, kind, endpoint: endpoint!, keys: { p256dh: keys!.p256dh as string, auth: keys!.auth as string } };
  }
  if (kind === "mobile_push") {
    const body = objectBody(raw, "device", MOBILE_PUSH_KEYS, details);
    if (body.platform !== "fcm" && body.platform !== "apns") details.push({ path: "platform", issue: `expected "fcm" or "apns", got ${describe(body.platform)}` });
    const token = address(body.token, "token", TOKEN, "a device token (printable, no whitespace)", details);
    throwIfAny("device", details);
    return { ...user, kind, platform: body.platform as "fcm" | "apns", token: token! };
  }
  // Without a known kind, a key is unknown when neither kind has it.
  details.push({ path: "kind", issue: `expected "web_push" or "mobile_push", got ${describe(kind)}` });
  objectBody(raw, "device", [...WEB_PUSH_KEYS, ...MOBILE_PUSH_KEYS], details);
  throw invalid("device", details);
}

function address(v: unknown, path: string, re: RegExp, what: string, details: ErrorDetail[]): string | undefined {
  if (typeof v === "string" && v.length <= MAX_DEVICE_ADDRESS_LENGTH && re.test(v)) return v;
  details.push({ path, issue: `expected ${what} of at most ${MAX_DEVICE_ADDRESS_LENGTH} characters, got ${describe(v)}` });
  return undefined;
}
