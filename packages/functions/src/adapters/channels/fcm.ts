import type { ChannelAdapter, DeliveryCommand, DeliveryResult } from "@weft/core/notify/delivery/index";
import { GoogleAccessToken, type ServiceAccount } from "./google-token.js";
import { describeError, fetchWithTimeout, retryAfterMs } from "./http-util.js";
import { collapseKeyOf, fitPushPayload, type PushPayload } from "./push-payload.js";

export interface FcmOptions {
  serviceAccount: ServiceAccount;
  /** Default https://fcm.googleapis.com (tests point it at a local server). */
  endpoint?: string;
  timeoutMs?: number;
  /** Shared token source (default: one per adapter from the service account). */
  token?: GoogleAccessToken;
}

/** FCM's message limit is 4096 bytes of payload. */
const MAX_PAYLOAD_BYTES = 3_900;

interface FcmErrorBody {
  error?: { code?: number; message?: string; status?: string; details?: Array<{ "@type"?: string; errorCode?: string; fieldViolations?: Array<{ field?: string; description?: string }> }> };
}

/**
 * Firebase Cloud Messaging HTTP v1 (`POST /v1/projects/{id}/messages:send`, Bearer token from
 * the service account). The collapse key (collapseKeyOf(notificationId)) goes in
 * android.collapse_key, apns-collapse-id and the web push Topic, so a retry replaces rather than
 * adds. Mapping of FCM's errorCode:
 * - UNREGISTERED, SENDER_ID_MISMATCH, and INVALID_ARGUMENT about the token -> invalid_token;
 * - QUOTA_EXCEEDED (429, Retry-After), UNAVAILABLE, INTERNAL, THIRD_PARTY_AUTH_ERROR, 401 (the
 *   cached access token is dropped) and transport errors -> retryable;
 * - any other INVALID_ARGUMENT or 4xx -> rejected.
 */
export class FcmAdapter implements ChannelAdapter {
  private readonly token: GoogleAccessToken;

  constructor(private readonly opts: FcmOptions) {
    this.token = opts.token ?? new GoogleAccessToken(opts.serviceAccount, { timeoutMs: opts.timeoutMs });
  }

  async send(cmd: DeliveryCommand): Promise<DeliveryResult> {
    if (cmd.target.kind !== "device_token" || cmd.target.platform !== "fcm") return { status: "rejected", error: "FCM needs an fcm device token target" };
    const collapse = collapseKeyOf(cmd.notificationId);
    const token = cmd.target.token;
    const shape = (p: PushPayload) => ({
      message: {
        token,
        notification: { title: p.title, body: p.body },
        // FCM data values must be strings.
        data: { notificationId: p.notificationId, ...(p.url ? { url: p.url } : {}), ...(p.data ? { data: JSON.stringify(p.data) } : {}) },
        android: { collapse_key: collapse, priority: "high" },
        apns: { headers: { "apns-collapse-id": collapse } },
        webpush: { headers: { Topic: collapse }, ...(p.url?.startsWith("https://") ? { fcm_options: { link: p.url } } : {}) },
      },
    });
    const body = fitPushPayload(cmd, MAX_PAYLOAD_BYTES, shape);
    if (body === undefined) return { status: "rejected", error: "notification does not fit an FCM message" };

    let access: string;
    try {
      access = await this.token.get();
    } catch (err) {
      return { status: "retryable", error: `FCM access token: ${describeError(err)}` };
    }
    const url = `${(this.opts.endpoint ?? "https://fcm.googleapis.com").replace(/\/+$/, "")}/v1/projects/${encodeURIComponent(this.opts.serviceAccount.project_id)}/messages:send`;
    let res: Response;
    try {
      res = await fetchWithTimeout(url, { method: "POST", headers: { authorization: `Bearer ${access}`, "content-type": "application/json; charset=utf-8" }, body }, this.opts.timeoutMs ?? 10_000);
    } catch (err) {
      return { status: "retryable", error: `FCM unreachable: ${describeError(err)}` };
    }
    const text = await res.text().catch(() => "");
    if (res.ok) {
      const name = safeJson<{ name?: string }>(text)?.name;
      return name ? { status: "delivered", providerMessageId: name } : { status: "retryable", error: `FCM answered ${res.status} without a message name` };
    }
    return this.failure(res, safeJson<FcmErrorBody>(text)?.error, text);
  }

  private failure(res: Response, err: FcmErrorBody["error"], text: string): DeliveryResult {
    const code = err?.details?.find((d) => d.errorCode)?.errorCode ?? err?.status ?? "";
    const error = `FCM ${res.status} ${code}: ${err?.message ?? text.slice(0, 300)}`;
    // A 401 is our access token's fault, except THIRD_PARTY_AUTH_ERROR (the app's APNs or web push credentials in Firebase).
    if (res.status === 401 && code !== "THIRD_PARTY_AUTH_ERROR") {
      this.token.invalidate();
      return { status: "retryable", error };
    }
    switch (code) {
      case "UNREGISTERED":
      case "SENDER_ID_MISMATCH":
        return { status: "hard", kind: "invalid_token", error };
      case "INVALID_ARGUMENT": {
        const aboutToken =
          err?.details?.some((d) => d.fieldViolations?.some((v) => v.field === "message.token")) || /registration token/i.test(err?.message ?? "");
        return aboutToken ? { status: "hard", kind: "invalid_token", error } : { status: "rejected", error };
      }
      case "QUOTA_EXCEEDED": {
        const after = retryAfterMs(res.headers.get("retry-after"));
        return { status: "retryable", error, ...(after !== undefined ? { retryAfterMs: after } : {}) };
      }
      case "UNAVAILABLE":
      case "INTERNAL":
      case "THIRD_PARTY_AUTH_ERROR":
        return { status: "retryable", error };
    }
    if (res.status === 429 || res.status >= 500) {
      const after = retryAfterMs(res.headers.get("retry-after"));
      return { status: "retryable", error, ...(after !== undefined ? { retryAfterMs: after } : {}) };
    }
    return { status: "rejected", error };
  }
}

function safeJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
