import { createServer as createHttp1Server, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";

/**
 * One plain-TCP port that speaks both HTTP/1.1 and HTTP/2 without TLS ("h2c" with prior
 * knowledge). The real `@aws-sdk/client-kinesis` sends with its HTTP/2 request handler by
 * default (on AWS too), so a local endpoint that only spoke HTTP/1.1 would fail it with a
 * protocol error; other clients (curl, fetch, an SDK configured with the HTTP/1 handler) speak
 * HTTP/1.1. Each new connection is sniffed: one that opens with the HTTP/2 connection preface
 * goes to a node:http2 server, any other to a node:http server, with the bytes read so far put
 * back in front of the socket. Both call the same handler through node's compatibility API.
 *
 * close() stops listening and destroys every open connection at once (keep-alive HTTP/1
 * sockets and HTTP/2 sessions alike), so a stop is never held up by an idle client.
 */

export type AnyRequest = IncomingMessage | Http2ServerRequest;
export type AnyResponse = ServerResponse | Http2ServerResponse;
export type Handler = (req: AnyRequest, res: AnyResponse) => void;

export interface DualProtocolServer {
  port: number;
  close(): Promise<void>;
}

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

export function listenDualProtocol(handler: Handler, port: number, host: string): Promise<DualProtocolServer> {
  const http1 = createHttp1Server(handler);
  // Room for a few 16 MiB request bodies in flight on one session (the default is 10 MB).
  const http2 = createHttp2Server({ maxSessionMemory: 100 }, handler);
  const sockets = new Set<Socket>();

  const front = createNetServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    let seen: Buffer = Buffer.alloc(0);
    const sniff = (chunk: Buffer) => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, PREFACE.length);
      const h2 = seen.subarray(0, n).equals(PREFACE.subarray(0, n));
      if (h2 && seen.length < PREFACE.length) return; // not decided yet
      socket.off("data", sniff);
      socket.pause();
      socket.unshift(seen);
      (h2 ? http2 : http1).emit("connection", socket);
      process.nextTick(() => socket.resume());
    };
    socket.on("data", sniff);
  });

  return new Promise((resolve, reject) => {
    front.once("error", reject);
    front.listen(port, host, () => {
      front.off("error", reject);
      resolve({
        port: (front.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            front.close(() => done());
            for (const socket of sockets) socket.destroy();
          }),
      });
    });
  });
}
