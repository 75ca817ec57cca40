import { describe, expect, it } from "vitest";
import type { DeliveryTarget } from "../../../src/notify/delivery/channel-adapter.js";
import { hardFailureAction } from "../../../src/notify/delivery/hard-failure.js";

const who = { tenant: "t1", userId: "u1" };
const email: DeliveryTarget = { kind: "email", address: "ann@example.com" };
const phone: DeliveryTarget = { kind: "phone", number: "+14155550100" };
const webPush: DeliveryTarget = { kind: "web_push", deviceId: "d1", subscription: { endpoint: "https://push.example/x", keys: { p256dh: "k", auth: "a" } } };
const token: DeliveryTarget = { kind: "device_token", deviceId: "d2", platform: "apns", token: "abc" };

describe("hardFailureAction", () => {
  it("deletes the device for a dead push token or subscription", () => {
    expect(hardFailureAction("invalid_token", { ...who, target: webPush })).toEqual({ type: "delete_device", ...who, deviceId: "d1", reason: "invalid_token" });
    expect(hardFailureAction("invalid_token", { ...who, target: token })).toEqual({ type: "delete_device", ...who, deviceId: "d2", reason: "invalid_token" });
  });

  it("disables the address on a hard bounce or a refused address, email or phone", () => {
    expect(hardFailureAction("bounce", { ...who, target: email })).toEqual({ type: "disable_address", ...who, channel: "email", address: "ann@example.com", reason: "bounce" });
    expect(hardFailureAction("invalid_address", { ...who, target: email })).toMatchObject({ type: "disable_address", channel: "email", reason: "invalid_address" });
    expect(hardFailureAction("invalid_address", { ...who, target: phone })).toEqual({ type: "disable_address", ...who, channel: "sms", address: "+14155550100", reason: "invalid_address" });
  });

  it("disables email altogether on a complaint", () => {
    expect(hardFailureAction("complaint", { ...who, target: email })).toEqual({ type: "disable_channel", ...who, channel: "email", reason: "complaint" });
  });

  it("has no action for a kind that cannot apply to the target", () => {
    expect(hardFailureAction("invalid_token", { ...who, target: email })).toBeUndefined();
    expect(hardFailureAction("complaint", { ...who, target: phone })).toBeUndefined();
    expect(hardFailureAction("bounce", { ...who, target: token })).toBeUndefined();
  });
});
