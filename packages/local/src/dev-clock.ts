import { Hono } from "hono";
import { z } from "zod";
import { WeftError } from "@weft/core";
import { fakeClock } from "@weft/functions/clock";
import { errorBody, errorResponse } from "@weft/functions/http/error-response";

const YEAR_MS = 366 * 24 * 3_600_000;

const moveSchema = z.union([
  z.strictObject({ advanceMs: z.number().int().min(0).max(YEAR_MS) }),
  z.strictObject({ nowMs: z.number().int().min(0).max(8.64e15) }),
]);

/**
 * The local stack's test clock (only when started with WEFT_FAKE_CLOCK=1; see
 * functions/src/clock.ts), never deployed:
 * - `GET /v1/dev/clock` -> `{nowMs, iso}`;
 * - `POST /v1/dev/clock` `{"advanceMs": N}` or `{"nowMs": N}` -> `{nowMs, iso}`. The clock only
 *   moves forward: a `nowMs` before the current time is refused (windows and timers already
 *   passed cannot be undone). Timers that became due fire on the scheduler's next tick.
 * Without WEFT_FAKE_CLOCK=1 both answer 404 `not_found`. Bad input: 400 `invalid_request`.
 */
export function devClockApp(enabled: () => boolean): Hono {
  const app = new Hono();
  app.onError((err, c) => errorResponse(c, err));
  app.use("/v1/dev/clock", async (c, next) => {
    if (!enabled()) return c.json(errorBody("not_found", "the fake clock is off: start the stack with WEFT_FAKE_CLOCK=1"), 404);
    await next();
  });
  const now = () => ({ nowMs: fakeClock().now(), iso: new Date(fakeClock().now()).toISOString() });
  app.get("/v1/dev/clock", (c) => c.json(now()));
  app.post("/v1/dev/clock", async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw new WeftError("invalid_request", "the body must be JSON: {\"advanceMs\": N} or {\"nowMs\": N}");
    }
    const parsed = moveSchema.safeParse(body);
    if (!parsed.success) {
      throw new WeftError("invalid_request", "expected {\"advanceMs\": 0..1 year of ms} or {\"nowMs\": epoch ms}", [
        { path: "body", issue: parsed.error.issues.map((i) => i.message).join("; ") },
      ]);
    }
    const clock = fakeClock();
    if ("advanceMs" in parsed.data) clock.advance(parsed.data.advanceMs);
    else {
      if (parsed.data.nowMs < clock.now()) {
        throw new WeftError("invalid_request", "the clock only moves forward", [{ path: "nowMs", issue: `${parsed.data.nowMs} is before the current ${clock.now()}` }]);
      }
      clock.set(parsed.data.nowMs);
    }
    return c.json(now());
  });
  return app;
}
