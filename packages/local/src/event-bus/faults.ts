import type { EventBridgeEvent } from "./event-shape.js";

/**
 * Fault injection for the local stack's tests: rule targets that fail on purpose, so retries,
 * the dead-letter store and re-drive can be exercised end to end. It lives in the local event
 * bus (packages/local is never deployed) and also needs WEFT_STAGE=local, so it cannot be
 * switched on on AWS.
 *
 * WEFT_FAULT_FAIL_TARGET="<function>:<docId prefix>" makes deliveries to that function fail
 * (as if it threw) for events whose `detail.docId` starts with the prefix and is followed by a
 * number K and "-": the first K deliveries of each batch (tenant, docId, seqStart) fail, later
 * ones go through. E.g. with "audit:bus-fault-", document "bus-fault-9-x" fails its first 9
 * deliveries to audit: with 8 retries that is a dead letter, and a re-drive (the 10th) succeeds.
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
    const d = event.detail;
    const docId = typeof d.docId === "string" ? d.docId : "";
    if (prefix === "" || !docId.startsWith(prefix)) return undefined;
    const k = /^(\d+)-/.exec(docId.slice(prefix.length));
    if (!k) return undefined;
    const key = `${target}\n${String(d.tenant)}\n${docId}\n${String(d.seqStart)}`;
    const seen = this.counts.get(key) ?? 0;
    this.counts.set(key, seen + 1);
    if (seen >= Number(k[1])) return undefined;
    return new Error(`injected fault: delivery ${seen + 1} of ${k[1]} to ${target} fails for ${docId}`);
  }
}
