import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { docKey, inParallel, quarantineRecord, REJECT_REASONS, timeId, type DocRef } from "@weft/core";
import { wiring } from "../wiring.js";

export interface PerDocStreamOptions<R> {
  /** Names the stage in logs ("sequencer_error") and in quarantine messages. */
  stage: string;
  /** Documents worked on at once. */
  concurrency: number;
  /** A new image -> its record; undefined to skip it; throws if it cannot be decoded. */
  decode: (image: Record<string, unknown>) => R | undefined;
  docOf: (record: R) => DocRef;
  /** One document's records of this stream batch, in stream order. */
  run: (doc: DocRef, records: R[]) => Promise<void>;
  /**
   * Once every document has run: the documents whose run succeeded, with their records (work
   * done for all of them at once, e.g. one publish). If it throws, each of them is reported as
   * failed like a run that threw (they come again; their runs must tolerate that).
   */
  afterAll?: (done: Array<{ doc: DocRef; records: R[] }>) => Promise<void>;
}

/**
 * The shape both stream handlers share. INSERT records are decoded and grouped per document
 * (stream order kept inside a document); documents run in parallel. A record that cannot be
 * decoded is quarantined at once instead of blocking the shard. A document whose run throws
 * is reported as a batch item failure from its first record, so Lambda retries from there
 * (records after it come again; both stages recognise what they already did). Metrics are
 * flushed at the end of each invocation, which writes them at most once per
 * WEFT_METRICS_FLUSH_MS per container (MetricsRecorder); until then they wait in memory.
 */
export async function perDocStream<R>(event: DynamoDBStreamEvent, opts: PerDocStreamOptions<R>): Promise<DynamoDBBatchResponse> {
  const groups = new Map<string, DocGroup<R>>();
  for (const r of event.Records) {
    const image = r.dynamodb?.NewImage as Record<string, unknown> | undefined;
    if (r.eventName !== "INSERT" || !image) continue;
    let record: R | undefined;
    try {
      record = opts.decode(image);
    } catch (err) {
      await quarantineUndecodable(opts.stage, image, (err as Error).message);
      continue;
    }
    if (record === undefined) continue;
    addToGroup(groups, opts.docOf(record), record, r.dynamodb!.SequenceNumber!);
  }
  return runPerDoc([...groups.values()], opts);
}

/** One document's records of a batch, and the sequence number of the stream record its first came in. */
export interface DocGroup<R> {
  doc: DocRef;
  records: R[];
  first: string;
}

/** Adds `record` to its document's group (created with `sequenceNumber` as its first). */
export function addToGroup<R>(groups: Map<string, DocGroup<R>>, doc: DocRef, record: R, sequenceNumber: string): void {
  const key = docKey(doc);
  const group = groups.get(key) ?? { doc, records: [], first: sequenceNumber };
  group.records.push(record);
  groups.set(key, group);
}

/**
 * Runs each document's group (in parallel, `concurrency` at a time), then `afterAll`; answers
 * Lambda's partial batch response: each failed document's first sequence number.
 */
export async function runPerDoc<R>(groups: DocGroup<R>[], opts: Omit<PerDocStreamOptions<R>, "decode" | "docOf">): Promise<DynamoDBBatchResponse> {
  const w = wiring();
  const failed: string[] = [];
  const done: Array<DocGroup<R>> = [];
  await inParallel(groups, opts.concurrency, async (g) => {
    try {
      await opts.run(g.doc, g.records);
      done.push(g);
    } catch (err) {
      console.error(JSON.stringify({ kind: `${opts.stage}_error`, doc: docKey(g.doc), message: (err as Error).message }));
      failed.push(g.first);
    }
  });
  if (opts.afterAll && done.length > 0) {
    try {
      await opts.afterAll(done);
    } catch (err) {
      console.error(JSON.stringify({ kind: `${opts.stage}_error`, docs: done.length, message: (err as Error).message }));
      failed.push(...done.map((g) => g.first));
    }
  }
  await w.metrics.flush().catch((err) => console.error(JSON.stringify({ kind: "metrics_error", message: String(err) })));
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
}

async function quarantineUndecodable(stage: string, image: Record<string, unknown>, message: string): Promise<void> {
  const pk = (image.pk as { S?: string } | undefined)?.S ?? "";
  await quarantineStreamRecord(stage, {
    tenant: pk.includes("#") ? pk.slice(0, pk.indexOf("#")) : UNKNOWN_TENANT,
    docId: pk.slice(pk.indexOf("#") + 1) || undefined,
    payload: JSON.stringify(image),
    message,
  });
}

/** Where a stream record that names no tenant is quarantined. */
export const UNKNOWN_TENANT = "_unknown";

/**
 * Quarantines a stream record that could not be decoded (reason `invalid_record`, source
 * `stream`; the payload truncated to the quarantine's sample size), and counts it, so it never
 * blocks the records after it.
 */
export async function quarantineStreamRecord(stage: string, r: { tenant: string; docId?: string; payload: string; message: string }): Promise<void> {
  const w = wiring();
  const at = w.clock.now();
  await w.quarantine.put(
    quarantineRecord({
      id: timeId(at),
      tenant: r.tenant,
      at,
      source: "stream",
      reason: REJECT_REASONS.invalidRecord,
      message: `${stage}: stream record could not be decoded: ${r.message}`,
      docId: r.docId,
      payload: r.payload,
    }),
  );
  w.metrics.count(r.tenant, "refused.invalid_record");
}
