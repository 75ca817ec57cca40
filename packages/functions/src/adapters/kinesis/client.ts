import { KinesisClient } from "@aws-sdk/client-kinesis";
import { meterSdkClient } from "../billing/sdk-metering.js";

/**
 * The Kinesis client the room tier puts committed batches with. `endpoint` (the local stack's
 * `WEFT_KINESIS_ENDPOINT`) points it at the local Kinesis endpoint (packages/local
 * kinesis-local, which speaks the SDK's default HTTP/2 in cleartext as well as HTTP/1.1), with
 * the region from AWS_REGION (default us-east-1) and fixed credentials, which that endpoint
 * accepts. On AWS the SDK's own region/credential chain and endpoint apply. Metered
 * (billing/sdk-metering.ts): every record Kinesis accepts counts its PUT payload units, bytes
 * and one record on its stream, under the calling function.
 */
export function kinesisClient(endpoint = process.env.WEFT_KINESIS_ENDPOINT): KinesisClient {
  if (!endpoint) return meterSdkClient(new KinesisClient({}), "kinesis");
  const client = new KinesisClient({
    endpoint,
    region: process.env.AWS_REGION ?? "us-east-1",
    credentials: { accessKeyId: "weftlocal", secretAccessKey: "weftlocal" },
  });
  return meterSdkClient(client, "kinesis");
}
