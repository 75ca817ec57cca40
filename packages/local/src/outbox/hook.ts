import { getRequestListener } from "@hono/node-server";
import type { Hono } from "hono";
import type { RequestHook } from "../http-gateway.js";

/**
 * Serves the outbox app's paths (/v1/dev/outbox..., /dev/outbox) on the local gateway's
 * node:http server; every other request passes on. Global Request/Response stay untouched
 * (handlers run in this process).
 */
export function outboxRequestHook(app: Hono): RequestHook {
  const listener = getRequestListener(app.fetch, { overrideGlobalObjects: false });
  return async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/dev/outbox" && path !== "/v1/dev/outbox" && !path.startsWith("/v1/dev/outbox/")) return false;
    await listener(req, res);
    return true;
  };
}
