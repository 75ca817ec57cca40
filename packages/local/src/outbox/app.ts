import { Hono, type Context } from "hono";
import type { z } from "zod";
import { WeftError, type ErrorDetail } from "@weft/core";
import { deliveryCommandSchema, EXTERNAL_CHANNELS } from "@weft/core/notify/delivery/index";
import type { ExternalChannel } from "@weft/core/notify/vocabulary";
import { errorBody, errorResponse } from "@weft/functions/http/error-response";
import { faultsBodySchema } from "./faults.js";
import type { Outbox, OutboxFilter } from "./outbox.js";
import { OUTBOX_PAGE_HTML } from "./page.js";

/**
 * The local outbox's HTTP face (local stack only; never deployed):
 * - `GET /v1/dev/outbox?userId=&channel=&tenant=&notificationId=` -> `{deliveries, failures}`,
 *   each in order of sending, filtered by the given fields.
 * - `DELETE /v1/dev/outbox` -> 204: forgets deliveries, failures and dedup memory (faults stay).
 * - `GET /v1/dev/outbox/faults` -> `{faults}`; `PUT /v1/dev/outbox/faults` `{faults: [rule]}`
 *   replaces the rules -> `{faults}` as installed (with `remaining`). Rules: faults.ts.
 * - `POST /v1/dev/outbox/deliveries` with a DeliveryCommand -> the DeliveryResult: how handlers
 *   of the local stack reach the outbox (HttpOutboxAdapter in functions/adapters/channels).
 * - `GET /dev/outbox`: an HTML page listing deliveries and failures, refreshing itself.
 * Bad input: 400 `{"error":{"code":"invalid_request","message","details":[{path, issue}]}}`.
 */
export function outboxApp(outbox: Outbox): Hono {
  const app = new Hono();
  app.onError((err, c) => errorResponse(c, err));
  app.notFound((c) => c.json(errorBody("not_found", `no route for ${c.req.method} ${c.req.path}`), 404));

  app.get("/v1/dev/outbox", (c) => {
    const filter = filterOf(c);
    return c.json({ deliveries: outbox.list(filter), failures: outbox.listFailures(filter) });
  });

  app.delete("/v1/dev/outbox", (c) => {
    outbox.clear();
    return c.body(null, 204);
  });

  app.get("/v1/dev/outbox/faults", (c) => c.json({ faults: outbox.faults() }));

  app.put("/v1/dev/outbox/faults", async (c) => {
    const body = parse(faultsBodySchema, await jsonBody(c), "faults");
    return c.json({ faults: outbox.setFaults(body.faults) });
  });

  app.post("/v1/dev/outbox/deliveries", async (c) => {
    const cmd = parse(deliveryCommandSchema, await jsonBody(c), "delivery command");
    return c.json(await outbox.send(cmd));
  });

  app.get("/dev/outbox", (c) => c.html(OUTBOX_PAGE_HTML));
  return app;
}

function filterOf(c: Context): OutboxFilter {
  const q = (name: string) => c.req.query(name) || undefined;
  const channel = q("channel");
  if (channel !== undefined && !(EXTERNAL_CHANNELS as string[]).includes(channel)) {
    throw new WeftError("invalid_request", "unknown channel", [{ path: "channel", issue: `expected one of ${EXTERNAL_CHANNELS.join(", ")}; got ${JSON.stringify(channel.slice(0, 40))}` }]);
  }
  return { tenant: q("tenant"), userId: q("userId"), channel: channel as ExternalChannel | undefined, notificationId: q("notificationId") };
}

async function jsonBody(c: Context): Promise<unknown> {
  try {
    return JSON.parse(await c.req.text());
  } catch (err) {
    throw new WeftError("invalid_request", "body is not JSON", [{ path: "", issue: (err as Error).message }]);
  }
}

function parse<S extends z.ZodType>(schema: S, raw: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  throw new WeftError("invalid_request", `invalid ${what}`, result.error.issues.flatMap(detailsOf));
}

function detailsOf(issue: z.core.$ZodIssue): ErrorDetail[] {
  const path = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") return issue.keys.map((k) => ({ path: path ? `${path}.${k}` : k, issue: "unknown key" }));
  return [{ path, issue: issue.message }];
}
