import { describe, expect, test } from "vitest";
import { matches, validatePattern, type EventPattern } from "@weft/core";
import { subscriptions } from "../../../infra/manifest.js";

/**
 * The broadcaster's event filter (infra/manifest.ts), as Lambda and the local stream poller
 * apply it to log stream records: batches the room tier delivered itself never reach the
 * function; every other record does.
 */
describe("the broadcaster's stream filter", () => {
  const filter = subscriptions.broadcaster.filter as EventPattern;
  const insert = (image: Record<string, unknown>) => ({ eventName: "INSERT", eventSource: "aws:dynamodb", dynamodb: { NewImage: { pk: { S: "t#d" }, sk: { S: "b#0001" }, ...image } } });

  test("is a valid event pattern", () => {
    expect(validatePattern(filter)).toMatchObject({ ok: true });
  });

  test("drops a batch marked deliveredLive and keeps one without the mark", () => {
    expect(matches(filter, insert({ deliveredLive: { BOOL: true } }))).toBe(false);
    expect(matches(filter, insert({}))).toBe(true);
  });

  test("keeps records that carry no image (a TTL removal): the function decides", () => {
    expect(matches(filter, { eventName: "REMOVE", dynamodb: { Keys: { pk: { S: "t#d" } } } })).toBe(true);
  });
});
