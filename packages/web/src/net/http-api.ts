import { WeftError } from "../core.js";
import type { AclRole, Change, DocAcl, ErrorCode, LogEntry } from "@weft/core";
import { backoffDelay, sleep } from "./backoff.js";
import type { TokenSource } from "./tokens.js";

/** Thrown by a request cut short by `client.close()`. */
export class ClosedError extends Error {
  constructor() {
    super("the client was closed");
    this.name = "ClosedError";
  }
}

export interface DocJson {
  docId?: string;
  version: number;
  text: string;
  spans?: Array<{ text: string; attrs?: Record<string, unknown> }>;
  threads?: Record<string, unknown>;
  tasks?: Record<string, unknown>;
  acl?: DocAcl;
  /** The caller's effective role on the document. */
  role?: AclRole;
  updatedAt?: number;
}

export interface OpsPage {
  version: number;
  ops: LogEntry[];
  next?: number;
}

export type ReceiptJson =
  | { id: string; status: "committed"; seq: number }
  | { id: string; status: "rejected"; reason: string; message: string }
  | { id: string; status: "pending" };

export interface HttpOptions {
  base: string;
  tokens: TokenSource;
  fetch: typeof fetch;
  backoff: { initialMs: number; maxMs: number };
  signal: AbortSignal;
  onError: (err: unknown) => void;
}

/**
 * The HTTP API calls the SDK makes (docs/api.md). Every call is retried until it gets an
 * answer: network failures, 408, 429 and 5xx wait with exponential backoff and jitter
 * (honouring Retry-After), and a 401 asks `getToken` again before retrying. Any other 4xx is
 * final: a WeftError with the server's code, message and details. Retrying is safe for every
 * call: reads are idempotent and a change is resent byte for byte (the server dedupes it).
 */
export class HttpApi {
  constructor(private readonly o: HttpOptions) {}

  /** The committed state, or null for a document with no committed op (404). */
  async getDoc(docId: string): Promise<DocJson | null> {
    const r = await this.request("GET", `/v1/docs/${encodeURIComponent(docId)}`, undefined, true);
    return r === null ? null : (r as DocJson);
  }

  async getOps(docId: string, after: number, limit = 1000): Promise<OpsPage> {
    return (await this.request("GET", `/v1/docs/${encodeURIComponent(docId)}/ops?after=${after}&limit=${limit}`)) as OpsPage;
  }

  /** Committed entries after `after` up to `until` (inclusive; default: to the head), following pages. */
  async opsBetween(docId: string, after: number, until = Infinity): Promise<LogEntry[]> {
    const out: LogEntry[] = [];
    for (let from = after; from < until; ) {
      const page = await this.getOps(docId, from);
      for (const e of page.ops) if (e.seq <= until) out.push(e);
      if (page.next === undefined || page.ops.length === 0) break;
      from = page.next;
    }
    return out;
  }

  async postChange(docId: string, change: Change): Promise<Array<{ id: string; status: string }>> {
    const r = (await this.request("POST", `/v1/docs/${encodeURIComponent(docId)}/ops`, change)) as { results: Array<{ id: string; status: string }> };
    return r.results;
  }

  /** The op's receipt, or null when the document never accepted that op id (404). */
  async receipt(docId: string, opId: string): Promise<ReceiptJson | null> {
    const r = await this.request("GET", `/v1/docs/${encodeURIComponent(docId)}/ops/${encodeURIComponent(opId)}`, undefined, true);
    return r as ReceiptJson | null;
  }

  private async request(method: string, path: string, body?: unknown, allow404 = false): Promise<unknown> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    for (let attempt = 1; ; attempt++) {
      if (this.o.signal.aborted) throw new ClosedError();
      const token = await this.o.tokens.get();
      let res: Response;
      try {
        res = await this.o.fetch(this.o.base + path, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(payload ? { "content-type": "application/json" } : {}) },
          body: payload,
          signal: this.o.signal,
        });
      } catch (err) {
        if (this.o.signal.aborted) throw new ClosedError();
        this.o.onError(err);
        await sleep(backoffDelay(attempt, this.o.backoff.initialMs, this.o.backoff.maxMs), this.o.signal);
        continue;
      }
      const text = await res.text().catch(() => "");
      if (res.ok) return text ? JSON.parse(text) : undefined;
      if (res.status === 404 && allow404) return null;
      if (res.status === 401) {
        this.o.tokens.invalidate(token);
        if (attempt > 1) await sleep(backoffDelay(attempt - 1, this.o.backoff.initialMs, this.o.backoff.maxMs), this.o.signal);
        continue;
      }
      if (res.status === 408 || res.status === 429 || res.status >= 500) {
        const retryAfter = Number(res.headers.get("retry-after"));
        const wait = Math.max(backoffDelay(attempt, this.o.backoff.initialMs, this.o.backoff.maxMs), Number.isFinite(retryAfter) ? Math.min(retryAfter, 60) * 1000 : 0);
        await sleep(wait, this.o.signal);
        continue;
      }
      throw errorOf(res.status, text);
    }
  }
}

/** The server's error body as a WeftError (unknown shapes keep the status in the message). */
function errorOf(status: number, text: string): WeftError {
  try {
    const e = (JSON.parse(text) as { error?: { code?: ErrorCode; message?: string; details?: [] } }).error;
    if (e?.code) return new WeftError(e.code, e.message ?? `HTTP ${status}`, e.details ?? []);
  } catch {
    // not JSON: fall through
  }
  return new WeftError(status === 403 ? "forbidden" : status === 413 ? "payload_too_large" : "invalid_request", `HTTP ${status}: ${text.slice(0, 200)}`);
}
