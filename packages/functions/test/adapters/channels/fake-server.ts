import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface HttpFake {
  url: string;
  requests: RecordedRequest[];
  /** Replies used (first in, first out) before `respond` is asked. */
  queued: Reply[];
  close(): Promise<void>;
}

/** A provider stand-in on 127.0.0.1:0 that records every request and answers from a queue, then `respond`. */
export async function startHttpFake(respond: (req: RecordedRequest) => Reply | Promise<Reply>): Promise<HttpFake> {
  const requests: RecordedRequest[] = [];
  const queued: Reply[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const recorded = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) };
      requests.push(recorded);
      try {
        const reply = queued.shift() ?? (await respond(recorded));
        res.writeHead(reply.status, reply.headers ?? {});
        res.end(reply.body ?? "");
      } catch (err) {
        res.writeHead(599);
        res.end(String(err));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    queued,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A base URL nothing listens on (the port of a server that was just closed). */
export async function deadUrl(): Promise<string> {
  const fake = await startHttpFake(() => ({ status: 200 }));
  await fake.close();
  return fake.url;
}
