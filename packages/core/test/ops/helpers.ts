import { expect } from "vitest";
import type { ErrorCode, WeftError } from "../../src/errors.js";
import type { Change } from "../../src/ops/types.js";
import { parseChangeBody } from "../../src/ops/validate-change.js";

/** A valid op of each type, seq/id filled in by `change`. */
export const SAMPLE_OPS: Record<string, Record<string, unknown>> = {
  insert: { type: "insert", pos: 0, text: "hello" },
  delete: { type: "delete", pos: 1, len: 2 },
  format: { type: "format", pos: 0, len: 3, attrs: { bold: true, color: "#f00", size: 12, link: null } },
  comment: { type: "comment", threadId: "t1", body: "looks good", mentions: ["u1", "u2"], anchor: { pos: 1, len: 2 } },
  reaction: { type: "reaction", threadId: "t1", commentId: "c1", emoji: "👍" },
  uncomment: { type: "uncomment", threadId: "t1", commentId: "c1" },
  task: { type: "task", taskId: "task-1", assignee: "u1", title: "Review", status: "open" },
  acl: { type: "acl", userId: "u2", role: "editor" },
};

/** A change body with ops numbered id `o1..`, seq `1..` unless the op says otherwise. */
export function change(ops: Array<Record<string, unknown>>, envelope: Record<string, unknown> = {}): string {
  return JSON.stringify({
    clientId: "client-1",
    base: 0,
    ops: ops.map((op, i) => ({ id: `o${i + 1}`, seq: i + 1, ...op })),
    ...envelope,
  });
}

/** Parses `body`, expecting a refusal with `code`; returns the error. */
export function refused(body: string | Uint8Array, code: ErrorCode): WeftError {
  const result = parseChangeBody(body);
  if (result.ok) throw new Error(`expected ${code}, but the change was accepted`);
  expect(result.error.code).toBe(code);
  expect(result.error.message.length).toBeGreaterThan(0);
  return result.error;
}

/** Parses `body`, expecting it to be accepted; returns the change. */
export function accepted(body: string | Uint8Array): Change {
  const result = parseChangeBody(body);
  if (!result.ok) throw new Error(`expected acceptance, got ${result.error.message}: ${JSON.stringify(result.error.details)}`);
  return result.change;
}
