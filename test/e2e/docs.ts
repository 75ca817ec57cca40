import { call, waitFor } from "./http.js";

export type TestOp = Record<string, unknown> & { id: string; seq: number; type: string };

export function insert(id: string, seq: number, pos: number, text: string): TestOp {
  return { id, seq, type: "insert", pos, text };
}

export function del(id: string, seq: number, pos: number, len: number): TestOp {
  return { id, seq, type: "delete", pos, len };
}

export async function post(token: string, docId: string, change: { clientId: string; base: number; ops: TestOp[] }) {
  return call("POST", `/v1/docs/${docId}/ops`, { token, body: change });
}

/** Every committed entry of a document, following `next` pages. */
export async function readLog(token: string, docId: string): Promise<any[]> {
  const out: any[] = [];
  for (let after = 0; ; ) {
    const r = await call("GET", `/v1/docs/${docId}/ops?after=${after}&limit=1000`, { token });
    if (r.status !== 200) throw new Error(`GET ops: ${r.status} ${r.text}`);
    out.push(...r.body.ops);
    if (r.body.next === undefined) return out;
    after = r.body.next;
  }
}

/** Waits until the document's log holds at least `n` entries and returns them. */
export async function waitForLog(token: string, docId: string, n: number, timeoutMs = 15_000): Promise<any[]> {
  return waitFor(`${n} committed ops in ${docId}`, async () => {
    const log = await readLog(token, docId);
    return log.length >= n ? log : undefined;
  }, timeoutMs);
}

export async function receipt(token: string, docId: string, opId: string) {
  return call("GET", `/v1/docs/${docId}/ops/${opId}`, { token });
}

/** Waits until an op's receipt is no longer pending and returns it. */
export async function settled(token: string, docId: string, opId: string, timeoutMs = 15_000) {
  return waitFor(`receipt of ${opId}`, async () => {
    const r = await receipt(token, docId, opId);
    return r.status === 200 && r.body.status !== "pending" ? r.body : undefined;
  }, timeoutMs);
}

/** Applies committed text entries to get the document text (code points). */
export function textOf(entries: any[]): string {
  let chars: string[] = [];
  for (const e of entries) {
    if (e.type === "insert") chars.splice(e.pos, 0, ...Array.from(e.text as string));
    if (e.type === "delete") {
      const ranges: Array<{ pos: number; len: number }> = e.ranges ?? [{ pos: e.pos, len: e.len }];
      for (const r of [...ranges].reverse()) chars.splice(r.pos, r.len);
    }
  }
  return chars.join("");
}
