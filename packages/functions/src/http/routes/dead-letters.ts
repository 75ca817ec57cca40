import type { Hono } from "hono";
import { DEAD_LETTER_ID_PATTERN, WeftError, type Bus, type Clock, type DeadLetterStore, type Principal } from "@weft/core";

export interface DeadLetterRouteDeps {
  deadLetters: DeadLetterStore;
  bus: Bus;
  clock: Clock;
}

const MAX_LIMIT = 500;
const DEFAULT_LIMIT = 50;

/**
 * Tenant-admin routes over the bus's dead letters (the /v1/admin/* guard has already checked
 * the role; every call is scoped to the caller's tenant):
 * - `GET /v1/admin/dead-letters?limit=&cursor=` -> `{deadLetters: [...], cursor?}`, newest first.
 * - `POST /v1/admin/dead-letters/{id}/redrive` re-publishes the original event to the bus (every
 *   consumer is idempotent, so targets that already had it change nothing), then marks the
 *   letter re-driven -> `{deadLetter}`. 404 for an id that is not the caller tenant's.
 * Errors: invalid_request (bad limit, cursor or id), not_found.
 */
export function registerDeadLetterRoutes(app: Hono<{ Variables: { who: Principal } }>, deps: DeadLetterRouteDeps): void {
  app.get("/v1/admin/dead-letters", async (c) => {
    const limit = limitParam(c.req.query("limit"));
    const page = await deps.deadLetters.list(c.get("who").tenant, limit, c.req.query("cursor") || undefined);
    return c.json({ deadLetters: page.deadLetters, ...(page.cursor ? { cursor: page.cursor } : {}) });
  });

  app.post("/v1/admin/dead-letters/:id/redrive", async (c) => {
    const tenant = c.get("who").tenant;
    const id = c.req.param("id");
    if (!DEAD_LETTER_ID_PATTERN.test(id)) {
      throw new WeftError("invalid_request", "dead-letter id must look like 0000000000-0000000000000 (as listed)", [{ path: "id", issue: `got ${JSON.stringify(id.slice(0, 40))}` }]);
    }
    const letter = await deps.deadLetters.get(tenant, id);
    if (!letter) throw new WeftError("not_found", `no dead letter ${id}`);
    await deps.bus.publish([letter.event]);
    const marked = await deps.deadLetters.markRedriven(tenant, id, deps.clock.now());
    // Deleted between the read and the mark: the event went out all the same.
    return c.json({ deadLetter: marked ?? { ...letter, status: "redriven", redrivenAt: deps.clock.now(), redrives: letter.redrives + 1 } });
  });
}

function limitParam(raw: string | undefined): number {
  if (raw === undefined || raw === "") return DEFAULT_LIMIT;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_LIMIT) {
    throw new WeftError("invalid_request", `limit must be an integer from 1 to ${MAX_LIMIT}`, [{ path: "limit", issue: `got ${JSON.stringify(raw.slice(0, 40))}` }]);
  }
  return n;
}
