import WebSocket from "ws";
import { afterEach, inject } from "vitest";
import { WeftError } from "@weft/core";
import { createClient, type ClientOptions, type WeftClient } from "../src/index.js";
import { stackUrl, token } from "../../../test/e2e/http.js";
import { shareDoc, type AclTarget, type Role } from "../../../test/e2e/access.js";

/** A client of the running local stack (real HTTP and WebSocket), tokens signed like the e2e helpers do. */
export function stackClient(opts: Partial<ClientOptions> & { user?: string; tid?: string } = {}): WeftClient {
  const { user = "alice", tid = "acme", ...rest } = opts;
  const url = stackUrl();
  return createClient({
    url,
    wsUrl: `${url.replace(/^http/, "ws")}/ws`,
    getToken: () => token({ sub: user, tid }),
    WebSocket: WebSocket as unknown as ClientOptions["WebSocket"],
    ...rest,
  });
}

/** A maker of stack clients (stackClient with `defaults`), every one closed after each test of the file. */
export function closedAfterEach(defaults: Parameters<typeof stackClient>[0] = {}): (opts?: Parameters<typeof stackClient>[0]) => WeftClient {
  const open: WeftClient[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });
  return (opts = {}) => {
    const c = stackClient({ ...defaults, ...opts });
    open.push(c);
    return c;
  };
}

/**
 * The local stack's room tier (`ws://127.0.0.1:<port>/ws`, docs/protocol.md "The room tier"), or
 * undefined when the stack the global setup started has none. (Asked by name: older global
 * setups do not declare the key.)
 */
export function roomsUrl(): string | undefined {
  const url = (inject as (key: string) => unknown)("roomsUrl");
  return typeof url === "string" && url ? url : undefined;
}

/**
 * Has `owner` (of tenant `tid`) give `target` the `role` on `docId`, over HTTP, and waits until
 * that acl op is committed; returns its seq. Called before any client opens a document that
 * does not exist yet, this creates it: `owner`'s owner entry is seq 1, the share seq 2, and the
 * clients' edits come after. What a test with several users on one document needs.
 */
export async function shareAs(owner: string, docId: string, target: AclTarget, role: Role, tid = "acme"): Promise<number> {
  return shareDoc(await token({ sub: owner, tid }), docId, target, role);
}

/** Resolves when `probe` returns true (polled every `everyMs`), or fails after `ms`. */
export async function until(what: string, probe: () => boolean, ms = 15_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** "<code>: <message>" of the WeftError `fn` throws (an SDK input check); fails if it throws none or something else. */
export function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof WeftError)) throw new Error(`expected a WeftError, got ${String(err)}`);
    return `${err.code}: ${err.message}`;
  }
  throw new Error("expected a refusal");
}
