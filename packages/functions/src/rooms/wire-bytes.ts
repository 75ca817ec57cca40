import type { Socket } from "node:net";
import type { PerMessageDeflateOptions } from "ws";

/**
 * permessage-deflate (RFC 7692) on the room tier's sockets. Every browser offers it, and so do
 * the `ws` clients of Node. A document's messages are small JSON with the same keys over and
 * over (`{"type":"ops","docId":...,"entries":[{"seq":...`), which a compressor that keeps its
 * window across the connection's messages (context takeover) sends in a fraction of the bytes;
 * data out and the load balancer's bytes are billed per byte (docs/rooms.md, "Costs").
 *
 * Bounded per connection: a 2 KiB window and memLevel 4 keep each socket's zlib state near
 * 16 KiB for deflate and 2 KiB + 7 KiB for inflate (zlib's own formulas), instead of the
 * ~300 KiB of the defaults, so a task's memory still follows its connection count. Level 1:
 * on messages this small the ratio hardly changes with the level, the CPU does. Messages of
 * any size are compressed (the `ws` default threshold of 1 KiB would skip nearly all of them).
 */
export const ROOM_DEFLATE: PerMessageDeflateOptions = {
  serverMaxWindowBits: 11,
  clientMaxWindowBits: 11,
  zlibDeflateOptions: { level: 1, memLevel: 4 },
  threshold: 0,
  concurrencyLimit: 8,
};

/**
 * Bytes a connection's socket moved since the last call, as billed: frames as sent
 * (compressed, headers included) and as received. Reads the TCP socket's counters, so bytes
 * of concurrent sends are each counted once, by whichever call comes first.
 */
export class WireBytes {
  private written: number;
  private read: number;

  constructor(private readonly socket: Socket) {
    this.written = socket.bytesWritten;
    this.read = socket.bytesRead;
  }

  sent(): number {
    const now = this.socket.bytesWritten;
    const delta = now - this.written;
    this.written = now;
    return delta;
  }

  received(): number {
    const now = this.socket.bytesRead;
    const delta = now - this.read;
    this.read = now;
    return delta;
  }
}
