import { getRequestListener } from "@hono/node-server";
import type { Hono } from "hono";
import type { RequestHook } from "./http-gateway.js";

/**
 * Serves `app` for requests under one of `paths` (exact or as a prefix followed by "/") on the
 * local gateway's node:http server; every other request passes on. Global Request/Response
 * stay untouched (handlers run in this process).
 */
export function honoHook(app: Hono, paths: string[]): RequestHook {
  const listener = getRequestListener(app.fetch, { overrideGlobalObjects: false });
  return async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (!paths.some((p) => path === p || path.startsWith(`${p}/`))) return false;
    await listener(req, res);
    return true;
  };
}
