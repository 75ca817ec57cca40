import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { docKey, quarantineRecord, timeId, type DocRef, type InboxRecord } from "@weft/core";
import { inboxRecordFromImage } from "../adapters/dynamo/inbox-store.js";
import { wiring } from "../wiring.js";
import { injectedFault } from "./faults.js";

const DOC_CONCURRENCY = 32;

/**
 * Inbox stream -> sequencer. Records are grouped per document (stream order kept inside a
 * document) and documents run in parallel. A record that cannot be decoded is quarantined at
 * once instead of blocking the shard. A document whose run fails is reported as a batch item
 * failure from its first record, so Lambda retries from there (records after it come again
 * and are recognised as already done).
 */
export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const w = wiring();
  const groups = new Map<string, { doc: DocRef; records: InboxRecord[]; first: string }>();
  for (const r of event.Records) {
    const image = r.dynamodb?.NewImage;
    if (r.eventName !== "INSERT" || !image) continue;
    let record: InboxRecord;
    try {
      record = inboxRecordFromImage(image as never);
    } catch (err) {
      await quarantineUndecodable(image, (err as Error).message);
      continue;
    }
    const doc = record.kind === "change" ? record.change.doc : record.wake.doc;
    const key = docKey(doc);
    const group = groups.get(key) ?? { doc, records: [], first: r.dynamodb!.SequenceNumber! };
    group.records.push(record);
    groups.set(key, group);
  }

  const failed: string[] = [];
  const queue = [...groups.values()];
  const worker = async () => {
    for (let g = queue.shift(); g; g = queue.shift()) {
      try {
        injectedFault(g.records);
        await w.sequencer.process(g.doc, g.records);
      } catch (err) {
        console.error(JSON.stringify({ kind: "sequencer_error", doc: docKey(g.doc), message: (err as Error).message }));
        failed.push(g.first);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DOC_CONCURRENCY, queue.length) }, worker));
  await w.metrics.flush().catch((err) => console.error(JSON.stringify({ kind: "metrics_error", message: String(err) })));
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
}

async function quarantineUndecodable(image: Record<string, unknown>, message: string): Promise<void> {
  const w = wiring();
  const pk = (image.pk as { S?: string } | undefined)?.S ?? "";
  const tenant = pk.includes("#") ? pk.slice(0, pk.indexOf("#")) : "_unknown";
  const at = w.clock.now();
  await w.quarantine.put(
    quarantineRecord({
      id: timeId(at),
      tenant,
      at,
      source: "stream",
      reason: "invalid_record",
      message: `inbox record could not be decoded: ${message}`,
      docId: pk.slice(pk.indexOf("#") + 1) || undefined,
      payload: JSON.stringify(image),
    }),
  );
  w.metrics.count(tenant, "refused.invalid_record");
}
