import { Resource } from "sst/resource";
import { bucketLink, linkEnvVar, tableLink, type BucketName, type SecretName, type TableName } from "../../../infra/manifest.js";

/**
 * What SST links to a function (infra/functions.ts): its tables and its secrets, read by the
 * component names the manifest gives them (`InboxTable`, `NotifySesFrom`, ...).
 *
 * Where a link comes from:
 * - `SST_RESOURCE_<Name>` in the environment (the link's JSON), when set: that is how SST passes
 *   links outside a deployed bundle (`sst dev`, `sst shell`), and how the local stack and tests
 *   pass theirs. Read from `env` on every call, so a stack restarted in one process is seen.
 * - otherwise, on Lambda (SST_KEY and SST_KEY_FILE set), SST's runtime `Resource`, which decrypts
 *   the links SST bundled into `resource.enc`. Secrets therefore never sit in the function's
 *   environment (Lambda's 4 KB limit, and plaintext configuration).
 * A name linked nowhere is `undefined`: the caller decides whether that means "feature off" or
 * "this function is not wired to it".
 */
export function linked(name: string, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> | undefined {
  const json = env[linkEnvVar(name)];
  if (json) {
    try {
      return JSON.parse(json) as Record<string, unknown>;
    } catch {
      throw new Error(`${linkEnvVar(name)} is not JSON`);
    }
  }
  if (!env.SST_KEY || !env.SST_KEY_FILE) return undefined;
  const resources = Resource as unknown as Record<string, Record<string, unknown>>;
  return name in resources ? resources[name] : undefined;
}

/** The physical name of a linked manifest table, or undefined when this function is not linked to it. */
export function linkedTable(table: TableName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return linkedName(tableLink(table), env);
}

/** The physical name of a linked manifest bucket, or undefined when this process is not linked to it. */
export function linkedBucket(bucket: BucketName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return linkedName(bucketLink(bucket), env);
}

/** A link's non-empty `name`, else undefined. */
function linkedName(link: string, env: NodeJS.ProcessEnv): string | undefined {
  const name = linked(link, env)?.name;
  return typeof name === "string" && name !== "" ? name : undefined;
}

/** A linked secret's value; an empty (placeholder) or unlinked secret is undefined. */
export function linkedSecret(name: SecretName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = linked(name, env)?.value;
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * The environment entries that link `links` the way SST does outside a bundle: for the local
 * stack and tests. `tables` and `buckets` map manifest tables and buckets to physical names,
 * `secrets` secret names to values.
 */
export function linkEnvironment(links: {
  app?: { name: string; stage: string };
  tables?: Partial<Record<TableName, string>>;
  buckets?: Partial<Record<BucketName, string>>;
  secrets?: Partial<Record<SecretName, string>>;
}): Record<string, string> {
  const env: Record<string, string> = {};
  if (links.app) env[linkEnvVar("App")] = JSON.stringify(links.app);
  for (const [table, name] of Object.entries(links.tables ?? {})) {
    if (name) env[linkEnvVar(tableLink(table))] = JSON.stringify({ name });
  }
  for (const [bucket, name] of Object.entries(links.buckets ?? {})) {
    if (name) env[linkEnvVar(bucketLink(bucket))] = JSON.stringify({ name });
  }
  for (const [secret, value] of Object.entries(links.secrets ?? {})) {
    if (value !== undefined) env[linkEnvVar(secret)] = JSON.stringify({ value });
  }
  return env;
}
