import { describe, expect, it } from "vitest";
import type { Gateway } from "../../src/ports/gateway.js";

export interface GatewayHarness {
  gateway: Gateway;
  /** Opens a live connection and returns its id. */
  connect(): Promise<string>;
  /** What the connection has received so far, in order. */
  received(connectionId: string): Promise<string[]>;
  /** Makes the connection go away from the client side (network drop, tab closed). */
  drop(connectionId: string): Promise<void>;
}

/** Gateway contract suite. */
export function runGatewayConformance(name: string, factory: () => Promise<GatewayHarness>): void {
  describe(`Gateway conformance: ${name}`, () => {
    it("post delivers to a live connection, in order, and returns ok", async () => {
      const h = await factory();
      const id = await h.connect();
      const other = await h.connect();
      expect(await h.gateway.post(id, '{"seq":1,"text":"héllo 👋"}')).toBe("ok");
      expect(await h.gateway.post(id, "second")).toBe("ok");
      expect(await h.received(id)).toEqual(['{"seq":1,"text":"héllo 👋"}', "second"]);
      expect(await h.received(other)).toEqual([]);
    });

    it("post to a connection that went away returns gone and never throws", async () => {
      const h = await factory();
      const id = await h.connect();
      await h.drop(id);
      expect(await h.gateway.post(id, "x")).toBe("gone");
      expect(await h.gateway.post(id, "x")).toBe("gone");
    });

    it("close ends a live connection; then post and close return gone", async () => {
      const h = await factory();
      const id = await h.connect();
      expect(await h.gateway.close(id)).toBe("ok");
      expect(await h.gateway.post(id, "late")).toBe("gone");
      expect(await h.gateway.close(id)).toBe("gone");
      expect(await h.received(id)).toEqual([]);
    });

    it("close of a connection that went away returns gone", async () => {
      const h = await factory();
      const id = await h.connect();
      await h.drop(id);
      expect(await h.gateway.close(id)).toBe("gone");
    });
  });
}
