import { generateKeyPairSync } from "node:crypto";
import webpush from "web-push";
import { describe, expect, it } from "vitest";
import type { ChannelAdapter, DeliveryCommand, DeliveryResult } from "@weft/core/notify/delivery/index";
import { linkEnvironment } from "../../../src/linked.js";
import { channelAdaptersFromEnv, HttpOutboxAdapter, MobilePushAdapter, SesEmailAdapter, SnsSmsAdapter, WebPushAdapter } from "../../../src/adapters/channels/index.js";

const vapid = webpush.generateVAPIDKeys();
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
const ec = generateKeyPairSync("ec", { namedCurve: "P-256", privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });

/** Provider secrets linked the way SST links them outside a bundle (SST_RESOURCE_<Name>). */
const secrets = (values: Parameters<typeof linkEnvironment>[0]["secrets"]) => linkEnvironment({ secrets: values });

describe("channelAdaptersFromEnv", () => {
  it("routes every channel to the local outbox when WEFT_OUTBOX_ENDPOINT is set", () => {
    const adapters = channelAdaptersFromEnv({ WEFT_OUTBOX_ENDPOINT: "http://127.0.0.1:8787", ...secrets({ NotifySesFrom: "a@b.co" }) });
    expect(Object.keys(adapters).sort()).toEqual(["email", "mobile_push", "sms", "web_push"]);
    for (const a of Object.values(adapters)) expect(a).toBeInstanceOf(HttpOutboxAdapter);
  });

  it("builds each provider whose configuration is present, and nothing else", () => {
    expect(channelAdaptersFromEnv({})).toEqual({});
    const all = channelAdaptersFromEnv(
      secrets({
        NotifySesFrom: "Weft <notify@weft.example>",
        NotifySmsEnabled: "1",
        NotifyVapidPublicKey: vapid.publicKey,
        NotifyVapidPrivateKey: vapid.privateKey,
        NotifyVapidSubject: "mailto:ops@weft.example",
        NotifyFcmServiceAccount: JSON.stringify({ project_id: "p", client_email: "e@p.iam.gserviceaccount.com", private_key: rsa.privateKey }),
        NotifyApnsKey: ec.privateKey,
        NotifyApnsKeyId: "K",
        NotifyApnsTeamId: "T",
        NotifyApnsTopic: "com.example.app",
      }),
    );
    expect(all.email).toBeInstanceOf(SesEmailAdapter);
    expect(all.sms).toBeInstanceOf(SnsSmsAdapter);
    expect(all.web_push).toBeInstanceOf(WebPushAdapter);
    expect(all.mobile_push).toBeInstanceOf(MobilePushAdapter);
    expect(Object.keys(channelAdaptersFromEnv(secrets({ NotifySesFrom: "a@b.co" })))).toEqual(["email"]);
  });

  it("refuses half a provider's configuration, naming the secrets that are missing", () => {
    expect(() => channelAdaptersFromEnv(secrets({ NotifyVapidPublicKey: vapid.publicKey }))).toThrow(/missing NotifyVapidPrivateKey, NotifyVapidSubject/);
    expect(() => channelAdaptersFromEnv(secrets({ NotifyApnsKeyId: "K" }))).toThrow(/missing NotifyApnsKey, NotifyApnsTeamId, NotifyApnsTopic/);
    expect(() => channelAdaptersFromEnv(secrets({ NotifyFcmServiceAccount: "{" }))).toThrow(/not JSON/);
    expect(() => channelAdaptersFromEnv(secrets({ NotifyFcmServiceAccount: JSON.stringify({ project_id: "p" }) }))).toThrow(/has no client_email/);
  });

  it("treats an empty placeholder secret as not configured, and ignores provider settings left in plain environment variables", () => {
    expect(channelAdaptersFromEnv(secrets({ NotifySesFrom: "", NotifyVapidPublicKey: "" }))).toEqual({});
    expect(channelAdaptersFromEnv({ WEFT_SES_FROM: "a@b.co", NotifySesFrom: "a@b.co" })).toEqual({});
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
