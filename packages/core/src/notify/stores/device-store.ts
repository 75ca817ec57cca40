import { WeftError } from "../../errors.js";
import { assertId, assertNotifyUser, assertTime, base64url, type NotifyUser } from "./common.js";

/** Most push subscriptions one user keeps; adding one more evicts the least recently seen. */
export const MAX_DEVICES_PER_USER = 20;
/** Longest endpoint URL or token. */
export const MAX_DEVICE_ADDRESS_LENGTH = 2_048;

interface DeviceBase {
  /** Derived from kind + address (`deviceIdOf`): the same subscription always has the same id. */
  id: string;
  tenant: string;
  userId: string;
  createdAt: number;
  lastSeenAt: number;
}

export interface WebPushDevice extends DeviceBase {
  kind: "web_push";
  /** The push service URL of the browser's PushSubscription. */
  endpoint: string;
  keys?: { p256dh: string; auth: string };
}

export interface MobilePushDevice extends DeviceBase {
  kind: "mobile_push";
  platform: "fcm" | "apns";
  token: string;
}

export type PushDevice = WebPushDevice | MobilePushDevice;

/** What `add` takes: a device without the fields the store assigns. */
export type NewDevice =
  | Omit<WebPushDevice, "id" | "createdAt" | "lastSeenAt">
  | Omit<MobilePushDevice, "id" | "createdAt" | "lastSeenAt">;

export interface AddDeviceResult {
  /** The stored device (the existing id when this address was already registered). */
  device: PushDevice;
  /** False when the address was already registered (lastSeenAt and keys/platform refreshed). */
  created: boolean;
  /** Ids removed to stay within MAX_DEVICES_PER_USER. */
  evicted: string[];
}

/**
 * A user's push subscriptions (web push endpoints and FCM/APNs tokens).
 *
 * Contract:
 * - `add(device, at)` registers the device for its user. Idempotent per (user, kind, address)
 *   where the address is `endpoint` or `token`: adding a registered address again keeps its id
 *   and createdAt, sets lastSeenAt = max(stored, at) and replaces `keys` / `platform` with the
 *   given ones. A new device gets createdAt = lastSeenAt = at. When the user then has more than
 *   MAX_DEVICES_PER_USER devices, the least recently seen others (lastSeenAt, then createdAt,
 *   then id ascending) are evicted and returned; the added device never is. Under concurrent
 *   adds for one user the bound holds once they have all returned (together they may evict
 *   a few more than needed, never the most recently seen device).
 * - `list(user)`: the user's devices, most recently seen first (lastSeenAt desc, then id).
 * - `remove(user, id)` / `removeByToken(user, endpointOrToken)` delete and return whether a
 *   device existed (removeByToken matches either kind: an invalid push token is deleted this
 *   way). Other users' devices, even with the same address, are untouched.
 * - Reads are strongly consistent; devices round-trip deep-equal; invalid input (bad kind,
 *   platform, address, keys, time) is refused with WeftError "invalid_request".
 */
export interface DeviceStore {
  add(device: NewDevice, at: number): Promise<AddDeviceResult>;
  list(user: NotifyUser): Promise<PushDevice[]>;
  remove(user: NotifyUser, id: string): Promise<boolean>;
  removeByToken(user: NotifyUser, endpointOrToken: string): Promise<boolean>;
}

export function deviceAddress(d: NewDevice | PushDevice): string {
  return d.kind === "web_push" ? d.endpoint : d.token;
}

/**
 * A device's id: base64url of the first 16 bytes of SHA-256(kind + "\n" + address). Web
 * Crypto, so it runs in browsers, Node and Lambda alike.
 */
export async function deviceIdOf(kind: PushDevice["kind"], address: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${kind}\n${address}`));
  return base64url(new Uint8Array(digest).slice(0, 16));
}

/** The device `add` stores for a new address (after validation). */
export async function checkNewDevice(d: NewDevice, at: number): Promise<PushDevice> {
  assertNotifyUser(d);
  assertTime(at, "at");
  const address = d.kind === "web_push" ? d.endpoint : d.kind === "mobile_push" ? d.token : undefined;
  if (address === undefined) throw bad("kind", `must be "web_push" or "mobile_push", got ${JSON.stringify((d as { kind?: unknown }).kind)}`);
  assertId(address, d.kind === "web_push" ? "endpoint" : "token", MAX_DEVICE_ADDRESS_LENGTH);
  const base = { id: await deviceIdOf(d.kind, address), tenant: d.tenant, userId: d.userId, createdAt: at, lastSeenAt: at };
  if (d.kind === "mobile_push") {
    if (d.platform !== "fcm" && d.platform !== "apns") throw bad("platform", `must be "fcm" or "apns", got ${JSON.stringify(d.platform)}`);
    return { ...base, kind: "mobile_push", platform: d.platform, token: d.token };
  }
  if (d.keys !== undefined) {
    assertId(d.keys.p256dh, "keys.p256dh");
    assertId(d.keys.auth, "keys.auth");
  }
  return { ...base, kind: "web_push", endpoint: d.endpoint, ...(d.keys ? { keys: { p256dh: d.keys.p256dh, auth: d.keys.auth } } : {}) };
}

/** The stored device after adding `fresh` (built by checkNewDevice) over `existing`. */
export function refreshDevice(existing: PushDevice, fresh: PushDevice): PushDevice {
  return { ...fresh, createdAt: existing.createdAt, lastSeenAt: Math.max(existing.lastSeenAt, fresh.lastSeenAt) };
}

/** Ids to evict from `devices` (the user's devices after storing `keep`). */
export function devicesToEvict(devices: PushDevice[], keep: string): string[] {
  const excess = devices.length - MAX_DEVICES_PER_USER;
  if (excess <= 0) return [];
  return devices
    .filter((d) => d.id !== keep)
    .sort((a, b) => a.lastSeenAt - b.lastSeenAt || a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, excess)
    .map((d) => d.id);
}

/** Most recently seen first. */
export function sortDevices(devices: PushDevice[]): PushDevice[] {
  return devices.sort((a, b) => b.lastSeenAt - a.lastSeenAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function bad(path: string, issue: string): WeftError {
  return new WeftError("invalid_request", `invalid device ${path}`, [{ path, issue }]);
}
