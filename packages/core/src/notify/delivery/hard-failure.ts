import type { DeliveryTarget, HardFailureKind } from "./channel-adapter.js";

/**
 * What to change about a recipient after a hard failure; the caller applies it to its device
 * and preference stores (idempotently: applying an action twice is the same as once).
 * - `delete_device`: the push token or subscription is dead: forget that device.
 * - `disable_address`: stop using this email address or phone number (a hard bounce, or an
 *   address the provider refused) until the user verifies it again.
 * - `disable_channel`: the user complained (spam report): no more email to them at all until
 *   they opt in again.
 */
export type HardFailureAction =
  | { type: "delete_device"; tenant: string; userId: string; deviceId: string; reason: HardFailureKind }
  | { type: "disable_address"; tenant: string; userId: string; channel: "email" | "sms"; address: string; reason: HardFailureKind }
  | { type: "disable_channel"; tenant: string; userId: string; channel: "email"; reason: HardFailureKind };

export interface HardFailureSubject {
  tenant: string;
  userId: string;
  target: DeliveryTarget;
}

/**
 * The action for `kind` on `subject.target`, or undefined when the kind does not apply to that
 * target (an `invalid_token` for an email address, say: an adapter bug, reported not acted on).
 */
export function hardFailureAction(kind: HardFailureKind, subject: HardFailureSubject): HardFailureAction | undefined {
  const { tenant, userId, target } = subject;
  switch (kind) {
    case "invalid_token":
      return target.kind === "web_push" || target.kind === "device_token" ? { type: "delete_device", tenant, userId, deviceId: target.deviceId, reason: kind } : undefined;
    case "bounce":
    case "invalid_address":
      if (target.kind === "email") return { type: "disable_address", tenant, userId, channel: "email", address: target.address, reason: kind };
      if (target.kind === "phone") return { type: "disable_address", tenant, userId, channel: "sms", address: target.number, reason: kind };
      return undefined;
    case "complaint":
      return target.kind === "email" ? { type: "disable_channel", tenant, userId, channel: "email", reason: kind } : undefined;
  }
}
