import {
  ACL_ROLES,
  ATTR_KEY_PATTERN,
  hasLoneSurrogate,
  GROUP_ID_PATTERN,
  ID_PATTERN,
  MAX_ATTR_STRING_CODE_POINTS,
  MAX_ATTRS,
  MAX_COMMENT_BODY_BYTES,
  MAX_MENTIONS,
  MAX_OP_BYTES,
  WeftError,
  codePointLength,
} from "../core.js";
import type { AclRole, Attrs, CanonicalOp, ErrorDetail } from "@weft/core";
import { utf8Length as utf8Bytes } from "@weft/core/live/utf8";

/**
 * Builds the canonical ops of the document methods, checked against the local view, so an op
 * the HTTP API would refuse never enters the outbox (one refused op would sink its whole
 * change). Every refusal is a WeftError with code `invalid_request` naming the argument.
 * The checks mirror core's op schemas (ops/schema.ts) and limits (limits.ts).
 */

/** Code points per insert op: at most 6 bytes each in JSON (`\u0001`), so an op stays far under MAX_OP_BYTES. */
const INSERT_CHUNK = 2000;

function bad(path: string, issue: string): never {
  throw new WeftError("invalid_request", `${path}: ${issue}`, [{ path, issue } satisfies ErrorDetail]);
}

function checkCount(path: string, n: unknown, min = 0): asserts n is number {
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < min) bad(path, `expected an integer >= ${min}, got ${String(n)}`);
}

function checkRange(what: string, pos: unknown, len: unknown, docLen: number): void {
  checkCount(`${what}.pos`, pos);
  checkCount(`${what}.len`, len);
  if ((pos as number) + (len as number) > docLen) {
    bad(what, `${pos}..${(pos as number) + (len as number)} is beyond the document end (${docLen} code points)`);
  }
}

function checkText(path: string, s: unknown): asserts s is string {
  if (typeof s !== "string") bad(path, `expected a string, got ${typeof s}`);
  if (hasLoneSurrogate(s)) bad(path, "contains a lone UTF-16 surrogate (not valid Unicode text)");
}

/** Insert ops for `text` at `pos`: none for empty text, several for text longer than one op may carry. */
export function insertOps(pos: unknown, text: unknown, docLen: number): CanonicalOp[] {
  checkCount("insert.pos", pos);
  if (pos > docLen) bad("insert.pos", `${pos} is beyond the document end (${docLen} code points)`);
  checkText("insert.text", text);
  const cps = Array.from(text);
  const out: CanonicalOp[] = [];
  for (let i = 0; i < cps.length; i += INSERT_CHUNK) {
    out.push({ type: "insert", pos: pos + i, text: cps.slice(i, i + INSERT_CHUNK).join("") });
  }
  return out;
}

export function deleteOps(pos: unknown, len: unknown, docLen: number): CanonicalOp[] {
  checkRange("delete", pos, len, docLen);
  return len === 0 ? [] : [{ type: "delete", pos: pos as number, len: len as number }];
}

export function formatOps(pos: unknown, len: unknown, attrs: unknown, docLen: number): CanonicalOp[] {
  checkRange("format", pos, len, docLen);
  checkAttrs(attrs);
  return len === 0 ? [] : [{ type: "format", pos: pos as number, len: len as number, attrs }];
}

function checkAttrs(attrs: unknown): asserts attrs is Attrs {
  if (typeof attrs !== "object" || attrs === null || Array.isArray(attrs)) bad("format.attrs", "expected an object of attrs");
  const keys = Object.keys(attrs);
  if (keys.length < 1 || keys.length > MAX_ATTRS) bad("format.attrs", `must have 1..${MAX_ATTRS} keys, got ${keys.length}`);
  for (const k of keys) {
    if (!ATTR_KEY_PATTERN.test(k) || k === "__proto__") bad(`format.attrs.${k}`, "attr keys must match [A-Za-z0-9_:-]{1,64}");
    const v = (attrs as Record<string, unknown>)[k];
    if (typeof v === "string") {
      checkText(`format.attrs.${k}`, v);
      if (codePointLength(v) > MAX_ATTR_STRING_CODE_POINTS) bad(`format.attrs.${k}`, `longer than ${MAX_ATTR_STRING_CODE_POINTS} code points`);
    } else if (!(v === null || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v)))) {
      bad(`format.attrs.${k}`, "expected a string, finite number, boolean or null (attr values are flat)");
    }
  }
}

