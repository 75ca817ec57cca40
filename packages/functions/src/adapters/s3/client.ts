import { S3Client } from "@aws-sdk/client-s3";
import { meterSdkClient } from "../billing/sdk-metering.js";

/**
 * The S3 client Weft's object stores use. `endpoint` (the local stack's `WEFT_S3_ENDPOINT`)
 * points it at the local S3 endpoint (packages/local s3-local, docs/s3-local.md), path-style,
 * with the region from AWS_REGION (default us-east-1) and fixed credentials, which that endpoint
 * accepts. On AWS the SDK's own region/credential chain and endpoint apply. Checksums are sent
 * and checked only where S3 requires them: the bodies are Weft's own, compressed with their own
 * integrity checks, and the local endpoint need not speak aws-chunked trailers. Metered
 * (billing/sdk-metering.ts): each request S3 answers counts on its bucket under the calling
 * function.
 */
export function s3Client(endpoint = process.env.WEFT_S3_ENDPOINT): S3Client {
  const common = { requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" } as const;
  if (!endpoint) return meterSdkClient(new S3Client(common), "s3");
  const client = new S3Client({
    ...common,
    endpoint,
    forcePathStyle: true,
    region: process.env.AWS_REGION ?? "us-east-1",
    credentials: { accessKeyId: "weftlocal", secretAccessKey: "weftlocal" },
  });
  return meterSdkClient(client, "s3");
}
