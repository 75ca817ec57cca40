import type { z } from "zod";
import { ID_PATTERN } from "../doc-ref.js";
import { type ErrorCode, type ErrorDetail, WeftError } from "../errors.js";
import { MAX_BODY_BYTES, MAX_JSON_DEPTH, MAX_OP_BYTES, MAX_OPS_PER_CHANGE } from "../limits.js";
import { formatPath, type JsonPath, scanJson, shorten } from "./json-scan.js";
import { changeEnvelopeSchema, describeValue, OP_SCHEMAS } from "./schema.js";
import { type Change, type Op, OP_TYPES, type OpType } from "./types.js";
import { utf8Length } from "../live/utf8.js";

export type ParseChangeResult = { ok: true; change: Change; skewedCount?: never } | { ok: false; error: WeftError };

/**
 * Validates the body of POST /v1/docs/{docId}/ops: `{"clientId", "base", "ops": [Op, ...]}`.
 *
 * Refusals, in the order they are checked:
 * - body over MAX_BODY_BYTES (measured before parsing) -> `payload_too_large`;
 * - not UTF-8, not JSON, or nested deeper than MAX_JSON_DEPTH -> `invalid_request`;
 * - more than MAX_OPS_PER_CHANGE ops, or any op whose JSON exceeds MAX_OP_BYTES -> `payload_too_large`
 *   (details name every oversized op);
 * - everything else -> `invalid_request` with one detail per problem, for every problem found:
 *   envelope fields, each op's fields (see schema.ts), lone UTF-16 surrogates and `__proto__`
 *   keys anywhere, op ids repeated within the change, seqs that are not consecutive ascending.
 *
 * Detail paths run from the body root (`clientId`, `ops[3].attrs.color`); details about an
 * op also carry its `index` and, when it has a valid one, its `id`. Never throws.
 */
export function parseChangeBody(body: string | Uint8Array): ParseChangeResult {
  const size = typeof body === "string" ? utf8Length(body) : body.byteLength;
  if (size > MAX_BODY_BYTES) {
    return fail("payload_too_large", `body is ${size} bytes; the limit is ${MAX_BODY_BYTES}`);
  }
  const parsed = parseJson(body);
  if (!parsed.ok) return parsed;
  const json = parsed.value;

  const scan = scanJson(json);
  if (scan.tooDeep) {
    const path = formatPath(scan.tooDeep);
    return fail("invalid_request", `body nests deeper than ${MAX_JSON_DEPTH} levels`, [
      { path, issue: `nested deeper than ${MAX_JSON_DEPTH} levels` },
    ]);
  }
  const rawOps = isRecord(json) && Array.isArray(json.ops) ? json.ops : [];
  if (rawOps.length > MAX_OPS_PER_CHANGE) {
    return fail("payload_too_large", `change has ${rawOps.length} ops; the limit is ${MAX_OPS_PER_CHANGE}`, [
      { path: "ops", issue: `${rawOps.length} ops; at most ${MAX_OPS_PER_CHANGE} allowed` },
    ]);
  }
  const oversized = oversizedOps(rawOps);
  if (oversized.length > 0) {
    return fail("payload_too_large", `${oversized.length} op(s) exceed ${MAX_OP_BYTES} bytes of JSON`, oversized);
  }

  const details: ErrorDetail[] = scan.problems.map((p) => detailAt(p.path, p.issue, rawOps));
  const envelope = changeEnvelopeSchema.safeParse(json);
  if (!envelope.success) details.push(...zodDetails(envelope.error.issues, [], rawOps));
  const ops: Op[] = [];
  rawOps.forEach((raw, index) => {
    const op = validateOp(raw, index, details, rawOps);
    if (op) ops.push(op);
  });
  details.push(...crossOpDetails(rawOps));

  if (details.length > 0 || !envelope.success) {
    const sorted = sortDetails(details);
    const first = sorted[0];
    const more = sorted.length > 1 ? ` (and ${sorted.length - 1} more; see details)` : "";
    return fail("invalid_request", `invalid change: ${first.path}: ${first.issue}${more}`, sorted);
  }
  return { ok: true, change: { clientId: envelope.data.clientId, base: envelope.data.base, ops } };
}

function fail(code: ErrorCode, message: string, details: ErrorDetail[] = []): { ok: false; error: WeftError } {
  return { ok: false, error: new WeftError(code, message, details) };
}

