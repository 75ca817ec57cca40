import { FUNCTION_WRITE_WINDOW_MS, Sequencer, guardedLog, guardedState, type DocRef, type InboxRecord, type RejectReason } from "@weft/core";
import { privateRequest } from "../adapters/apigw/private-request.js";
import type { Wiring } from "../wiring.js";

/** The private route a room task takes a sequencer function's records on (rooms/handed-off-run.ts). */
export const RUN_PATH = "/rooms/run";
/** How long a hand-off waits for the holder's run: a busy document's run, with room. */
const HAND_OFF_TIMEOUT_MS = 10_000;

/** The holder of a document's live lease could not take a hand-off: the records are retried (the stream's retry reads the lease again). */
export class HolderUnreachable extends Error {
  constructor(address: string, reason: string) {
    super(`the holder of the document's lease at ${address} did not take its records: ${reason}`);
    this.name = "HolderUnreachable";
  }
}

/** A function's run that passed FUNCTION_WRITE_WINDOW_MS: stopped before its next write, retried. */
export class WriteWindowPassed extends Error {
  constructor(doc: DocRef) {
    super(`the sequencer function's run of ${doc.tenant}/${doc.docId} passed its write window: nothing more is written, it is retried`);
    this.name = "WriteWindowPassed";
  }
}

/**
 * Where a sequencer function's records of one document are sequenced (docs/rooms.md,
 * "Ownership"; core rooms/holder-heads.ts): nobody writes a document while a room task holds a
 * live lease on it but that task, which runs from heads it keeps in memory. So the function
 * reads the lease first (one strongly consistent read):
 * - a live lease: the records go to the holder (`POST /rooms/run` on its private port), which
 *   runs them with its next run of the document ("handed_off"), or rejects their changes with
 *   `handedOffAs.reject` (the salvage of a batch whose retries ran out); a holder that does not
 *   take them is HolderUnreachable, thrown for the stream to retry until the holder answers or
 *   its lease lapses;
 * - no live lease: `work` runs here, with a sequencer whose writes stop (WriteWindowPassed)
 *   FUNCTION_WRITE_WINDOW_MS after the read, less than a new holder waits before it trusts
 *   its kept heads ("here").
 */
export async function sequenceOrHandOff(
  w: Wiring,
  doc: DocRef,
  records: InboxRecord[],
  work: (sequencer: Sequencer) => Promise<void>,
  handedOffAs?: HandOffReject,
): Promise<"here" | "handed_off"> {
  const started = performance.now();
  const lease = await w.docLeases.get(doc);
  if (lease && lease.address && lease.expiresAt > Date.now()) {
    await handOff(lease.address, doc, records, handedOffAs);
    return "handed_off";
  }
  const check = (d: DocRef) => {
    if (performance.now() - started > FUNCTION_WRITE_WINDOW_MS) throw new WriteWindowPassed(d);
  };
  const deps = w.sequencer.deps;
  await work(new Sequencer({ ...deps, log: guardedLog(deps.log, check), state: guardedState(deps.state, check) }));
  return "here";
}

/** What the holder does with handed-off changes the function gave up on: rejects them with this reason (the salvage's). */
export interface HandOffReject {
  reject: { reason: RejectReason; message: string };
}

async function handOff(address: string, doc: DocRef, records: InboxRecord[], as?: HandOffReject): Promise<void> {
  const body = Buffer.from(JSON.stringify({ doc: { tenant: doc.tenant, docId: doc.docId }, records, ...(as ? { reject: as.reject } : {}) }));
  let answer: { status: number; body: Buffer };
  try {
    answer = await privateRequest(address, { method: "POST", path: RUN_PATH, body, contentType: "application/json", timeoutMs: HAND_OFF_TIMEOUT_MS });
  } catch (err) {
    throw new HolderUnreachable(address, (err as Error).message);
  }
  if (answer.status !== 200) throw new HolderUnreachable(address, `answered ${answer.status} ${answer.body.toString("utf8").slice(0, 200)}`);
}
