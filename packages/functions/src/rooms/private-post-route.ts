import type { IncomingMessage, ServerResponse } from "node:http";
import type { RoomSequencer } from "@weft/core";
import { errorBody } from "../http/error-response.js";
import { readLimited } from "./connections-api.js";

/** What a private route answers: a status and a JSON body, or no body. */
export interface PrivateAnswer {
  status: number;
  body?: unknown;
}

/**
 * One `POST` route of a task's private port (forwarded submits, hand-offs): returns false for
 * other paths; 404 `not_found` for another method, 413 `payload_too_large` for a body over
 * `maxBytes` (`what` names it in the message), 503 with no body before the task is wired;
 * otherwise `handle`'s answer for the body and the task's sequencer.
 */
export function privatePostRoute(
  path: string,
  maxBytes: number,
  what: string,
  sequencer: () => RoomSequencer | undefined,
  handle: (raw: Buffer, room: RoomSequencer) => Promise<PrivateAnswer>,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    if ((req.url ?? "/").split("?")[0] !== path) return false;
    if (req.method !== "POST") {
      req.resume();
      return reply(res, { status: 404, body: errorBody("not_found", `${path} takes POST only`) });
    }
    const raw = await readLimited(req, maxBytes);
    if (raw === undefined) return reply(res, { status: 413, body: errorBody("payload_too_large", `${what} is at most ${maxBytes} bytes`) });
    const room = sequencer();
    if (!room) return reply(res, { status: 503 });
    return reply(res, await handle(raw, room));
  };
}

function reply(res: ServerResponse, { status, body }: PrivateAnswer): true {
  if (body === undefined) {
    res.writeHead(status, { "content-length": 0 }).end();
    return true;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text);
  return true;
}
