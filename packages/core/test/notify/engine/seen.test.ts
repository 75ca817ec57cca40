import { describe, expect, test } from "vitest";
import { ENGINE_LIMITS } from "../../../src/notify/engine/limits.js";
import { emptyNotifyState, hasSeen, notifyStateOf, rememberEvent, SEEN_CHUNK, seenCount, workingCopy } from "../../../src/notify/engine/state.js";

describe("remembered event ids", () => {
  test("remembering copies only the last chunk: the input state is unchanged and shares the older chunks", () => {
    let s = emptyNotifyState();
    for (let h = 1; h <= 2 * SEEN_CHUNK + 3; h++) {
      const next = workingCopy(s);
      rememberEvent(next, h);
      expect(seenCount(s)).toBe(h - 1);
      if (s.seen.length > 1) expect(next.seen[0]).toBe(s.seen[0]);
      s = next;
    }
    expect(hasSeen(s, 1)).toBe(true);
    expect(hasSeen(s, 2 * SEEN_CHUNK + 3)).toBe(true);
    expect(hasSeen(s, 999_999)).toBe(false);
  });

  test("keeps at most seenEvents and at least seenEvents - SEEN_CHUNK + 1 of the most recent", () => {
    const s = emptyNotifyState();
    const total = ENGINE_LIMITS.seenEvents * 3 + 7;
    for (let h = 1; h <= total; h++) rememberEvent(s, h);
    expect(seenCount(s)).toBeLessThanOrEqual(ENGINE_LIMITS.seenEvents);
    expect(seenCount(s)).toBeGreaterThanOrEqual(ENGINE_LIMITS.seenEvents - SEEN_CHUNK + 1);
    for (let h = total - (ENGINE_LIMITS.seenEvents - SEEN_CHUNK); h <= total; h++) expect(hasSeen(s, h)).toBe(true);
  });

  test("a stored state with the older flat list loads into chunks", () => {
    const flat = { ...emptyNotifyState(), seen: Array.from({ length: SEEN_CHUNK + 5 }, (_, i) => i + 1) };
    const s = notifyStateOf(JSON.parse(JSON.stringify(flat)));
    expect(s.seen.map((c) => c.length)).toEqual([SEEN_CHUNK, 5]);
    expect(hasSeen(s, SEEN_CHUNK + 5)).toBe(true);
  });
});
