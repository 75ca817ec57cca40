import fc from "fast-check";
import type { Attrs, LogEntry, Range } from "../../src/ops/types.js";

/**
 * Random but valid logs for property tests. Intents carry fractions that `buildLog` turns
 * into positions fitting the document length at that point, so every generated log applies.
 */
export const CHARS = ["a", "b", "c", " ", "é", "😀", "𝄞", "\n"];

export type Intent =
  | { k: "insert"; at: number; text: string }
  | { k: "delete"; at: number; size: number; split: boolean }
  | { k: "format"; at: number; size: number; split: boolean; attrs: Attrs }
  | { k: "comment"; thread: number; at: number; size: number; anchored: boolean }
  | { k: "reaction"; thread: number; comment: number; emoji: string; user: number }
  | { k: "uncomment"; thread: number; comment: number; user: number; otherThread: boolean }
  | { k: "task"; task: number; status?: string }
  | { k: "acl"; user: number; role: "owner" | "editor" | "viewer" | "none"; target?: "user" | "group" | "everyone" };

const frac = fc.double({ min: 0, max: 1, noNaN: true });
const arbAttrs: fc.Arbitrary<Attrs> = fc.dictionary(
  fc.constantFrom("bold", "italic", "color", "link:href"),
  fc.constantFrom<Attrs[string]>(true, false, null, "red", 3),
  { minKeys: 1, maxKeys: 3 },
);

export const arbIntent: fc.Arbitrary<Intent> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant("insert" as const), at: frac, text: fc.array(fc.constantFrom(...CHARS), { minLength: 1, maxLength: 12 }).map((a) => a.join("")) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("delete" as const), at: frac, size: frac, split: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("format" as const), at: frac, size: frac, split: fc.boolean(), attrs: arbAttrs }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("comment" as const), thread: fc.nat(2), at: frac, size: frac, anchored: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("reaction" as const), thread: fc.nat(2), comment: fc.nat(3), emoji: fc.constantFrom("👍", "🎉"), user: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("uncomment" as const), thread: fc.nat(2), comment: fc.nat(3), user: fc.nat(2), otherThread: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("task" as const), task: fc.nat(2), status: fc.option(fc.constantFrom("open", "done"), { nil: undefined }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("acl" as const),
      user: fc.nat(2),
      role: fc.constantFrom("owner" as const, "editor" as const, "viewer" as const, "none" as const),
      target: fc.constantFrom("user" as const, "user" as const, "group" as const, "everyone" as const),
    }),
  },
);

const cpLen = (s: string) => Array.from(s).length;

/** Entries seq 1.. for `intents`; `ranges` pieces for split deletes/formats. */
export function buildLog(intents: Intent[]): LogEntry[] {
  let len = 0;
  const commentIds: string[][] = [[], [], []];
  const out: LogEntry[] = [];
  intents.forEach((it, i) => {
    const seq = i + 1;
    const env = { seq, id: `op${seq}`, clientId: "c1", clientSeq: seq, userId: `u${seq % 3}`, serverTs: 1000 + seq };
    const span = (at: number, size: number) => {
      const pos = Math.min(len, Math.floor(at * (len + 1)));
      return { pos, len: Math.floor(size * (len - pos + 1)) === len - pos + 1 ? len - pos : Math.floor(size * (len - pos + 1)) };
    };
    const pieces = (r: Range, split: boolean): Range[] | undefined =>
      split && r.len >= 3 ? [{ pos: r.pos, len: 1 }, { pos: r.pos + 2, len: r.len - 2 }] : undefined;
    switch (it.k) {
      case "insert": {
        const pos = Math.min(len, Math.floor(it.at * (len + 1)));
        out.push({ ...env, type: "insert", pos, text: it.text });
        len += cpLen(it.text);
        break;
      }
      case "delete": {
        const r = span(it.at, it.size);
        const ranges = pieces(r, it.split);
        out.push(ranges ? { ...env, type: "delete", ...r, ranges } : { ...env, type: "delete", ...r });
        len -= ranges ? r.len - 1 : r.len;
        break;
      }
      case "format": {
        const r = span(it.at, it.size);
        const ranges = pieces(r, it.split);
        out.push(ranges ? { ...env, type: "format", ...r, attrs: it.attrs, ranges } : { ...env, type: "format", ...r, attrs: it.attrs });
        break;
      }
      case "comment":
        out.push({ ...env, type: "comment", threadId: `t${it.thread}`, body: `b${seq}`, ...(it.anchored ? { anchor: span(it.at, it.size), mentions: ["u1"] } : {}) });
        commentIds[it.thread].push(env.id);
        break;
      case "reaction": {
        const ids = commentIds[it.thread];
        out.push({ ...env, userId: `u${it.user}`, type: "reaction", threadId: `t${it.thread}`, commentId: ids.length ? ids[it.comment % ids.length] : "none", emoji: it.emoji });
        break;
      }
      case "uncomment": {
        // Any user (author, owner or not), a comment that may be gone already, sometimes the wrong thread.
        const ids = commentIds[it.thread];
        const threadId = `t${it.otherThread ? (it.thread + 1) % 3 : it.thread}`;
        out.push({ ...env, userId: `u${it.user}`, type: "uncomment", threadId, commentId: ids.length ? ids[it.comment % ids.length] : "none" });
        break;
      }
      case "task":
        out.push({ ...env, type: "task", taskId: `k${it.task}`, assignee: `u${seq % 2}`, title: `T${seq}`, ...(it.status ? { status: it.status } : {}) });
        break;
      case "acl": {
        // A user (the default), a group or the everyone entry.
        const target = it.target === "group" ? { targetGroupId: `g${it.user}` } : it.target === "everyone" ? { everyone: true as const } : { targetUserId: `u${it.user}` };
        out.push({ ...env, type: "acl", ...target, role: it.role });
        break;
      }
    }
  });
  return out;
}
