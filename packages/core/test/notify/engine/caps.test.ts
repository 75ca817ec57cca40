import { describe, expect, test } from "vitest";
import { at, Driver, intent } from "./driver.js";

/** The outcome of an event's external delivery: the first of sent / deferred:cap. */
function pushOutcome(d: Driver, eventId: string): string {
  const first = d.decisionsFor(eventId).find((r) => (r.reason === "sent" && r.channel !== "in_app") || r.reason === "deferred:cap");
  return first?.reason === "deferred:cap" ? "deferred" : first ? "sent" : "none";
}

describe("sliding-window cap", () => {
  test("10:00 ... 11:25 -> sent, sent, sent, deferred, deferred, sent, deferred, sent, sent", async () => {
    const d = new Driver();
    const times = ["10:00:00", "10:10:00", "10:20:00", "10:30:00", "10:59:59", "11:00:00", "11:00:01", "11:10:00", "11:25:00"];
    const ids: string[] = [];
    for (const t of times) {
      const i = intent("u1", at(`2025-01-06T${t}Z`));
      ids.push(i.eventId);
      await d.event(i);
    }
    expect(ids.map((id) => pushOutcome(d, id))).toEqual(["sent", "sent", "sent", "deferred", "deferred", "sent", "deferred", "sent", "sent"]);
    console.log(JSON.stringify(d.decisions.filter(r=>r.channel!=="in_app").map(r=>[r.eventId,r.reason,r.channel,r.detail,new Date(r.at).toISOString()]),null,1));
  });
});
