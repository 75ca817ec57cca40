import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { LOCAL_ACCOUNT } from "./lambda.js";

/**
 * API Gateway HTTP API's Lambda proxy contract, payload format 2.0: the event a function
 * receives for a request, and how its result becomes the HTTP response.
 */

export interface HttpRequestParts {
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  pathParameters?: Record<string, string>;
  /** The request body; undefined when there is none. */
  body?: Buffer;
  requestId: string;
  /** Epoch ms the request arrived. */
  at: number;
}

/** Content types API Gateway passes as text; every other body arrives base64-encoded. */
const TEXTUAL = /^\s*(text\/|application\/(json|xml|javascript)\b|application\/[\w.-]+\+(json|xml)\b)/i;

export function httpEvent(req: IncomingMessage, p: HttpRequestParts): APIGatewayProxyEventV2 {
  const sourceIp = (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, "");
  const { headers, cookies } = headersOf(req.rawHeaders);
  headers["x-forwarded-for"] = headers["x-forwarded-for"] ? `${headers["x-forwarded-for"]}, ${sourceIp}` : sourceIp;
  headers["x-forwarded-proto"] ??= "http";
  headers["x-forwarded-port"] ??= String(req.socket.localPort ?? "");
  headers["x-amzn-trace-id"] ??= `Root=1-${Math.floor(p.at / 1000).toString(16)}-${randomBytes(12).toString("hex")}`;
  const domainName = hostname(headers.host);
  const query = queryOf(p.rawQueryString);
  const textual = TEXTUAL.test(headers["content-type"] ?? "");
  return {
    version: "2.0",
    routeKey: p.routeKey,
    rawPath: p.rawPath,
    rawQueryString: p.rawQueryString,
    ...(cookies.length > 0 && { cookies }),
    headers,
    ...(query && { queryStringParameters: query }),
    ...(p.pathParameters && { pathParameters: p.pathParameters }),
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: "local",
      domainName,
      domainPrefix: domainName.split(".")[0],
      http: {
        method: req.method ?? "GET",
        path: p.rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp,
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: p.requestId,
      routeKey: p.routeKey,
      stage: "$default",
      time: clfTime(new Date(p.at)),
      timeEpoch: p.at,
    },
    ...(p.body && p.body.length > 0 && { body: p.body.toString(textual ? "utf8" : "base64") }),
    isBase64Encoded: Boolean(p.body && p.body.length > 0 && !textual),
  };
}

/** Headers lower-cased, repeats joined with commas; Cookie headers become the `cookies` list. */
function headersOf(raw: string[]): { headers: Record<string, string>; cookies: string[] } {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const value = raw[i + 1];
    if (name === "cookie") cookies.push(...value.split(";").map((c) => c.trim()).filter(Boolean));
    else headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return { headers, cookies };
}

/** Decoded query parameters, repeated keys joined with commas; undefined when there are none. */
function queryOf(raw: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const part of raw.split("&")) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const key = decode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? "" : decode(part.slice(eq + 1));
    out[key] = key in out ? `${out[key]},${value}` : value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replaceAll("+", " "));
  } catch {
    return s;
  }
}

function hostname(host: string | undefined): string {
  try {
    return new URL(`http://${host ?? "localhost"}`).hostname;
  } catch {
    return "localhost";
  }
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "21/Nov/2026:00:18:44 +0000", API Gateway's requestContext.time format. */
export function clfTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

type StructuredResult = APIGatewayProxyStructuredResultV2 & { multiValueHeaders?: Record<string, unknown> };

/**
 * A function result as API Gateway turns it into a response. A result without `statusCode`
 * is inferred: 200, JSON content type, the string itself or else the JSON of the result.
 * A structured result needs a valid status code and a string body (else API Gateway answers
 * 500, and this throws); `cookies` become Set-Cookie headers, a base64 body is decoded.
 */
export function httpResponse(result: unknown): HttpResponse {
  if (result === null || typeof result !== "object" || !("statusCode" in result)) {
    const body = typeof result === "string" ? result : JSON.stringify(result);
    return { statusCode: 200, headers: { "content-type": "application/json" }, body: Buffer.from(body) };
  }
  const r = result as StructuredResult;
  if (!Number.isInteger(r.statusCode) || r.statusCode! < 100 || r.statusCode! > 599) {
    throw new Error(`invalid response: statusCode ${JSON.stringify(r.statusCode)}`);
  }
  if (r.body !== undefined && r.body !== null && typeof r.body !== "string") throw new Error("invalid response: body must be a string");
  const headers: Record<string, string[]> = {};
  const add = (name: string, values: unknown[]) => {
    for (const v of values) {
      if (!["string", "number", "boolean"].includes(typeof v)) throw new Error(`invalid response: header ${name} is not a string`);
      (headers[name.toLowerCase()] ??= []).push(String(v));
    }
  };
  for (const [name, v] of Object.entries(r.headers ?? {})) add(name, [v]);
  for (const [name, vs] of Object.entries(r.multiValueHeaders ?? {})) add(name, Array.isArray(vs) ? vs : [vs]);
  if (r.cookies?.length) add("set-cookie", r.cookies);
  const body = Buffer.from(r.body ?? "", r.isBase64Encoded ? "base64" : "utf8");
  return { statusCode: r.statusCode!, headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.length === 1 ? v[0] : v])), body };
}
