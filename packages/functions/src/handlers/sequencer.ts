import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import type { InboxRecord } from "@weft/core";
import { inboxRecordFromImage } from "../adapters/dynamo/inbox-store.js";
import { wiring } from "../wiring.js";
import { injectedFault } from "./faults.js";
import { perDocStream } from "./per-doc-stream.js";
import { sequenceOrHandOff } from "./sequence-or-hand-off.js";

/**
 * Inbox stream -> sequencer, per document in stream order, documents in parallel
 * (perDocStream: undecodable records are quarantined, a failed document is retried by Lambda
 * from its first record, and records that come again are recognised as already done). A
 * document a room task holds is sequenced by that task (sequenceOrHandOff).
 */
export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const w = wiring();
  return perDocStream<InboxRecord>(event, {
    stage: "sequencer",
    concurrency: 32,
    decode: (image) => inboxRecordFromImage(image as never),
    docOf: (record) => (record.kind === "change" ? record.change.doc : record.wake.doc),
    run: async (doc, records) => {
      injectedFault(records);
      await sequenceOrHandOff(w, doc, records, (sequencer) => sequencer.process(doc, records));
    },
  });
}
