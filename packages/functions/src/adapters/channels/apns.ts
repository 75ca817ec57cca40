import { connect, constants, type ClientHttp2Session } from "node:http2";
import { importPKCS8, SignJWT } from "jose";
import type { ChannelAdapter, DeliveryCommand, DeliveryResult } from "@weft/core/notify/delivery/index";
import { describeError } from "./http-util.js";
import { collapseKeyOf, fitPushPayload, uuidOf, type PushPayload } from "./push-payload.js";

export const APNS_PRODUCTION = "https://api.push.apple.com";
export const APNS_SANDBOX = "https://api.sandbox.push.apple.com";

export interface ApnsOptions {
  /** The .p8 signing key (PKCS#8 PEM), its key id and the team id. */
  privateKey: string;
  keyId: string;
  teamId: string;
  /** The app's bundle id (apns-topic). */
  topic: string;
  /** APNS_PRODUCTION (default), APNS_SANDBOX, or a test server (http:// speaks h2c). */
  origin?: string;
  timeoutMs?: number;
  /** Seconds APNs keeps trying an offline device (default 1 day). */
  expirationSeconds?: number;
  now?: () => number;
}

/** APNs' payload limit for alerts. */
const MAX_PAYLOAD_BYTES = 4_096;
/** Apple refuses provider tokens older than an hour and refreshes more often than every 20 minutes. */
const TOKEN_TTL_MS = 50 * 60_000;

const INVALID_TOKEN_REASONS = new Set(["BadDeviceToken", "Unregistered", "DeviceTokenNotForTopic", "ExpiredToken"]);
const RETRYABLE_REASONS = new Set(["ExpiredProviderToken", "InvalidProviderToken", "MissingProviderToken", "TooManyProviderTokenUpdates", "TooManyRequests", "InternalServerError", "ServiceUnavailable", "Shutdown"]);

/**
 * Apple Push Notification service over HTTP/2 with a token (ES256 JWT: kid = keyId, iss =
 * teamId), one long-lived session re-opened after errors or GOAWAY. `apns-collapse-id` is
 * collapseKeyOf(notificationId) (a retry replaces the shown alert) and `apns-id` a UUID derived
 * from it (providerMessageId: APNs echoes it). Mapping:
 * - 410 (Unregistered, ExpiredToken), 400 BadDeviceToken / DeviceTokenNotForTopic -> invalid_token;
 * - 403 ExpiredProviderToken (the token is re-signed), other provider-token trouble, 429, 5xx,
 *   timeouts and connection errors -> retryable;
 * - 413 and other 4xx (BadPath, PayloadEmpty, ...) -> rejected.
 */
export class ApnsAdapter implements ChannelAdapter {
  private session?: ClientHttp2Session;
  private inFlight = 0;
  private jwt?: { token: string; until: number };

  constructor(private readonly opts: ApnsOptions) {}

  async send(cmd: DeliveryCommand): Promise<DeliveryResult> {
    if (cmd.target.kind !== "device_token" || cmd.target.platform !== "apns") return { status: "rejected", error: "APNs needs an apns device token target" };
    if (!/^[0-9a-fA-F]{16,200}$/.test(cmd.target.token)) return { status: "hard", kind: "invalid_token", error: "APNs device token is not hex" };
    const shape = (p: PushPayload) => ({
      aps: { alert: { title: p.title, body: p.body }, sound: "default" },
      notificationId: p.notificationId,
      ...(p.url ? { url: p.url } : {}),
      ...(p.data ? { data: p.data } : {}),
    });
    const payload = fitPushPayload(cmd, MAX_PAYLOAD_BYTES, shape);
    if (payload === undefined) return { status: "rejected", error: "notification does not fit an APNs payload" };

    let authorization: string;
    try {
      authorization = `bearer ${await this.providerToken()}`;
    } catch (err) {
      return { status: "retryable", error: `APNs provider token: ${describeError(err)}` };
    }
    const apnsId = uuidOf(cmd.notificationId);
    const headers = {
      [constants.HTTP2_HEADER_METHOD]: "POST",
      [constants.HTTP2_HEADER_PATH]: `/3/device/${cmd.target.token}`,
      authorization,
      "apns-topic": this.opts.topic,
      "apns-push-type": "alert",
      "apns-priority": "10",
      "apns-expiration": String(Math.floor(this.now() / 1000) + (this.opts.expirationSeconds ?? 86_400)),
      "apns-collapse-id": collapseKeyOf(cmd.notificationId),
      "apns-id": apnsId,
      "content-type": "application/json",
    };
    let answer: { status: number; apnsId?: string; body: string };
    try {
      answer = await this.request(headers, payload);
    } catch (err) {
      return { status: "retryable", error: `APNs unreachable: ${describeError(err)}` };
    }
    if (answer.status === 200) return { status: "delivered", providerMessageId: answer.apnsId || apnsId };
    let reason = "";
    try {
      reason = (JSON.parse(answer.body) as { reason?: string }).reason ?? "";
    } catch {
      // A non-JSON error body: the status decides.
    }
    const error = `APNs ${answer.status} ${reason || answer.body.slice(0, 200)}`.trim();
    if (reason === "ExpiredProviderToken") this.jwt = undefined;
    if (answer.status === 410 || INVALID_TOKEN_REASONS.has(reason)) return { status: "hard", kind: "invalid_token", error };
    if (RETRYABLE_REASONS.has(reason) || answer.status === 403 || answer.status === 429 || answer.status >= 500) return { status: "retryable", error };
    return { status: "rejected", error };
  }

  /** Closes the HTTP/2 session (a later send opens a new one). */
  close(): void {
    this.session?.close();
    this.session = undefined;
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  private async providerToken(): Promise<string> {
    const now = this.now();
    if (this.jwt && now < this.jwt.until) return this.jwt.token;
    const key = await importPKCS8(this.opts.privateKey, "ES256");
    const token = await new SignJWT({}).setProtectedHeader({ alg: "ES256", kid: this.opts.keyId }).setIssuer(this.opts.teamId).setIssuedAt(Math.floor(now / 1000)).sign(key);
    this.jwt = { token, until: now + TOKEN_TTL_MS };
    return token;
  }

  private connection(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const session = connect(this.opts.origin ?? APNS_PRODUCTION);
    const forget = () => {
      if (this.session === session) this.session = undefined;
    };
    session.on("error", forget);
    session.on("goaway", forget);
    session.on("close", forget);
    this.session = session;
    return session;
  }

  private request(headers: Record<string, string>, body: string): Promise<{ status: number; apnsId?: string; body: string }> {
    const session = this.connection();
    // Referenced only while requests are in flight: an idle session must not keep a process alive.
    if (this.inFlight++ === 0) session.ref();
    const settle = () => {
      if (--this.inFlight === 0 && !session.destroyed) session.unref();
    };
    return new Promise<{ status: number; apnsId?: string; body: string }>((resolve, reject) => {
      const stream = session.request(headers);
      const chunks: Buffer[] = [];
      let status = 0;
      let apnsId: string | undefined;
      stream.setTimeout(this.opts.timeoutMs ?? 10_000, () => stream.close(constants.NGHTTP2_CANCEL, () => reject(new Error("request timed out"))));
      stream.on("response", (h) => {
        status = Number(h[constants.HTTP2_HEADER_STATUS]);
        apnsId = typeof h["apns-id"] === "string" ? h["apns-id"] : undefined;
      });
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => (status ? resolve({ status, apnsId, body: Buffer.concat(chunks).toString("utf8") }) : reject(new Error("stream ended without a response"))));
      stream.on("error", reject);
      stream.end(body);
    }).finally(settle);
  }
}
