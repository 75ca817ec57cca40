import { secrets as secretSpecs, type FunctionSpec, type SecretName } from "./manifest.js";
import { entries, mapRecord } from "./naming.js";

/**
 * One SST secret per manifest secret (`npx sst secret set <Name> <value> --stage <stage>`).
 * Optional ones get an empty placeholder, which SST accepts as a value (its Secret throws only
 * when there is no string at all): empty means "not configured", and the feature is off.
 * Required ones have no placeholder, so a deploy stops with "Set a value for JwtIssuer ..."
 * before anything is created.
 */
export const secrets = mapRecord<SecretName, (typeof secretSpecs)[SecretName], sst.Secret>(secretSpecs, (name, spec) =>
  spec.optional ? new sst.Secret(name, "") : new sst.Secret(name),
);

/**
 * The secrets a function is linked to: every `all` secret, and the `channels` ones for a function
 * with `channels: true`. Linked, not copied into the environment: SST encrypts links into the
 * bundle, the function reads them through `Resource` (packages/functions/src/linked.ts). The room
 * tier's containers (rooms.ts, no `channels`) are linked to the `all` ones too, but SST's Service
 * has no encrypted bundle: it passes links as plaintext `SST_RESOURCE_*` environment variables of
 * the task definition, which linked.ts reads first.
 */
export function secretLinks(spec: Pick<FunctionSpec, "channels">): sst.Secret[] {
  return entries(secretSpecs)
    .filter(([, s]) => s.linkedTo === "all" || (s.linkedTo === "channels" && spec.channels))
    .map(([name]) => secrets[name]);
}
