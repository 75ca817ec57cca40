import { z } from "zod";
import { GROUP_ID_PATTERN, ID_PATTERN } from "../doc-ref.js";
import {
  ATTR_KEY_PATTERN,
  MAX_ATTR_STRING_CODE_POINTS,
  MAX_ATTRS,
  MAX_COMMENT_BODY_BYTES,
  MAX_EMOJI_CODE_POINTS,
  MAX_INT,
  MAX_MENTIONS,
  MAX_OPS_PER_CHANGE,
  MAX_TASK_TITLE_CODE_POINTS,
  MAX_TIMESTAMP_MS,
  TASK_STATUS_PATTERN,
} from "../limits.js";
import { codePointLength } from "./code-points.js";
import type { AclRole, Change, Op, OpType } from "./types.js";
import { utf8Length } from "../live/utf8.js";

/**
 * Zod schemas for ops and changes as clients send them. Every object is strict (unknown
 * keys are errors) and every issue message says what was expected and what arrived.
 * These check shape and field limits only; `parseChangeBody` (validate-change.ts) adds the
 * checks that need the whole body: sizes, lone surrogates, unique ids, consecutive seqs.
 */

/** Short description of a JSON value for error messages (never echoes long input). */
export function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return v.length <= 32 ? `the string ${JSON.stringify(v)}` : "a string";
  if (typeof v === "number") return String(v);
  return `${typeof v === "object" ? "an" : "a"} ${typeof v}`;
}

type ErrorFn = (issue: { input?: unknown }) => string;

/** An error message builder: "missing; expected X" or "expected X, got Y". */
function expected(what: string): ErrorFn {
  return (issue) =>
    issue.input === undefined ? `missing; expected ${what}` : `expected ${what}, got ${describeValue(issue.input)}`;
}

function int(min: number, max = MAX_INT) {
  const error = expected(`an integer ${min}..${max}`);
  return z.number({ error }).refine((v) => Number.isInteger(v) && v >= min && v <= max, { error });
}

const idSchema = (() => {
  const error = expected("an id matching [A-Za-z0-9_-]{1,64}");
  return z.string({ error }).regex(ID_PATTERN, { error });
})();

/** A string of `min..max` code points. */
function text(min: number, max: number, what = "text") {
  const error = expected(`${what} of ${min}..${max} code points`);
  return z.string({ error }).refine((s) => {
    const n = codePointLength(s);
    return n >= min && n <= max;
  }, { error });
}

const attrValueSchema = z.union(
  [
    text(0, MAX_ATTR_STRING_CODE_POINTS, "a string"),
    z.number({ error: expected("a finite number") }),
    z.boolean(),
    z.null(),
  ],
  {
    error: (issue) =>
      typeof issue.input === "object" && issue.input !== null
        ? "attr values must be flat: nested objects and arrays are not allowed (use a string, number, boolean or null)"
        : expected("a string, number, boolean or null")(issue),
  },
);

const attrsSchema = z
  .record(
    z.string().regex(ATTR_KEY_PATTERN, { error: "attr keys must match [A-Za-z0-9_:-]{1,64}" }),
    attrValueSchema,
    { error: expected("an object of attrs") },
  )
  .refine((a) => Object.keys(a).length >= 1 && Object.keys(a).length <= MAX_ATTRS, {
    error: `attrs must have 1..${MAX_ATTRS} keys`,
  });

const ACL_ROLES = ["owner", "editor", "commenter", "viewer", "none"] as const satisfies readonly AclRole[];

const common = {
  id: idSchema,
  seq: int(1),
  ts: z
    .number({ error: expected(`a timestamp 0..${MAX_TIMESTAMP_MS} (ms)`) })
    .refine((v) => v >= 0 && v <= MAX_TIMESTAMP_MS, { error: expected(`a timestamp 0..${MAX_TIMESTAMP_MS} (ms)`) })
    .optional(),
};

export const insertOpSchema = z.strictObject({
  ...common,
  type: z.literal("insert"),
  pos: int(0),
  text: z.string({ error: expected("non-empty text") }).min(1, { error: "text must not be empty" }),
});

export const deleteOpSchema = z.strictObject({ ...common, type: z.literal("delete"), pos: int(0), len: int(1) });

export const formatOpSchema = z.strictObject({
  ...common,
  type: z.literal("format"),
  pos: int(0),
  len: int(1),
  attrs: attrsSchema,
});

