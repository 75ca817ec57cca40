import { describe, expect, test } from "vitest";
import { ENGINE_LIMITS, seenCount, storedItemCount } from "../../../src/notify/engine/index.js";
import { utf8Length } from "../../../src/live/utf8.js";
import { Driver, intent } from "./driver.js";

/** The user-state store's limit (notify/stores/user-state-store.ts: MAX_USER_STATE_BYTES). */
const STORE_LIMIT = 350_000;

describe("state bounds", () => {
  test("the worst case stays within the stored-item bound and the store's size limit", async () => {
    const d = new Driver();
    d.user("u1", { prefs: { ...d.user("u1").prefs, capOverride: 0 } }); // nothing is ever sent: everything is kept
    const quotes = '"'.repeat(200); // 200 bytes, 400 in JSON
    const lines = "\n".repeat(2000);
    const wide = "€".repeat(128); // a 128-unit user id of 384 bytes
    const data = { blob: "x".repeat(500) };
    const t0 = Date.parse("2025-01-06T10:00:00Z");
    let max = 0;
    for (let k = 0; k < 700; k++) {
      const digest = k % 2 === 0;
      await d.event(
        intent("u1", t0 + k * 400, {
          eventId: `${"e".repeat(120)}-${String(k).padStart(4, "0")}`,
          topic: digest ? "comments" : "mentions",
          docId: `${"d".repeat(120)}${String(k % 20).padStart(3, "0")}`,
          actorId: `${wide.slice(0, 124)}${k % 3}`,
          subject: { kind: "k".repeat(32), id: `${"s".repeat(120)}${String(k).padStart(5, "0")}` },
          title: quotes,
          body: lines,
          url: `https://example.com/${"p".repeat(480)}`,
          data,
        }),
      );
      const s = d.user("u1").state;
      expect(storedItemCount(s)).toBeLessThanOrEqual(ENGINE_LIMITS.storedItems);
      expect(s.digests.length).toBeLessThanOrEqual(ENGINE_LIMITS.openDigests);
      expect(seenCount(s)).toBeLessThanOrEqual(ENGINE_LIMITS.seenEvents);
      max = Math.max(max, utf8Length(JSON.stringify(s)));
    }
    expect(storedItemCount(d.user("u1").state)).toBe(ENGINE_LIMITS.storedItems);
    expect(max).toBeLessThan(STORE_LIMIT);
    // Overflow is recorded, never silent.
    const dropped = d.decisions.filter((r) => r.reason === "expired" && r.detail?.startsWith(`more than ${ENGINE_LIMITS.storedItems} notifications pending`));
    expect(dropped.length).toBeGreaterThan(0);
  });
});
