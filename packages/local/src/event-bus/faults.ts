import type { EventBridgeEvent } from "./event-shape.js";

/**
 * Fault injection for the local stack's tests: rule targets that fail on purpose, so retries,
 * the dead-letter store and re-drive can be exercised end to end. It lives in the local event
 * bus (packages/local is never deployed) and also needs WEFT_STAGE=local, so it cannot be
 * switched on on AWS.
 *
 * WEFT_FAULT_FAIL_TARGET="<function>:<docId prefix>" makes deliveries to that function fail
 * (as if it threw) for events with a document batch (`detail`, or one of a packed
 * `detail.batches`) whose docId starts with the prefix and is followed by a number K and "-":
 * the first K deliveries of each such batch (tenant, docId, seqStart; the first such batch of
 * an event) fail, later ones go through. E.g. with "search:bus-fault-", document "bus-fault-9-x" fails its first 9
 * deliveries to search: with 8 retries that is a dead letter, and a re-drive (the 10th) succeeds.
 * Counts live in this process and are read afresh on every delivery.
 */
export class TargetFaults {
  private readonly counts = new Map<string, number>();

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  /** The error a delivery of `event` to `target` must fail with, or undefined to deliver it. */
  check(target: string, event: EventBridgeEvent): Error | undefined {
    if (this.env.WEFT_STAGE !== "local") return undefined;
    const setting = this.env.WEFT_FAULT_FAIL_TARGET;
    if (!setting) return undefined;
    const colon = setting.indexOf(":");
    if (colon <= 0 || setting.slice(0, colon) !== target) return undefined;
    const prefix = setting.slice(colon + 1);
    if (prefix === "") return undefined;
    const d = event.detail;
    // Either form of the committed event: one document batch at the top, or packed `batches`.
    const batches = (Array.isArray(d.batches) ? d.batches : [d]) as Array<Record<string, unknown>>;
    for (const b of batches) {
      const docId = typeof b.docId === "string" ? b.docId : "";
      const k = docId.startsWith(prefix) ? /^(\d+)-/.exec(docId.slice(prefix.length)) : null;
      if (!k) continue;
      const key = `${target}\n${String(d.tenant)}\n${docId}\n${String(b.seqStart)}`;
      const seen = this.counts.get(key) ?? 0;
      this.counts.set(key, seen + 1);
      if (seen >= Number(k[1])) return undefined;
      return new Error(`injected fault: delivery ${seen + 1} of ${k[1]} to ${target} fails for ${docId}`);
    }
    return undefined;
  }
}
