import type { InboxRecord } from "@weft/core";

/**
 * Fault injection for the local stack's tests, never active on AWS: with WEFT_STAGE=local and
 * WEFT_FAULT_POISON_CLIENT=<clientId>, every sequencer run that contains a change from that
 * client throws, so the retry / bisect / on-failure path can be exercised end to end.
 */
export function injectedFault(records: InboxRecord[]): void {
  const poison = process.env.WEFT_STAGE === "local" ? process.env.WEFT_FAULT_POISON_CLIENT : undefined;
  if (!poison) return;
  if (records.some((r) => r.kind === "change" && r.change.clientId === poison)) {
    throw new Error(`injected fault: poison client ${poison}`);
  }
}
