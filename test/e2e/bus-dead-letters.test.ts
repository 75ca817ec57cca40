import { describe, expect, test } from "vitest";
import { rules } from "../../infra/manifest.js";
import { insert, post, waitForLog } from "./docs.js";
import { call, freshDoc, token, waitFor } from "./http.js";

/**
 * Event fan-out failure path over real HTTP against the local stack: the stack runs with
 * WEFT_FAULT_FAIL_TARGET=search:bus-fault- (test/global-setup.ts), so the search rule's target
 * fails the first K deliveries of each batch of a document named "bus-fault-<K>-...". With K =
 * 1 + the rule's retries, the committed batch goes: materializer -> PutEvents -> search fails,
 * is retried with backoff -> dead letter -> busDeadLetters stores it -> an admin lists it and
 * re-drives it -> the (K+1)-th delivery succeeds and the document becomes findable.
 */
const search = rules.search;
const failures = search.retry.maximumRetryAttempts + 1;

async function searchFor(tok: string, q: string): Promise<string[]> {
  const r = await call("GET", `/v1/search?q=${encodeURIComponent(q)}`, { token: tok });
  expect(r.status).toBe(200);
  return (r.body.results as any[]).map((h) => h.docId);
}

/** The document batches of a committed event's detail, in either form (single, or packed in `batches`). */
const batchesOf = (detail: any): any[] => detail.batches ?? [detail];

async function deadLettersOf(adminToken: string, docId: string) {
  const r = await call("GET", "/v1/admin/dead-letters?limit=500", { token: adminToken });
  expect(r.status).toBe(200);
  return (r.body.deadLetters as any[]).filter((l) => l.docId === docId || batchesOf(l.event.detail).some((b) => b.docId === docId));
}

describe("bus dead letters", () => {
  test("a target failing past its retries is dead-lettered, listed for the tenant's admin, and re-driven", async () => {
    const tid = `busdlq-${Date.now().toString(36)}`;
    const writer = await token({ tid });
    const admin = await token({ tid, role: "admin" });
    const docId = freshDoc(`bus-fault-${failures}`);
    await post(writer, docId, { clientId: "c1", base: 0, ops: [insert("b1", 1, 0, "hello"), insert("b2", 2, 5, " bus")] });
    const log = await waitForLog(writer, docId, 3); // the writer's owner entry (seq 1), b1, b2

    const [letter] = await waitFor("the search dead letter", async () => {
      const found = (await deadLettersOf(admin, docId)).filter((l) => l.rule === "search");
      return found.length > 0 ? found : undefined;
    }, 30_000);
    expect(letter).toMatchObject({
      tenant: tid,
      rule: "search",
      errorCode: "FUNCTION_ERROR",
      errorMessage: `injected fault: delivery ${failures} of ${failures} to search fails for ${docId}`,
      retryAttempts: search.retry.maximumRetryAttempts,
      status: "dead",
      redrives: 0,
      event: { source: "weft", detailType: "weft.ops.committed", detail: { tenant: tid } },
    });
    expect(batchesOf(letter.event.detail).find((b) => b.docId === docId)).toMatchObject({ docId, seqStart: 1, seqEnd: 3, ops: log });
    expect(letter.ruleArn).toMatch(/:rule\/weft-local\/search$/);
    expect(letter.targetArn).toMatch(/:function:search$/);
    expect(letter.id).toMatch(/^[0-9a-z]{9}-[0-9a-z]{13}$/);
    // Every delivery failed, so the index never saw the document.
    expect(await searchFor(writer, "hello")).toEqual([]);
    // The audit trail does not ride on the bus: its records are read from the log.
    const trail = await call("GET", `/v1/admin/audit?docId=${docId}`, { token: admin });
    expect(trail.body.records.map((r: any) => r.opId)).toEqual(["~owner", "b1", "b2"]);

    // Only this tenant's admin sees it, and only admins may call.
    expect((await call("GET", "/v1/admin/dead-letters", { token: writer })).status).toBe(403);
    const stranger = await token({ tid: `${tid}-other`, role: "admin" });
    expect(await deadLettersOf(stranger, docId)).toEqual([]);
    const foreign = await call("POST", `/v1/admin/dead-letters/${letter.id}/redrive`, { token: stranger });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe("not_found");

    const redriven = await call("POST", `/v1/admin/dead-letters/${letter.id}/redrive`, { token: admin });
    expect(redriven.status).toBe(200);
    expect(redriven.body.deadLetter).toMatchObject({ id: letter.id, status: "redriven", redrives: 1 });
    expect(redriven.body.deadLetter.redrivenAt).toBeGreaterThanOrEqual(letter.deadAt);
    const listed = (await deadLettersOf(admin, docId)).find((l) => l.id === letter.id);
    expect(listed).toMatchObject({ status: "redriven", redrives: 1 });

    // The re-driven event reaches the search target, which now takes it: the document is found.
    await waitFor("the re-driven batch indexed", async () => ((await searchFor(writer, "hello")).includes(docId) ? true : undefined), 20_000);
    expect(await searchFor(writer, "bus")).toEqual([docId]);
    // ...and no new search dead letter for the document appeared.
    expect((await deadLettersOf(admin, docId)).filter((l) => l.rule === "search")).toHaveLength(1);
  });

  test("bad requests get stable error codes", async () => {
    const admin = await token({ tid: `busdlq-bad-${Date.now().toString(36)}`, role: "admin" });
    const bad = async (method: string, path: string, status: number, code: string) => {
      const r = await call(method, path, { token: admin });
      expect([r.status, r.body?.error?.code]).toEqual([status, code]);
    };
    await bad("GET", "/v1/admin/dead-letters?limit=0", 400, "invalid_request");
    await bad("GET", "/v1/admin/dead-letters?limit=501", 400, "invalid_request");
    await bad("GET", "/v1/admin/dead-letters?limit=ten", 400, "invalid_request");
    await bad("GET", "/v1/admin/dead-letters?cursor=bm90LWEtY3Vyc29y", 400, "invalid_request");
    await bad("POST", "/v1/admin/dead-letters/not-an-id/redrive", 400, "invalid_request");
    await bad("POST", "/v1/admin/dead-letters/000000001-0000000000000/redrive", 404, "not_found");
    const empty = await call("GET", "/v1/admin/dead-letters", { token: admin });
    expect(empty.body).toEqual({ deadLetters: [] });
  });
});
