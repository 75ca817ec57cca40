import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { ROOM_DEFLATE, WireBytes } from "../../src/rooms/wire-bytes.js";

/**
 * The room tier's socket settings and its billed-bytes meter, on a real `ws` server and real
 * clients over TCP: a client that offers permessage-deflate (every browser, `ws` by default)
 * gets a document's small, repetitive messages in a fraction of their bytes; one that does not
 * gets them whole; the meter counts what the socket moved either way.
 */
let server: Server | undefined;
afterEach(async () => {
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

const message = (seq: number) =>
  JSON.stringify({ type: "ops", docId: "docflow-3", entries: [{ seq, id: `c7f2-${seq}`, clientId: "c7f2", userId: "e3-1", serverTs: 1_765_000_000_000 + seq * 137, type: "insert", pos: 40 + seq, text: "e" }] });

async function exchange(clientDeflate: boolean, count: number): Promise<{ extensions: string; wireSent: number; jsonBytes: number; wireReceived: number; received: string[] }> {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: ROOM_DEFLATE });
  let wireSent = 0;
  let wireReceived = 0;
  server = createServer();
  server.on("upgrade", (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      const wire = new WireBytes(req.socket);
      ws.on("message", async () => {
        wireReceived += wire.received();
        for (let seq = 1; seq <= count; seq++) {
          await new Promise<void>((resolve, reject) => ws.send(message(seq), (err) => (err ? reject(err) : resolve())));
          wireSent += wire.sent();
        }
      });
    });
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  const client = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: clientDeflate });
  const received: string[] = [];
  await new Promise<void>((resolve, reject) => {
    client.on("open", () => client.send(JSON.stringify({ action: "subscribe", docId: "docflow-3" })));
    client.on("message", (d) => {
      received.push(d.toString());
      if (received.length === count) resolve();
    });
    client.on("error", reject);
  });
  const extensions = client.extensions;
  client.close();
  const jsonBytes = Array.from({ length: count }, (_, k) => Buffer.byteLength(message(k + 1))).reduce((a, b) => a + b, 0);
  return { extensions, wireSent, jsonBytes, wireReceived, received };
}

describe("room sockets: permessage-deflate and the billed bytes", () => {
  test("a client offering permessage-deflate gets the same messages in under half their bytes, and the meter counts the wire", async () => {
    const r = await exchange(true, 60);
    expect(r.extensions).toMatch(/^permessage-deflate/);
    expect(r.received).toEqual(Array.from({ length: 60 }, (_, k) => message(k + 1)));
    expect(r.wireSent).toBeGreaterThan(0);
    expect(r.wireSent).toBeLessThan(r.jsonBytes / 2);
    expect(r.wireReceived).toBeGreaterThan(0);
  });

  test("a client that does not offer it is served uncompressed, and metered at the frames' full size", async () => {
    const r = await exchange(false, 20);
    expect(r.extensions).toBe("");
    expect(r.received).toEqual(Array.from({ length: 20 }, (_, k) => message(k + 1)));
    // Every frame: the message plus a 2-byte header (payloads under 126 bytes take 2, longer 4).
    expect(r.wireSent).toBeGreaterThanOrEqual(r.jsonBytes + 2 * 20);
    expect(r.wireSent).toBeLessThanOrEqual(r.jsonBytes + 4 * 20);
  });
});
