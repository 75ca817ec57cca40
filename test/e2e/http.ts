import { SignJWT, type JWTPayload } from "jose";
import { inject } from "vitest";

export const LOCAL_SECRET = "weft-local-dev-secret";

/** The running local stack started by the global setup. */
export function stackUrl(): string {
  const url = inject("stackUrl");
  if (!url) throw new Error("the local stack is not running (global setup did not start it)");
  return url;
}

export interface TokenOptions {
  sub?: string | null;
  tid?: string | null;
  role?: string;
  name?: string;
  /** The token's `groups` claim. */
  groups?: string[];
  expiresIn?: string | number;
  secret?: string;
}

/** An HS256 token as the local stack expects; `null` leaves a claim out. */
export async function token(opts: TokenOptions = {}): Promise<string> {
  const claims: JWTPayload = {};
  if (opts.sub !== null) claims.sub = opts.sub ?? "alice";
  if (opts.tid !== null) claims.tid = opts.tid ?? "acme";
  if (opts.role) claims.role = opts.role;
  if (opts.name) claims.name = opts.name;
  if (opts.groups) claims.groups = opts.groups;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? "1h")
    .sign(new TextEncoder().encode(opts.secret ?? LOCAL_SECRET));
}

export interface Reply<T = any> {
  status: number;
  body: T;
  text: string;
}

/** One real HTTP call to the stack. `body` is sent as JSON unless it is already a string/bytes. */
export async function call<T = any>(
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | Uint8Array<ArrayBuffer> | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === "string" || opts.body instanceof Uint8Array ? (opts.body as string | Uint8Array<ArrayBuffer>) : JSON.stringify(opts.body);
    headers["content-type"] ??= "application/json";
  }
  const res = await fetch(stackUrl() + path, { method, headers, body });
  const text = await res.text();
  let parsed: any = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text };
}

let counter = 0;
/** A document id no other test uses. */
export function freshDoc(prefix = "doc"): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${(counter++).toString(36)}`;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
