import { CHANNEL_ENV } from "../packages/functions/src/adapters/channels/from-env.js";
import type { FunctionSpec } from "./manifest.js";

/**
 * Notification provider settings, one SST secret each, per stage (`npx sst secret set
 * NotifySesFrom noreply@example.com --stage prod`). Every secret has an empty placeholder: a
 * provider whose settings are left empty is not configured and its channel is not used
 * (channelAdaptersFromEnv), while a half-configured one fails the function loudly. Keys (VAPID,
 * FCM service account, APNs) are confidential, hence secrets rather than manifest data.
 */
const secret = (name: string) => new sst.Secret(name, "").value;

/**
 * The SES configuration set every notification email is sent with: its event destination
 * (infra/ses-feedback.ts) reports bounces and complaints, which SES mostly learns after it has
 * accepted a message.
 */
export const sesConfigurationSet = new aws.sesv2.ConfigurationSet("NotifySesConfigurationSet", {
  configurationSetName: `weft-${$app.stage}-notify`,
});

const channelEnvironment = {
  [CHANNEL_ENV.sesFrom]: secret("NotifySesFrom"),
  [CHANNEL_ENV.sesConfigurationSet]: sesConfigurationSet.configurationSetName,
  [CHANNEL_ENV.smsEnabled]: secret("NotifySmsEnabled"),
  [CHANNEL_ENV.smsSenderId]: secret("NotifySmsSenderId"),
  [CHANNEL_ENV.smsOriginationNumber]: secret("NotifySmsOriginationNumber"),
  [CHANNEL_ENV.vapidPublicKey]: secret("NotifyVapidPublicKey"),
  [CHANNEL_ENV.vapidPrivateKey]: secret("NotifyVapidPrivateKey"),
  [CHANNEL_ENV.vapidSubject]: secret("NotifyVapidSubject"),
  [CHANNEL_ENV.fcmServiceAccount]: secret("NotifyFcmServiceAccount"),
  [CHANNEL_ENV.apnsKey]: secret("NotifyApnsKey"),
  [CHANNEL_ENV.apnsKeyId]: secret("NotifyApnsKeyId"),
  [CHANNEL_ENV.apnsTeamId]: secret("NotifyApnsTeamId"),
  [CHANNEL_ENV.apnsTopic]: secret("NotifyApnsTopic"),
  [CHANNEL_ENV.apnsSandbox]: secret("NotifyApnsSandbox"),
};

/** Provider settings for a function that delivers notifications (`channels: true`). */
export function channelsEnvironment(spec: FunctionSpec): Record<string, $util.Input<string>> {
  return spec.channels ? channelEnvironment : {};
}

/** SES SendEmail and SNS Publish (SMS) for a function that delivers notifications. */
export function channelsPermissions(spec: FunctionSpec): sst.aws.FunctionPermissionArgs[] {
  return spec.channels ? [{ actions: ["ses:SendEmail", "sns:Publish"], resources: ["*"] }] : [];
}
