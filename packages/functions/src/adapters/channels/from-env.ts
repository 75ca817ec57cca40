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
import { ENV, type SecretName } from "../../../../../infra/manifest.js";
import { meterSdkClient } from "../billing/sdk-metering.js";
import { linkedSecret } from "../../linked.js";

/**
 * Where each provider setting comes from: a linked SST secret (infra/manifest.ts `secrets`, read
 * at run time through linked.ts, never from the environment). The SES configuration set is not
 * a secret but a deployed resource's name, passed as the plain variable ENV.sesConfigurationSet.
 */
export const CHANNEL_SECRETS = {
  sesFrom: "NotifySesFrom",
  smsEnabled: "NotifySmsEnabled",
  smsSenderId: "NotifySmsSenderId",
  smsOriginationNumber: "NotifySmsOriginationNumber",
  vapidPublicKey: "NotifyVapidPublicKey",
  vapidPrivateKey: "NotifyVapidPrivateKey",
  vapidSubject: "NotifyVapidSubject",
  /** The service-account key file's JSON. */
  fcmServiceAccount: "NotifyFcmServiceAccount",
  apnsKey: "NotifyApnsKey",
  apnsKeyId: "NotifyApnsKeyId",
  apnsTeamId: "NotifyApnsTeamId",
  apnsTopic: "NotifyApnsTopic",
  /** "1": the APNs sandbox (development builds). */
  apnsSandbox: "NotifyApnsSandbox",
} as const satisfies Record<string, SecretName>;

export type ChannelAdapters = Partial<Record<ExternalChannel, ChannelAdapter>>;

/**
 * The adapter per external channel: the local outbox for all of them when ENV.outboxEndpoint is
 * set (the local stack); otherwise each provider whose linked secrets are set. A channel left out
 * has no provider (the engine must not pick it). A half-configured provider throws, naming the
 * secrets to set, so a missing secret fails the first invocation loudly instead of dropping messages.
 */
export function channelAdaptersFromEnv(env: NodeJS.ProcessEnv = process.env): ChannelAdapters {
  const outbox = env[ENV.outboxEndpoint];
  if (outbox) {
    const adapter = new HttpOutboxAdapter(outbox);
    return { email: adapter, sms: adapter, web_push: adapter, mobile_push: adapter };
  }
  const get = (name: SecretName) => linkedSecret(name, env);
  const out: ChannelAdapters = {};
  const from = get(CHANNEL_SECRETS.sesFrom);
  if (from) out.email = new SesEmailAdapter({ client: meterSdkClient(new SESv2Client({}), "ses"), from, configurationSetName: env[ENV.sesConfigurationSet] || undefined });
  if (get(CHANNEL_SECRETS.smsEnabled) === "1") {
    out.sms = new SnsSmsAdapter({ client: meterSdkClient(new SNSClient({}), "sns"), senderId: get(CHANNEL_SECRETS.smsSenderId), originationNumber: get(CHANNEL_SECRETS.smsOriginationNumber) });
  }
  const vapid = group(get, [CHANNEL_SECRETS.vapidPublicKey, CHANNEL_SECRETS.vapidPrivateKey, CHANNEL_SECRETS.vapidSubject]);
  if (vapid) out.web_push = new WebPushAdapter({ vapid: { publicKey: vapid[0], privateKey: vapid[1], subject: vapid[2] } });
  const fcmJson = get(CHANNEL_SECRETS.fcmServiceAccount);
  const fcm = fcmJson ? new FcmAdapter({ serviceAccount: serviceAccount(fcmJson) }) : undefined;
  const apnsValues = group(get, [CHANNEL_SECRETS.apnsKey, CHANNEL_SECRETS.apnsKeyId, CHANNEL_SECRETS.apnsTeamId, CHANNEL_SECRETS.apnsTopic]);
  const apns = apnsValues
    ? new ApnsAdapter({ privateKey: apnsValues[0], keyId: apnsValues[1], teamId: apnsValues[2], topic: apnsValues[3], origin: get(CHANNEL_SECRETS.apnsSandbox) === "1" ? APNS_SANDBOX : APNS_PRODUCTION })
    : undefined;
  if (fcm || apns) out.mobile_push = new MobilePushAdapter({ fcm, apns });
  return out;
}

/** All of `names` set -> their values; none set -> undefined; some -> a configuration error. */
function group(get: (name: SecretName) => string | undefined, names: SecretName[]): string[] | undefined {
  const values = names.map(get);
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
    throw new Error(`${CHANNEL_SECRETS.fcmServiceAccount} is not JSON (expected the service-account key file)`);
  }
  for (const field of ["project_id", "client_email", "private_key"] as const) {
    if (typeof parsed[field] !== "string" || !parsed[field]) throw new Error(`${CHANNEL_SECRETS.fcmServiceAccount} has no ${field}`);
  }
  return parsed as ServiceAccount;
}
