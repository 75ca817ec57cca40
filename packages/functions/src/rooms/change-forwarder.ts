import { OwnerUnreachable, WeftError, ERROR_CODES, type ChangeForwarder, type DocRef, type ErrorCode, type Principal, type SubmitResult } from "@weft/core";
import { privateRequest } from "../adapters/apigw/private-request.js";

/** The private route a task takes forwarded changes on (room-server.ts). */
export const FORWARD_PATH = "/rooms/submit";
/**
 * How long a forward waits for the owner's answer: well past a busy document's run (its commit
 * delay, a few DynamoDB calls). After it the change is sequenced where it arrived, and a copy
 * the owner did commit is a duplicate there.
 */
export const FORWARD_TIMEOUT_MS = 5_000;

/** What a forward carries: the caller's identity as the forwarding task verified it, and the change as the client sent it. */
export interface ForwardedChange {
  who: Principal;
  doc: DocRef;
  change: string;
}

/**
 * ChangeForwarder over HTTP to the owner's private port (`POST /rooms/submit`, inside the VPC
 * only, like the `@connections` API next to it), on kept-alive sockets. 200 `{results}` is the
 * owner's answer; an error status with the ops API's error body is its refusal, rethrown as
 * that WeftError (`unavailable` too: the client resends after a pause, as it would have from
 * this task), except `internal`; that and anything else (no connection, a reset, a bare 503
 * from a task starting or stopping, no answer within FORWARD_TIMEOUT_MS) is OwnerUnreachable.
 */
export class HttpChangeForwarder implements ChangeForwarder {
  constructor(private readonly timeoutMs = FORWARD_TIMEOUT_MS) {}

  async forward(address: string, who: Principal, doc: DocRef, body: string | Uint8Array): Promise<SubmitResult> {
    const change = typeof body === "string" ? body : Buffer.from(body).toString("utf8");
    const payload = Buffer.from(JSON.stringify({ who, doc, change } satisfies ForwardedChange));
    let answer: { status: number; body: Buffer };
    try {
      answer = await privateRequest(address, { method: "POST", path: FORWARD_PATH, body: payload, contentType: "application/json", timeoutMs: this.timeoutMs });
    } catch (err) {
      throw new OwnerUnreachable(address, (err as Error).message);
    }
    const { status } = answer;
    const parsed = parse(answer.body.toString("utf8"));
    if (status === 200 && Array.isArray(parsed?.results)) return parsed.results as SubmitResult;
    const error = parsed?.error as { code?: unknown; message?: unknown; details?: unknown } | undefined;
    if (status >= 400 && typeof error?.code === "string" && error.code !== "internal" && (ERROR_CODES as readonly string[]).includes(error.code)) {
      throw new WeftError(error.code as ErrorCode, String(error.message ?? error.code), Array.isArray(error.details) ? error.details : []);
    }
    throw new OwnerUnreachable(address, `answered ${status}`);
  }
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
