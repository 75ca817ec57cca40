import { CreateBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runObjectStoreConformance } from "@weft/core/testing";
import { startS3Local } from "@weft/local/s3-local/index";
import { processUsage, runAsFunction } from "../../src/adapters/billing/usage-context.js";
import { s3Client } from "../../src/adapters/s3/client.js";
import { S3ObjectStore } from "../../src/adapters/s3/object-store.js";

/*
 * The S3 ObjectStore through the real SDK client against the local S3 endpoint (packages/local
 * s3-local): the port's conformance suite, with and without a key prefix, and the metering of
 * its requests.
 */

let s3: Awaited<ReturnType<typeof startS3Local>>;
let client: S3Client;
beforeAll(async () => {
  s3 = await startS3Local();
  client = s3Client(s3.endpoint);
  await client.send(new CreateBucketCommand({ Bucket: "weft-objects" }));
});
afterAll(async () => {
  client.destroy();
  await s3.stop();
});

runObjectStoreConformance("s3", async () => new S3ObjectStore({ client, bucket: "weft-objects" }));
runObjectStoreConformance("s3, under a prefix", async () => new S3ObjectStore({ client, bucket: "weft-objects", prefix: "log/segments/" }));

describe("S3 metering", () => {
  beforeEach(() => processUsage.reset());

  it("counts PUT-tier requests (PutObject, ListObjectsV2) and GET-tier ones (GetObject, also of a missing key) on the bucket; deletes are free", async () => {
    const store = new S3ObjectStore({ client, bucket: "weft-objects", prefix: "metered/" });
    await runAsFunction("logCompactor", async () => {
      await store.put("a", new Uint8Array(10));
      await store.put("b", new Uint8Array(10));
      expect((await store.get("a"))?.byteLength).toBe(10);
      expect(await store.get("missing")).toBeUndefined();
      const keys = [];
      for await (const o of store.list("")) keys.push(o.key);
      expect(keys).toEqual(["a", "b"]);
      await store.delete("a");
      await store.delete("missing");
    });
    expect(processUsage.snapshot().filter((l) => l.unit.startsWith("s3."))).toEqual([
      { unit: "s3.getRequests", fn: "logCompactor", resource: "weft-objects", quantity: 2 },
      { unit: "s3.putRequests", fn: "logCompactor", resource: "weft-objects", quantity: 3 },
    ]);
  });

  it("a bucket that does not exist is an error, not an empty object", async () => {
    const store = new S3ObjectStore({ client, bucket: "no-such-bucket" });
    await expect(store.get("k")).rejects.toMatchObject({ name: "NoSuchBucket" });
    await expect(store.put("k", new Uint8Array(1))).rejects.toMatchObject({ name: "NoSuchBucket" });
  });
});
