import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { buckets, type BucketName } from "../../../infra/manifest.js";

/** A manifest bucket's name on the local endpoint (one endpoint per stack, so no unique prefix is needed). */
export function localBucketName(bucket: string): string {
  return `weft-local-${bucket.toLowerCase()}`;
}

/** Creates every manifest bucket on the local S3 endpoint (one kept on disk is left as it is); returns their names. */
export async function createLocalBuckets(endpoint: string, region: string): Promise<Record<BucketName, string>> {
  const client = new S3Client({ endpoint, region, forcePathStyle: true, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  const names = {} as Record<BucketName, string>;
  try {
    for (const name of Object.keys(buckets) as BucketName[]) {
      names[name] = localBucketName(name);
      try {
        await client.send(new CreateBucketCommand({ Bucket: names[name] }));
      } catch (err) {
        if (!(err instanceof Error) || (err.name !== "BucketAlreadyOwnedByYou" && err.name !== "BucketAlreadyExists")) throw err;
      }
    }
  } finally {
    client.destroy();
  }
  return names;
}