export const commentOpSchema = z.strictObject({
  ...common,
  type: z.literal("comment"),
  threadId: idSchema,
  body: z.string({ error: expected("comment text") }).refine(
    (s) => s.length > 0 && utf8Length(s) <= MAX_COMMENT_BODY_BYTES,
    { error: `body must be 1..${MAX_COMMENT_BODY_BYTES} UTF-8 bytes` },
  ),
  mentions: z
    .array(idSchema, { error: expected("an array of user ids") })
    .max(MAX_MENTIONS, { error: `at most ${MAX_MENTIONS} mentions` })
    .refine((m) => new Set(m).size === m.length, { error: "mentions must not repeat a user id" })
    .optional(),
  anchor: z.strictObject({ pos: int(0), len: int(0) }, { error: expected("an anchor {pos, len}") }).optional(),
});

export const reactionOpSchema = z.strictObject({
  ...common,
  type: z.literal("reaction"),
  threadId: idSchema,
  commentId: idSchema,
  emoji: text(1, MAX_EMOJI_CODE_POINTS, "an emoji"),
});

export const uncommentOpSchema = z.strictObject({
  ...common,
  type: z.literal("uncomment"),
  threadId: idSchema,
  commentId: idSchema,
});

export const taskOpSchema = z.strictObject({
  ...common,
  type: z.literal("task"),
  taskId: idSchema,
  assignee: idSchema,
  title: text(1, MAX_TASK_TITLE_CODE_POINTS, "a title"),
  status: z
    .string({ error: expected("a status matching [A-Za-z0-9_-]{1,32}") })
    .regex(TASK_STATUS_PATTERN, { error: expected("a status matching [A-Za-z0-9_-]{1,32}") })
    .optional(),
});


/** An acl op names exactly one target: `userId`, `groupId` or `everyone: true`. */
export const aclOpSchema = z
  .strictObject({
    ...common,
    type: z.literal("acl"),
    userId: idSchema.optional(),
    groupId: z
      .string({ error: expected("a group id matching [A-Za-z0-9_.:@-]{1,128}") })
      .regex(GROUP_ID_PATTERN, { error: expected("a group id matching [A-Za-z0-9_.:@-]{1,128}") })
      .optional(),
    everyone: z.literal(true, { error: expected("true") }).optional(),
    role: z.enum(ACL_ROLES, { error: expected(`one of ${ACL_ROLES.join(", ")}`) }),
  })
  .superRefine((op, ctx) => {
    const targets = [op.userId !== undefined, op.groupId !== undefined, op.everyone !== undefined].filter(Boolean).length;
    if (targets !== 1) {
      ctx.addIssue({
        code: "custom",
        path: ["userId"],
        message: `an acl op names exactly one target (userId, groupId or everyone: true); got ${targets}`,
      });
    }
  });

/** The schema for each op type: what `parseChangeBody` dispatches to once `type` is known. */
export const OP_SCHEMAS = {
  insert: insertOpSchema,
  delete: deleteOpSchema,
  format: formatOpSchema,
  comment: commentOpSchema,
  reaction: reactionOpSchema,
  uncomment: uncommentOpSchema,
  task: taskOpSchema,
  acl: aclOpSchema,
} satisfies Record<OpType, z.ZodType<Op>>;

/** Any one op, discriminated by `type`. */
export const opSchema = z.discriminatedUnion("type", [
  insertOpSchema,
  deleteOpSchema,
  formatOpSchema,
  commentOpSchema,
  reactionOpSchema,
  uncommentOpSchema,
  taskOpSchema,
  aclOpSchema,
]);

/** The change envelope with its ops left unchecked (parseChangeBody checks them one by one). */
export const changeEnvelopeSchema = z.strictObject(
  {
    clientId: idSchema,
    base: int(0),
    ops: z
      .array(z.unknown(), { error: expected("a non-empty array of ops") })
      .min(1, { error: "ops must not be empty" }),
  },
  { error: expected("a JSON object {clientId, base, ops}") },
);

/** A whole change, shape only (no size, surrogate, uniqueness or seq-order checks). */
export const changeSchema = changeEnvelopeSchema.extend({
  ops: z.array(opSchema).min(1).max(MAX_OPS_PER_CHANGE),
});

/** Compile-time proof that what the schemas accept is an `Op` / `Change`. */
type Assignable<Want, T extends Want> = T;
export type ParsedOp = Assignable<Op, z.infer<typeof opSchema>>;
export type ParsedChange = Assignable<Change, z.infer<typeof changeSchema>>;
