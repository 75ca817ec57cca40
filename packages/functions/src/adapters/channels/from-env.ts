import { SESv2Client } from "@aws-sdk/client-sesv2";
import { SNSClient } from "@aws-sdk/client-sns";
import type { ChannelAdapter } from "@weft/core/notify/delivery/index";
import type { ExternalChannel } from "@weft/core/notify/vocabulary";
import { APNS_PRODUCTION, APNS_SANDBOX, ApnsAdapter } from "./apns.js";
import { FcmAdapter } from "./fcm.js";
import type { ServiceAccount } from "./google-token.js";
import { MobilePushAdapter } from "./mobile-push.js";
import { HttpOutboxAdapter } from "./outbox-http.js";
import { SesEmailAdapter } from "./ses.js";
import { SnsSmsAdapter } from "./sns-sms.js";
import { WebPushAdapter } from "./web-push.js";

/** The environment the channel adapters read. Secrets (keys) belong in SST secrets, passed as these variables. */
export const CHANNEL_ENV = {
  /** Set by the local stack: every channel delivers to its outbox at this base URL. */
  outboxEndpoint: "WEFT_OUTBOX_ENDPOINT",
  sesFrom: "WEFT_SES_FROM",
  sesConfigurationSet: "WEFT_SES_CONFIGURATION_SET",
  smsEnabled: "WEFT_SMS_ENABLED",
  smsSenderId: "WEFT_SMS_SENDER_ID",
  smsOriginationNumber: "WEFT_SMS_ORIGINATION_NUMBER",
  vapidPublicKey: "WEFT_VAPID_PUBLIC_KEY",
  vapidPrivateKey: "WEFT_VAPID_PRIVATE_KEY",
  vapidSubject: "WEFT_VAPID_SUBJECT",
  /** The service-account key file's JSON. */
  fcmServiceAccount: "WEFT_FCM_SERVICE_ACCOUNT",
  apnsKey: "WEFT_APNS_KEY",
  apnsKeyId: "WEFT_APNS_KEY_ID",
  apnsTeamId: "WEFT_APNS_TEAM_ID",
  apnsTopic: "WEFT_APNS_TOPIC",
  /** "1": the APNs sandbox (development builds). */
  apnsSandbox: "WEFT_APNS_SANDBOX",
} as const;

export type ChannelAdapters = Partial<Record<ExternalChannel, ChannelAdapter>>;

/**
 * The adapter per external channel, from the environment: the local outbox for all of them when
 * WEFT_OUTBOX_ENDPOINT is set; otherwise each provider whose configuration is present. A channel
 * left out has no provider (the engine must not pick it). A half-configured provider throws, so
 * a missing secret fails the deploy's first invocation loudly instead of dropping messages.
 */
export function channelAdaptersFromEnv(env: NodeJS.ProcessEnv = process.env): ChannelAdapters {
  const outbox = env[CHANNEL_ENV.outboxEndpoint];
  if (outbox) {
    const adapter = new HttpOutboxAdapter(outbox);
    return { email: adapter, sms: adapter, web_push: adapter, mobile_push: adapter };
  }
  const out: ChannelAdapters = {};
  const from = env[CHANNEL_ENV.sesFrom];
  if (from) out.email = new SesEmailAdapter({ client: new SESv2Client({}), from, configurationSetName: env[CHANNEL_ENV.sesConfigurationSet] || undefined });
  if (env[CHANNEL_ENV.smsEnabled] === "1") {
    out.sms = new SnsSmsAdapter({ client: new SNSClient({}), senderId: env[CHANNEL_ENV.smsSenderId] || undefined, originationNumber: env[CHANNEL_ENV.smsOriginationNumber] || undefined });
  }
  const vapid = group(env, [CHANNEL_ENV.vapidPublicKey, CHANNEL_ENV.vapidPrivateKey, CHANNEL_ENV.vapidSubject]);
  if (vapid) out.web_push = new WebPushAdapter({ vapid: { publicKey: vapid[0], privateKey: vapid[1], subject: vapid[2] } });
  const fcm = env[CHANNEL_ENV.fcmServiceAccount] ? new FcmAdapter({ serviceAccount: serviceAccount(env[CHANNEL_ENV.fcmServiceAccount]!) }) : undefined;
  const apnsVars = group(env, [CHANNEL_ENV.apnsKey, CHANNEL_ENV.apnsKeyId, CHANNEL_ENV.apnsTeamId, CHANNEL_ENV.apnsTopic]);
  const apns = apnsVars
    ? new ApnsAdapter({ privateKey: apnsVars[0], keyId: apnsVars[1], teamId: apnsVars[2], topic: apnsVars[3], origin: env[CHANNEL_ENV.apnsSandbox] === "1" ? APNS_SANDBOX : APNS_PRODUCTION })
    : undefined;
  if (fcm || apns) out.mobile_push = new MobilePushAdapter({ fcm, apns });
  return out;
}

/** All of `names` set -> their values; none set -> undefined; some -> a configuration error. */
function group(env: NodeJS.ProcessEnv, names: string[]): string[] | undefined {
  const values = names.map((n) => env[n] || undefined);
  if (values.every((v) => v === undefined)) return undefined;
  const missing = names.filter((_, k) => values[k] === undefined);
  if (missing.length > 0) throw new Error(`channel configuration incomplete: ${names.join(", ")} go together; missing ${missing.join(", ")}`);
  return values as string[];
}

function serviceAccount(json: string): ServiceAccount {
  let parsed: Partial<ServiceAccount>;
  try {
    parsed = JSON.parse(json) as Partial<ServiceAccount>;
  } catch {
    throw new Error(`${CHANNEL_ENV.fcmServiceAccount} is not JSON (expected the service-account key file)`);
  }
  for (const field of ["project_id", "client_email", "private_key"] as const) {
    if (typeof parsed[field] !== "string" || !parsed[field]) throw new Error(`${CHANNEL_ENV.fcmServiceAccount} has no ${field}`);
  }
  return parsed as ServiceAccount;
}
