import { afterEach, describe, expect, it } from "vitest";
import { call, freshDoc, token, waitFor } from "../../../test/e2e/http.js";
import { readLog, textOf } from "../../../test/e2e/docs.js";
import type { WeftClient, WeftDoc } from "../src/index.js";
import { prng, randomEdit } from "./prng.js";
import { shareAs, stackClient, until } from "./stack-client.js";

const open: WeftClient[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

/** Makes `n` random edits on `doc`, yielding a random 0-25 ms between them. */
async function typeRandomly(doc: WeftDoc, seed: number, n: number): Promise<number> {
  const r = prng(seed);
  let ops = 0;
  for (let i = 0; i < n; i++) {
    const e = randomEdit(r, [...doc.text].length);
    if (e[0] === "insert") ops += doc.insert(e[1], e[2]).length;
    else if (e[0] === "delete") ops += doc.delete(e[1], e[2]).length;
    else ops += doc.format(e[1], e[2], e[3]).length;
    await new Promise((res) => setTimeout(res, r.int(26)));
  }
  return ops;
}

/** Every doc's whenSynced, or after `ms` an error naming each client's version, unsent ops and in-flight op ids. */
async function syncedOrExplain(docs: WeftDoc[], ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const where = docs.map((d, i) => `client ${i}: version ${d.version}, pending ${d.pending}, in flight [${d.hooks.inflight.join(",")}], received through ${d.hooks.receivedThrough}`);
      reject(new Error(`not synced after ${ms} ms: ${where.join("; ")}`));
    }, ms);
  });
  try {
    await Promise.race([Promise.all(docs.map((d) => d.whenSynced())), late]);
  } finally {
    clearTimeout(timer);
  }
}

describe("SDK clients editing one document concurrently (local stack)", () => {
  for (const seed of [1, 2]) {
    it(`3 clients converge to the server's text (seed ${seed})`, { timeout: 90_000 }, async () => {
      const docId = freshDoc("converge");
      // alice creates it (owner entry, seq 1) and lets everyone in the tenant edit it (seq 2).
      expect(await shareAs("alice", docId, { everyone: true }, "editor")).toBe(2);
      const docs = ["alice", "bob", "carol"].map((user) => {
        const c = stackClient({ user, mergeEdits: seed === 2 });
        open.push(c);
        return c.doc(docId);
      });
      await Promise.all(docs.map((d) => d.ready));
      const changes = docs.map(() => 0);
      docs.forEach((d, i) => d.on("change", (e) => e.local || changes[i]++));
      await Promise.all(docs.map((d, i) => typeRandomly(d, seed * 100 + i, 40)));
      // Synced within 45 s (the suite shares one stack with 2 test files at once); a failure says where each client stood.
      await syncedOrExplain(docs, 45_000);

      const t = await token();
      const log = await readLog(t, docId);
      await until("every client applying the whole log", () => docs.every((d) => d.version === log.length));
      const text = textOf(log);
      for (const d of docs) {
        expect(d.text).toBe(text);
        expect(d.state.text).toBe(text);
        expect(d.pending).toBe(0);
        expect(d.hooks.mismatches).toBe(0);
      }
      // Every op once; every client saw the others' edits arrive as remote changes.
      expect(new Set(log.map((e) => e.id)).size).toBe(log.length);
      expect(log.slice(0, 2).map((e) => [e.seq, e.type, e.role])).toEqual([[1, "acl", "owner"], [2, "acl", "editor"]]);
      expect(new Set(log.slice(2).map((e) => e.clientId)).size).toBe(3);
      for (const n of changes) expect(n).toBeGreaterThan(0);
      const served = await waitFor("materialized state at the head", async () => {
        const r = await call("GET", `/v1/docs/${docId}`, { token: t });
        return r.status === 200 && r.body.version === log.length ? r.body : undefined;
      });
      expect(served.text).toBe(text);
    });
  }
});
