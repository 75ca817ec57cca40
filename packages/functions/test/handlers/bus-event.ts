import type { EventBridgeEvent } from "aws-lambda";
import type { BusEntry } from "@weft/core";

let eventNo = 0;

/** The event EventBridge hands a rule target for a bus entry (a fresh id each call). */
export function eventOf(entry: BusEntry): EventBridgeEvent<string, unknown> {
  return {
    version: "0",
    id: `evt-${++eventNo}`,
    "detail-type": entry.detailType,
    source: entry.source,
    account: "000000000000",
    time: new Date(entry.time ?? 0).toISOString(),
    region: "us-east-1",
    resources: [],
    detail: entry.detail,
  } as EventBridgeEvent<string, unknown>;
}