export interface CommentOptions {
  anchor?: { pos: number; len: number };
  mentions?: string[];
}

export function commentOp(threadId: unknown, body: unknown, opts: CommentOptions | undefined, docLen: number): CanonicalOp {
  if (typeof threadId !== "string" || !ID_PATTERN.test(threadId)) bad("comment.threadId", "expected an id matching [A-Za-z0-9_-]{1,64}");
  checkText("comment.body", body);
  const bytes = utf8Bytes(body);
  if (bytes < 1 || bytes > MAX_COMMENT_BODY_BYTES) bad("comment.body", `must be 1..${MAX_COMMENT_BODY_BYTES} UTF-8 bytes, got ${bytes}`);
  const op: CanonicalOp = { type: "comment", threadId, body };
  if (opts?.anchor !== undefined) {
    checkRange("comment.anchor", opts.anchor?.pos, opts.anchor?.len, docLen);
    op.anchor = { pos: opts.anchor.pos, len: opts.anchor.len };
  }
  if (opts?.mentions !== undefined) {
    const m = opts.mentions;
    if (!Array.isArray(m) || m.length > MAX_MENTIONS) bad("comment.mentions", `expected an array of at most ${MAX_MENTIONS} user ids`);
    for (const u of m) if (typeof u !== "string" || !ID_PATTERN.test(u)) bad("comment.mentions", `${String(u)} is not a user id ([A-Za-z0-9_-]{1,64})`);
    if (new Set(m).size !== m.length) bad("comment.mentions", "must not repeat a user id");
    op.mentions = [...m];
  }
  const size = utf8Bytes(JSON.stringify({ id: "x".repeat(64), seq: 2 ** 31, ts: Date.now(), ...op }));
  if (size > MAX_OP_BYTES) bad("comment", `the op would be ${size} bytes of JSON; at most ${MAX_OP_BYTES}`);
  return op;
}

/** A comment deletion: ids checked like the HTTP API checks them (who may delete is the server's call). */
export function uncommentOp(threadId: unknown, commentId: unknown): CanonicalOp {
  if (typeof threadId !== "string" || !ID_PATTERN.test(threadId)) bad("uncomment.threadId", "expected an id matching [A-Za-z0-9_-]{1,64}");
  if (typeof commentId !== "string" || !ID_PATTERN.test(commentId)) bad("uncomment.commentId", "expected an id matching [A-Za-z0-9_-]{1,64}");
  return { type: "uncomment", threadId, commentId };
}

/** Whom `doc.share` gives a role: a user id, a group (matched against tokens' `groups` claim) or everyone in the tenant. */
export type ShareTarget = string | { userId: string } | { groupId: string } | { everyone: true };

/**
 * The acl op of `doc.share`. User ids are checked like the HTTP API checks them; a group id
 * only for being a non-empty string without whitespace (the API's exact pattern lives with its
 * zod schemas, which the SDK does not bundle: a group id it refuses comes back as a rejection).
 */
export function aclOp(target: unknown, role: unknown): CanonicalOp {
  if (typeof role !== "string" || !(ACL_ROLES as readonly string[]).includes(role)) bad("share.role", `expected one of ${ACL_ROLES.join(", ")}`);
  const t = typeof target === "string" ? { userId: target } : target;
  if (!t || typeof t !== "object" || Array.isArray(t)) bad("share.target", "expected a user id, {groupId} or {everyone: true}");
  const keys = Object.keys(t);
  if (keys.length !== 1) bad("share.target", `names exactly one of userId, groupId, everyone; got ${keys.join(", ") || "none"}`);
  const r = role as AclRole;
  const v = (t as Record<string, unknown>)[keys[0]];
  switch (keys[0]) {
    case "userId":
      if (typeof v !== "string" || !ID_PATTERN.test(v)) bad("share.userId", "expected a user id matching [A-Za-z0-9_-]{1,64}");
      return { type: "acl", role: r, userId: v };
    case "groupId":
      if (typeof v !== "string" || !GROUP_ID_PATTERN.test(v)) bad("share.groupId", "expected a group id matching [A-Za-z0-9_.:@-]{1,128}");
      return { type: "acl", role: r, groupId: v };
    case "everyone":
      if (v !== true) bad("share.everyone", "expected true");
      return { type: "acl", role: r, everyone: true };
    default:
      return bad("share.target", `unknown target ${keys[0]}: expected userId, groupId or everyone`);
  }
}
