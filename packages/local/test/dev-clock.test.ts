import { describe, expect, test } from "vitest";
import { fakeClock } from "@weft/functions/clock";
import { devClockApp } from "../src/dev-clock.js";

const post = (app: ReturnType<typeof devClockApp>, body: string) =>
  app.request("/v1/dev/clock", { method: "POST", headers: { "content-type": "application/json" }, body });

describe("dev clock app", () => {
  test("moves the shared fake clock forward by advanceMs or to nowMs", async () => {
    const app = devClockApp(() => true);
    const start = fakeClock().now();
    const r1 = await post(app, JSON.stringify({ advanceMs: 60_000 }));
    expect(r1.status).toBe(200);
    expect(await r1.json()).toEqual({ nowMs: start + 60_000, iso: new Date(start + 60_000).toISOString() });
    const r2 = await post(app, JSON.stringify({ nowMs: start + 3_600_000 }));
    expect((await r2.json()).nowMs).toBe(start + 3_600_000);
    expect(fakeClock().now()).toBe(start + 3_600_000);
    expect(await (await app.request("/v1/dev/clock")).json()).toMatchObject({ nowMs: start + 3_600_000 });
  });

  test("refuses bad bodies and moving backwards with 400 invalid_request; nothing moves", async () => {
    const app = devClockApp(() => true);
    const before = fakeClock().now();
    for (const body of ["not json", "{}", '{"advanceMs":-1}', '{"advanceMs":1.5}', '{"advanceMs":1,"nowMs":2}', `{"nowMs":${before - 1}}`, '{"advanceMs":"10"}']) {
      const r = await post(app, body);
      expect(r.status, body).toBe(400);
      expect((await r.json()).error.code).toBe("invalid_request");
    }
    expect(fakeClock().now()).toBe(before);
  });

  test("answers 404 not_found when the fake clock is off", async () => {
    const app = devClockApp(() => false);
    const r = await post(app, '{"advanceMs":1}');
    expect(r.status).toBe(404);
    expect((await r.json()).error).toMatchObject({ code: "not_found", message: expect.stringContaining("WEFT_FAKE_CLOCK=1") });
  });
});
