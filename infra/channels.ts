import { ENV, type FunctionSpec } from "./manifest.js";
import { named } from "./stage-names.js";

/**
 * The SES configuration set every notification email is sent with: its event destination
 * (infra/ses-feedback.ts) reports bounces and complaints, which SES mostly learns after it has
 * accepted a message. The provider settings themselves are linked secrets (secrets.ts).
 */
export const sesConfigurationSet = new aws.sesv2.ConfigurationSet("NotifySesConfigurationSet", {
  configurationSetName: named("notify"),
});

/** The configuration set's name, for a function that delivers notifications (`channels: true`). */
export function channelsEnvironment(spec: FunctionSpec): Record<string, $util.Input<string>> {
  return spec.channels ? { [ENV.sesConfigurationSet]: sesConfigurationSet.configurationSetName } : {};
}

/** SES SendEmail and SNS Publish (SMS) for a function that delivers notifications. */
export function channelsPermissions(spec: FunctionSpec): sst.aws.FunctionPermissionArgs[] {
  return spec.channels ? [{ actions: ["ses:SendEmail", "sns:Publish"], resources: ["*"] }] : [];
}
