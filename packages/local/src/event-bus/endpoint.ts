import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestHook } from "../http-gateway.js";
import type { Logger } from "../log.js";
import type { LocalEventBus } from "./local-event-bus.js";
import { RequestError } from "./put-events.js";

/** Bodies over this are refused before parsing (PutEvents itself allows 256 KB of entries plus JSON overhead). */
const MAX_REQUEST_BYTES = 1024 * 1024;
const JSON_11 = "application/x-amz-json-1.1";

/**
 * The EventBridge API endpoint on the stack's HTTP server (AWS JSON 1.1 protocol): a POST with
 * header `X-Amz-Target: AWSEvents.<Operation>` is taken by this hook, anything else passes on.
 * PutEvents is served; other operations answer UnknownOperationException. Request-level errors
 * are HTTP 400 with `{"__type", "message"}` (and `x-amzn-ErrorType`), which the SDK raises as
 * an exception of that name; an unexpected failure is a 500 InternalException (the SDK retries).
 */
export function eventBusEndpoint(bus: LocalEventBus, log: Logger): RequestHook {
  return async (req, res) => {
    const target = req.headers["x-amz-target"];
    if (req.method !== "POST" || typeof target !== "string" || !target.startsWith("AWSEvents.")) return false;
    try {
      const raw = await readBody(req);
      if (target !== "AWSEvents.PutEvents") throw new RequestError("UnknownOperationException", `operation ${target.slice(10)} is not served by the local event bus`);
      let body: unknown;
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch {
        throw new RequestError("SerializationException", "the request body is not valid JSON");
      }
      send(res, 200, bus.put(body));
    } catch (err) {
      if (err instanceof RequestError) return sendError(res, 400, err.type, err.message), true;
      log.error("local event bus failed", { error: err });
      sendError(res, 500, "InternalException", (err as Error).message);
    }
    return true;
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(c);
    });
    req.on("end", () =>
      size > MAX_REQUEST_BYTES
        ? reject(new RequestError("ValidationException", `Total size of the entries in the request is over the limit (request body over ${MAX_REQUEST_BYTES} bytes).`))
        : resolve(Buffer.concat(chunks)),
    );
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": JSON_11, "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  send(res, status, { __type: type, message }, { "x-amzn-errortype": type });
}
