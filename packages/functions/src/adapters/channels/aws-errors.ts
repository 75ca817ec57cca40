/** What the AWS SDK v3 puts on a service or transport error. */
export interface AwsError {
  name?: string;
  message?: string;
  code?: string;
  Code?: string;
  $fault?: "client" | "server";
  $metadata?: { httpStatusCode?: number };
}

/** The error's name as the service spelled it ("MessageRejected", "InvalidParameterException"). */
export function awsErrorName(err: unknown): string {
  const e = err as AwsError;
  return e?.name ?? e?.Code ?? e?.code ?? "Error";
}

export function awsErrorText(err: unknown): string {
  const e = err as AwsError;
  const status = e?.$metadata?.httpStatusCode;
  return `${awsErrorName(err)}${status ? ` (${status})` : ""}: ${e?.message ?? String(err)}`;
}

/** Base64url without padding: the only alphabet SES message tags accept for arbitrary ids. */
export function tagValue(s: string): string {
  return Buffer.from(s, "utf8").toString("base64url");
}

export function fromTagValue(s: string): string {
  return Buffer.from(s, "base64url").toString("utf8");
}
