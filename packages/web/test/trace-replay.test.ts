import { afterAll, describe, expect, it } from "vitest";
import { traceFile, traceTitle } from "../../core/test/traces.js";
import { call, freshDoc, token, waitFor } from "../../../test/e2e/http.js";
import { readLog, textOf } from "../../../test/e2e/docs.js";
import type { WeftClient, WeftDoc } from "../src/index.js";
import { shareAs, stackClient, until } from "./stack-client.js";
import { traceHistory } from "./trace-history.js";
import { TraceOracle } from "./trace-oracle.js";
import { planReplay } from "./trace-plan.js";
import { replayTrace } from "./trace-replay-driver.js";

/**
 * Concurrent editing traces replayed through the real pipeline (HTTP ingest, sequencer, log
 * stream, broadcaster, WebSocket) with one SDK client per agent, each agent seeing exactly
 * the history its txns name before typing them (trace-replay-driver.ts), in a commit order
 * planned in process so that OT's insert ties fall as in the trace (trace-plan.ts). Every
 * client and the server must end with the trace's endContent. Skipped when ../shared/traces
 * is absent.
 */
const clients: WeftClient[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
});

describe.concurrent("concurrent trace replay through the local stack", () => {
  for (const name of ["friendsforever", "clownschool"]) {
    const file = traceFile(name);
    it.skipIf(!file.present)(traceTitle(file, `${name}: every agent and the server end with endContent`), async () => {
      const trace = file.load();
      const h = traceHistory(trace);
      const oracle = new TraceOracle(trace, h);
      expect(oracle.text() === trace.endContent, "the reference merge reproduces endContent").toBe(true);
      const plan = await planReplay(trace, h, oracle);

      const docId = freshDoc(name);
      // Created before the agents open it (its owner entry and an everyone: editor entry, seqs
      // 1-2): every agent edits it and the checker reads it.
      await shareAs(`${name}-owner`, docId, { everyone: true }, "editor");
      const docs: WeftDoc[] = [];
      for (let a = 0; a < h.agents; a++) {
        const client = stackClient({ user: `${name}-agent${a}`, mergeEdits: false });
        clients.push(client);
        const doc = client.doc(docId);
        await doc.ready;
        docs.push(doc);
      }
      const stats = await replayTrace(trace, docs, { before: plan.before });
      await Promise.all(docs.map((d) => d.whenSynced()));
      const head = stats.base + stats.ops;
      expect(stats.base).toBe(2);
      await until("every agent applying the whole log", () => docs.every((d) => d.version === head), 30_000);
      console.log(JSON.stringify({ trace: name, plan, stack: { ...stats, msPerRound: Math.round(stats.ms / stats.rounds) } }));

      for (const d of docs) {
        expect(d.hooks.mismatches).toBe(0);
        expect(d.text === trace.endContent, `an agent's text differs from endContent`).toBe(true);
        expect(d.state.text === trace.endContent, "an agent's committed state differs from endContent").toBe(true);
      }
      const t = await token({ sub: "checker" });
      const log = await readLog(t, docId);
      expect(log.length).toBe(head);
      expect(new Set(log.map((e) => e.id)).size).toBe(log.length);
      expect(textOf(log) === trace.endContent, "the log's text differs from endContent").toBe(true);
      const served = await waitFor("the materialized state to reach the head", async () => {
        const r = await call("GET", `/v1/docs/${docId}`, { token: t });
        return r.status === 200 && r.body.version === head ? r.body : undefined;
      }, 30_000);
      expect(served.text === trace.endContent, "GET /v1/docs text differs from endContent").toBe(true);
    }, 600_000);
  }
});
