import { CreateStreamCommand, KinesisClient } from "@aws-sdk/client-kinesis";
import type { KinesisStreamSpec } from "../../../infra/manifest.js";

/** A manifest stream's name on the local endpoint (one endpoint per stack, so no unique prefix is needed). */
export function localStreamName(stream: string): string {
  return `weft-local-${stream}`;
}

/** Creates every manifest stream on the local endpoint; one that exists (kept on disk) is left as it is. */
export async function createLocalStreams(endpoint: string, streams: Record<string, KinesisStreamSpec>, region: string): Promise<void> {
  const client = new KinesisClient({ endpoint, region, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  try {
    for (const [name, spec] of Object.entries(streams)) {
      try {
        await client.send(new CreateStreamCommand({ StreamName: localStreamName(name), ShardCount: spec.shards }));
      } catch (err) {
        if (!(err instanceof Error) || err.name !== "ResourceInUseException") throw err;
      }
    }
  } finally {
    client.destroy();
  }
}
