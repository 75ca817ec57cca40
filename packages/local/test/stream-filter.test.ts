import { describe, expect, test } from "vitest";
import { matches, validatePattern, type EventPattern } from "@weft/core";
import { subscriptions } from "../../../infra/manifest.js";

/**
 * The log stream mappings' event filter (infra/manifest.ts LOG_BATCH_INSERTS), as Lambda and
 * the local stream poller apply it to log stream records: only batch items the sequencer
 * function appended reach the materializer and the broadcaster. Batches the room tier
 * delivered itself, the log compactor's segments and TTL updates, and TTL's deletions never do.
 */
describe.each(["broadcaster", "materializer"] as const)("the %s's log stream filter", (name) => {
  const filter = subscriptions[name].filter as EventPattern;
  const keys = (sk: string) => ({ pk: { S: "t#d" }, sk: { S: sk } });
  const record = (eventName: string, sk: string, image?: Record<string, unknown>) => ({
    eventName,
    eventSource: "aws:dynamodb",
    dynamodb: { Keys: keys(sk), ...(image ? { NewImage: { ...keys(sk), ...image } } : {}) },
  });

  test("is a valid event pattern", () => {
    expect(validatePattern(filter)).toMatchObject({ ok: true });
  });

  test("keeps an appended batch, drops one marked deliveredLive", () => {
    expect(matches(filter, record("INSERT", "b#000000000001", { expiresAt: { N: "1" } }))).toBe(true);
    expect(matches(filter, record("INSERT", "b#000000000001", { deliveredLive: { BOOL: true } }))).toBe(false);
  });

  test("drops the compactor's writes and TTL's deletions", () => {
    expect(matches(filter, record("INSERT", "s#000000000001", { seqEnd: { N: "9" } }))).toBe(false);
    expect(matches(filter, record("MODIFY", "b#000000000009", {}))).toBe(false);
    expect(matches(filter, record("REMOVE", "b#000000000001"))).toBe(false);
  });
});
