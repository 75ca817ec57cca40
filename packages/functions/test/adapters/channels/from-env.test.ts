import { generateKeyPairSync } from "node:crypto";
import webpush from "web-push";
import { describe, expect, it } from "vitest";
import type { ChannelAdapter, DeliveryCommand, DeliveryResult } from "@weft/core/notify/delivery/index";
import { channelAdaptersFromEnv, HttpOutboxAdapter, MobilePushAdapter, SesEmailAdapter, SnsSmsAdapter, WebPushAdapter } from "../../../src/adapters/channels/index.js";

const vapid = webpush.generateVAPIDKeys();
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
const ec = generateKeyPairSync("ec", { namedCurve: "P-256", privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });

describe("channelAdaptersFromEnv", () => {
  it("routes every channel to the local outbox when WEFT_OUTBOX_ENDPOINT is set", () => {
    const adapters = channelAdaptersFromEnv({ WEFT_OUTBOX_ENDPOINT: "http://127.0.0.1:8787", WEFT_SES_FROM: "a@b.co" });
    expect(Object.keys(adapters).sort()).toEqual(["email", "mobile_push", "sms", "web_push"]);
    for (const a of Object.values(adapters)) expect(a).toBeInstanceOf(HttpOutboxAdapter);
  });

  it("builds each provider whose configuration is present, and nothing else", () => {
    expect(channelAdaptersFromEnv({})).toEqual({});
    const all = channelAdaptersFromEnv({
      WEFT_SES_FROM: "Weft <notify@weft.example>",
      WEFT_SMS_ENABLED: "1",
      WEFT_VAPID_PUBLIC_KEY: vapid.publicKey,
      WEFT_VAPID_PRIVATE_KEY: vapid.privateKey,
      WEFT_VAPID_SUBJECT: "mailto:ops@weft.example",
      WEFT_FCM_SERVICE_ACCOUNT: JSON.stringify({ project_id: "p", client_email: "e@p.iam.gserviceaccount.com", private_key: rsa.privateKey }),
      WEFT_APNS_KEY: ec.privateKey,
      WEFT_APNS_KEY_ID: "K",
      WEFT_APNS_TEAM_ID: "T",
      WEFT_APNS_TOPIC: "com.example.app",
    });
    expect(all.email).toBeInstanceOf(SesEmailAdapter);
    expect(all.sms).toBeInstanceOf(SnsSmsAdapter);
    expect(all.web_push).toBeInstanceOf(WebPushAdapter);
    expect(all.mobile_push).toBeInstanceOf(MobilePushAdapter);
    expect(Object.keys(channelAdaptersFromEnv({ WEFT_SES_FROM: "a@b.co" }))).toEqual(["email"]);
  });

  it("refuses half a provider's configuration, naming what is missing", () => {
    expect(() => channelAdaptersFromEnv({ WEFT_VAPID_PUBLIC_KEY: vapid.publicKey })).toThrow(/missing WEFT_VAPID_PRIVATE_KEY, WEFT_VAPID_SUBJECT/);
    expect(() => channelAdaptersFromEnv({ WEFT_APNS_KEY_ID: "K" })).toThrow(/missing WEFT_APNS_KEY, WEFT_APNS_TEAM_ID, WEFT_APNS_TOPIC/);
    expect(() => channelAdaptersFromEnv({ WEFT_FCM_SERVICE_ACCOUNT: "{" })).toThrow(/not JSON/);
    expect(() => channelAdaptersFromEnv({ WEFT_FCM_SERVICE_ACCOUNT: JSON.stringify({ project_id: "p" }) })).toThrow(/has no client_email/);
  });
});

describe("MobilePushAdapter", () => {
  const echo = (name: string): ChannelAdapter => ({ send: async (): Promise<DeliveryResult> => ({ status: "delivered", providerMessageId: name }) });
  const cmd = (platform: "fcm" | "apns"): DeliveryCommand => ({ notificationId: "n", tenant: "t", userId: "u", channel: "mobile_push", provider: platform, target: { kind: "device_token", deviceId: "d", platform, token: "ab" }, title: "T", body: "B", attempt: 1 });

  it("sends by the target's platform, rejecting a platform without a provider", async () => {
    const both = new MobilePushAdapter({ fcm: echo("fcm"), apns: echo("apns") });
    expect(await both.send(cmd("fcm"))).toEqual({ status: "delivered", providerMessageId: "fcm" });
    expect(await both.send(cmd("apns"))).toEqual({ status: "delivered", providerMessageId: "apns" });
    expect(await new MobilePushAdapter({ fcm: echo("fcm") }).send(cmd("apns"))).toEqual({ status: "rejected", error: "no apns adapter configured" });
  });
});
