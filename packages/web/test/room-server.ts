import type WebSocket from "ws";
import { WeftError, type Change } from "@weft/core";
import type { ClientOptions, WeftClient } from "../src/index.js";
import { RolesServer } from "./roles-server.js";

/**
 * What the server does with one `submit` instead of the usual (`faults` are used one per
 * submit, in order): refuse it with this error (nothing ingested); `lose` it on the way (no
 * ingest, no answer); `drop-before`: the socket drops as it arrives (nothing ingested);
 * `drop-after`: ingested, then the socket drops before the answer; `mute`: ingested and decided
 * (its entries go out as usual) but `submitted` is never sent.
 */
export type SubmitFault = { code: string; message?: string; details?: Array<Record<string, unknown>> } | "lose" | "drop-before" | "drop-after" | "mute";

/**
 * RolesServer (real HTTP and WebSocket in front of core's ingest and sequencer) that also
 * takes changes over the socket as the room tier does (docs/protocol.md, "The room tier"):
 * `{"action":"submit","docId","ref","change"}` goes through the same ingest as a POST (same
 * checks and access rules, recorded in `posts` with the status a POST would get) and is
 * answered `{"type":"submitted","docId","ref","results"}` once decided (after the sequencer
 * ran and its entries went to the subscribers, this socket included), or
 * `{"type":"error","code","message","docId","ref","details"}` when refused. Its clients use
 * `opsTransport: "socket"`.
 */
export class RoomServer extends RolesServer {
  /** Every submit received: who, its ref and op ids, and the fault it met. */
  readonly submits: Array<{ user: string; ref: unknown; ids: string[]; fault?: SubmitFault }> = [];
  readonly faults: SubmitFault[] = [];
  private waiting: Array<{ ws: WebSocket; ref: unknown; ids: string[]; results: unknown; mute: boolean }> = [];

  override client(user: string, opts: Partial<ClientOptions> = {}): WeftClient {
    return super.client(user, { opsTransport: "socket", ...opts });
  }

  protected override async message(ws: WebSocket, user: string, m: Record<string, unknown>): Promise<void> {
    if (m.action !== "submit") return super.message(ws, user, m);
    const answer = (msg: Record<string, unknown>) => ws.send(JSON.stringify({ ...msg, docId: "d", ref: m.ref }));
    const change = m.change as Change;
    if (!change || typeof change !== "object" || !Array.isArray(change.ops)) {
      return answer({ type: "error", code: "invalid_request", message: "change must be a change object" });
    }
    const fault = this.faults.shift();
    this.submits.push({ user, ref: m.ref, ids: change.ops.map((o) => o.id), ...(fault ? { fault } : {}) });
    if (fault === "lose") return;
    if (fault === "drop-before") return ws.terminate();
    if (typeof fault === "object") return answer({ type: "error", message: "test fault", ...fault });
    const r = await this.ingest(user, change);
    if (r instanceof WeftError) return answer({ type: "error", code: r.code, message: r.message, details: r.details });
    if (fault === "drop-after") ws.terminate();
    else this.waiting.push({ ws, ref: m.ref, ids: change.ops.map((o) => o.id), results: r, mute: fault === "mute" });
    if (this.autoSequence) await this.sequence();
  }

  /** `submitted` for each waiting submit whose ops are all decided (committed or rejected). */
  protected override async afterFanOut(): Promise<void> {
    for (const w of [...this.waiting]) {
      const receipts = await Promise.all(w.ids.map((id) => this.mem.receipt(id)));
      if (receipts.some((r) => !r || r.status === "pending") || !this.waiting.includes(w)) continue;
      this.waiting = this.waiting.filter((x) => x !== w);
      if (!w.mute) w.ws.send(JSON.stringify({ type: "submitted", docId: "d", ref: w.ref, results: w.results }));
    }
  }
}