function parseJson(body: string | Uint8Array): { ok: true; value: unknown } | { ok: false; error: WeftError } {
  let text: string;
  try {
    text = typeof body === "string" ? body : new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    return fail("invalid_request", "body is not valid UTF-8");
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    // V8 parses iteratively today, but a RangeError (stack or memory) must never escape.
    if (err instanceof RangeError) return fail("invalid_request", "body is nested too deeply to parse");
    return fail("invalid_request", `body is not valid JSON: ${(err as Error).message}`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** An op's id when it is a valid one (so details never echo junk). */
function validIdOf(op: unknown): string | undefined {
  return isRecord(op) && typeof op.id === "string" && ID_PATTERN.test(op.id) ? op.id : undefined;
}

/** A detail for `path`, with `index`/`id` when the path is inside an op. */
function detailAt(path: JsonPath, issue: string, rawOps: unknown[]): ErrorDetail {
  if (path[0] === "ops" && typeof path[1] === "number") {
    const id = validIdOf(rawOps[path[1]]);
    return { index: path[1], ...(id !== undefined ? { id } : {}), path: formatPath(path), issue };
  }
  return { path: formatPath(path), issue };
}

function zodDetails(issues: z.core.$ZodIssue[], prefix: JsonPath, rawOps: unknown[]): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out.push(detailAt([...path, key], "unknown key", rawOps));
    } else if (issue.code === "invalid_key") {
      out.push(detailAt(path, issue.issues[0]?.message ?? issue.message, rawOps));
    } else {
      out.push(detailAt(path, issue.message, rawOps));
    }
  }
  return out;
}

function oversizedOps(rawOps: unknown[]): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  rawOps.forEach((op, index) => {
    const bytes = utf8Length(JSON.stringify(op) ?? "");
    if (bytes > MAX_OP_BYTES) {
      out.push(detailAt(["ops", index], `op is ${bytes} bytes of JSON; at most ${MAX_OP_BYTES} allowed`, rawOps));
    }
  });
  return out;
}

const TYPE_LIST = OP_TYPES.join(", ");

/** Validates one op, appending its problems to `details`; returns the parsed op when it is valid. */
function validateOp(raw: unknown, index: number, details: ErrorDetail[], rawOps: unknown[]): Op | undefined {
  if (!isRecord(raw)) {
    details.push(detailAt(["ops", index], `expected an op object, got ${describeValue(raw)}`, rawOps));
    return undefined;
  }
  const type = raw.type;
  if (typeof type !== "string" || !(OP_TYPES as readonly string[]).includes(type)) {
    const issue =
      type === undefined
        ? `missing op type; expected one of ${TYPE_LIST}`
        : `unknown op type ${typeof type === "string" ? `'${shorten(type)}'` : describeValue(type)}; expected one of ${TYPE_LIST}`;
    details.push(detailAt(["ops", index, "type"], issue, rawOps));
    return undefined;
  }
  const result = OP_SCHEMAS[type as OpType].safeParse(raw);
  if (result.success) return result.data;
  details.push(...zodDetails(result.error.issues, ["ops", index], rawOps));
  return undefined;
}

/** Ids repeated within the change, and seqs that do not go up by exactly one per op. */
function crossOpDetails(rawOps: unknown[]): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  const firstIndexOf = new Map<string, number>();
  let prevSeq: number | undefined;
  rawOps.forEach((op, index) => {
    const id = validIdOf(op);
    if (id !== undefined) {
      const first = firstIndexOf.get(id);
      if (first === undefined) firstIndexOf.set(id, index);
      else out.push(detailAt(["ops", index, "id"], `duplicate op id '${id}' (also at index ${first})`, rawOps));
    }
    const seq = isRecord(op) && Number.isSafeInteger(op.seq) && (op.seq as number) >= 1 ? (op.seq as number) : undefined;
    if (seq !== undefined && prevSeq !== undefined && seq !== prevSeq + 1) {
      out.push(
        detailAt(["ops", index, "seq"], `expected seq ${prevSeq + 1} (previous op's seq + 1), got ${seq}`, rawOps),
      );
    }
    prevSeq = seq;
  });
  return out;
}

/** Envelope details first, then by op index; stable otherwise. */
function sortDetails(details: ErrorDetail[]): ErrorDetail[] {
  return details
    .map((d, i) => ({ d, i }))
    .sort((a, b) => (a.d.index ?? -1) - (b.d.index ?? -1) || a.i - b.i)
    .map(({ d }) => d);
}
