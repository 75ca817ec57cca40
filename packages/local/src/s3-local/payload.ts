import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import * as zlib from "node:zlib";
import { S3Error } from "./s3-errors.js";

/**
 * The payload of a write: undoes `Content-Encoding: aws-chunked` and checks the checksums sent
 * with it.
 *
 * aws-chunked (what the SDK sends for a streamed body, `x-amz-content-sha256:
 * STREAMING-UNSIGNED-PAYLOAD-TRAILER` or a signed STREAMING-… variant) is
 * `hex-size[;chunk-signature=…]\r\n data \r\n` repeated, then `0[;…]\r\n`, trailer lines
 * `name:value\r\n` and a final `\r\n`. Only the data is kept; its length must equal
 * `x-amz-decoded-content-length` when that is sent. Chunk signatures are not checked.
 *
 * Checked, from a header or a trailer: `Content-MD5` (InvalidDigest when not 16 bytes of
 * base64, BadDigest on a mismatch), `x-amz-checksum-crc32` (when node's zlib.crc32 exists,
 * Node ≥ 20.15), `-sha1` and `-sha256` (BadDigest on a mismatch). `-crc32c` and `-crc64nvme`
 * are accepted unchecked.
 */

export interface Payload {
  data: Buffer;
  /** The content encodings the object keeps: Content-Encoding less `aws-chunked`, or undefined. */
  contentEncoding: string | undefined;
}

export function decodePayload(body: Buffer, headers: IncomingHttpHeaders): Payload {
  const encodings = (headers["content-encoding"] ?? "").split(",").map((e) => e.trim()).filter((e) => e !== "");
  const chunked = encodings.some((e) => e.toLowerCase() === "aws-chunked") || /^STREAMING-/.test(header(headers, "x-amz-content-sha256") ?? "");
  const kept = encodings.filter((e) => e.toLowerCase() !== "aws-chunked");
  let data = body;
  const checks: Record<string, string> = {};
  for (const name of Object.keys(headers)) if (CHECKED.has(name)) checks[name] = header(headers, name)!;
  if (chunked) {
    const decoded = decodeAwsChunked(body);
    data = decoded.data;
    Object.assign(checks, decoded.trailers);
    const declared = header(headers, "x-amz-decoded-content-length");
    if (declared !== undefined && Number(declared) !== data.length)
      throw new S3Error("IncompleteBody", 400, `x-amz-decoded-content-length is ${declared} but the decoded body has ${data.length} bytes.`);
  }
  verify(data, checks);
  return { data, contentEncoding: kept.length > 0 ? kept.join(", ") : undefined };
}

const CHECKED = new Set(["content-md5", "x-amz-checksum-crc32", "x-amz-checksum-crc32c", "x-amz-checksum-sha1", "x-amz-checksum-sha256", "x-amz-checksum-crc64nvme"]);

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(",") : v;
}

const bad = (message: string) => new S3Error("IncompleteBody", 400, `The aws-chunked body is malformed: ${message}.`);

export function decodeAwsChunked(body: Buffer): { data: Buffer; trailers: Record<string, string> } {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf("\r\n", at, "latin1");
    if (eol < 0) throw bad("a chunk header has no end");
    const sizeText = body.toString("latin1", at, eol).split(";")[0].trim();
    if (!/^[0-9a-fA-F]{1,12}$/.test(sizeText)) throw bad(`bad chunk size "${sizeText}"`);
    const size = parseInt(sizeText, 16);
    at = eol + 2;
    if (size === 0) break;
    if (at + size + 2 > body.length) throw bad("a chunk is cut short");
    parts.push(body.subarray(at, at + size));
    at += size;
    if (body.toString("latin1", at, at + 2) !== "\r\n") throw bad("a chunk does not end with CRLF");
    at += 2;
  }
  const trailers: Record<string, string> = {};
  for (const line of body.toString("latin1", at).split("\r\n")) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon < 0) throw bad(`bad trailer line "${line}"`);
    const name = line.slice(0, colon).trim().toLowerCase();
    if (CHECKED.has(name)) trailers[name] = line.slice(colon + 1).trim();
  }
  return { data: Buffer.concat(parts), trailers };
}

type Crc32 = (data: Buffer) => number;
const crc32 = (zlib as unknown as { crc32?: Crc32 }).crc32;

/** Whether `x-amz-checksum-crc32` is verified on this Node (zlib.crc32 needs Node ≥ 20.15). */
export const CRC32_VERIFIED = typeof crc32 === "function";

function verify(data: Buffer, checks: Record<string, string>): void {
  const md5 = checks["content-md5"];
  if (md5 !== undefined) {
    if (Buffer.from(md5, "base64").length !== 16) throw new S3Error("InvalidDigest", 400, "The Content-MD5 you specified was invalid.");
    if (createHash("md5").update(data).digest("base64") !== md5) throw new S3Error("BadDigest", 400, "The Content-MD5 you specified did not match what we received.");
  }
  const expect = (algorithm: string, actual: () => string) => {
    const sent = checks[`x-amz-checksum-${algorithm}`];
    if (sent !== undefined && sent !== actual())
      throw new S3Error("BadDigest", 400, `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`);
  };
  if (crc32) {
    expect("crc32", () => {
      const out = Buffer.alloc(4);
      out.writeUInt32BE(crc32(data) >>> 0);
      return out.toString("base64");
    });
  }
  expect("sha1", () => createHash("sha1").update(data).digest("base64"));
  expect("sha256", () => createHash("sha256").update(data).digest("base64"));
}
