import type { StreamStore } from "./streams.js";

/**
 * Errors and input checking shared by the local Kinesis operations.
 *
 * Which code a bad input gets: a member of the wrong JSON type, a required member missing, a
 * stream name or ARN not matching its pattern, or a blob that is not base64 is a
 * ValidationException (AWS's answer to a request that breaks the API model); values that are
 * well formed but not acceptable (limits, sizes, iterator types, sequence numbers) are an
 * InvalidArgumentException, as the Kinesis API reference names them. The SDK raises either as
 * an exception of that name.
 */

export type KinesisErrorType =
  | "ExpiredIteratorException"
  | "InvalidArgumentException"
  | "LimitExceededException"
  | "ResourceInUseException"
  | "ResourceNotFoundException"
  | "UnknownOperationException"
  | "ValidationException";

/** A request-level error: answered as HTTP 400 `{"__type": type, "message": message}`. */
export class KinesisError extends Error {
  constructor(
    readonly type: KinesisErrorType,
    message: string,
  ) {
    super(message);
  }
}

/** The only account id of the local endpoint (it appears in ARNs and messages). */
export const ACCOUNT = "000000000000";

/** What an operation knows about its request besides the body. */
export interface RequestContext {
  /** From the SigV4 credential scope of the Authorization header, else us-east-1. */
  region: string;
  /** Epoch ms by the server's clock (the `now` option), whole. */
  now: number;
  /** Test hook: this many of the next PutRecords records fail (counted down as they do). */
  faults: { failPutRecords: number };
}

export type Input = Record<string, unknown>;

/** An operation: the parsed JSON body in, the JSON body of its success out; a refusal throws KinesisError. */
export type Operation = (store: StreamStore, input: Input, ctx: RequestContext) => unknown;

const invalid = (message: string) => new KinesisError("InvalidArgumentException", message);
const validation = (member: string, problem: string) => new KinesisError("ValidationException", `1 validation error detected: Value at '${member}' ${problem}`);

export function optString(input: Input, member: string): string | undefined {
  const v = input[member];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw validation(member, "must be a string");
  return v;
}

export function reqString(input: Input, member: string): string {
  const v = optString(input, member);
  if (v === undefined) throw validation(member, "failed to satisfy constraint: Member must not be null");
  return v;
}

/** An integer in min..max, or `fallback` when absent; out of range is an InvalidArgumentException. */
export function optInteger(input: Input, member: string, min: number, max: number, fallback: number): number;
export function optInteger(input: Input, member: string, min: number, max: number): number | undefined;
export function optInteger(input: Input, member: string, min: number, max: number, fallback?: number): number | undefined {
  const v = input[member];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v)) throw validation(member, "must be an integer");
  if (v < min || v > max) throw invalid(`${member} ${v} is out of range: it must be between ${min} and ${max}.`);
  return v;
}

/** A timestamp member (epoch seconds, fractional allowed) in epoch ms. */
export function optTimestampMs(input: Input, member: string): number | undefined {
  const v = input[member];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw validation(member, "must be a timestamp in epoch seconds");
  return v * 1000;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A required blob: the base64 text as sent and its decoded length in bytes. */
export function reqBlob(input: Input, member: string): { base64: string; bytes: number } {
  const v = reqString(input, member);
  if (!BASE64.test(v)) throw validation(member, "is not valid base64");
  return { base64: v, bytes: base64Bytes(v) };
}

/** Decoded length of canonical (padded) base64 text. */
export function base64Bytes(text: string): number {
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}

const NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
const ARN = /^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/([a-zA-Z0-9_.-]{1,128})$/;

export function streamArn(region: string, name: string): string {
  return `arn:aws:kinesis:${region}:${ACCOUNT}:stream/${name}`;
}

/** A stream name member checked against the API's pattern (1..128 of [a-zA-Z0-9_.-]). */
export function checkStreamName(name: string, member = "streamName"): string {
  if (!NAME.test(name)) throw validation(member, "failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have length 1..128");
  return name;
}

/**
 * The stream a request names, by StreamName or StreamARN (the ARN's region and account are not
 * checked: the local endpoint has one namespace for every region). Both given must agree.
 */
export function streamNameOf(input: Input): string {
  const name = optString(input, "StreamName");
  const arn = optString(input, "StreamARN");
  if (arn !== undefined) {
    const m = ARN.exec(arn);
    if (!m) throw validation("streamARN", "failed to satisfy constraint: Member must be a Kinesis stream ARN");
    if (name !== undefined && name !== m[1]) throw invalid(`StreamName ${name} and StreamARN ${arn} name different streams.`);
    return m[1];
  }
  if (name === undefined) throw invalid("Either StreamName or StreamARN must be provided.");
  return checkStreamName(name);
}

/** A continuation token: opaque base64 of a JSON object; anything else is an InvalidArgumentException. */
export function encodeToken(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString("base64");
}

export function decodeToken<T extends object>(token: string, what: string, valid: (v: Record<string, unknown>) => boolean): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, "base64").toString("utf8"));
  } catch {
    value = undefined;
  }
  if (typeof value !== "object" || value === null || !valid(value as Record<string, unknown>)) throw invalid(`Invalid ${what}.`);
  return value as T;
}
