import { beforeAll, describe, expect, inject, it } from "vitest";
import type { NotifyIntent } from "@weft/core/notify/engine/index";
import type { FanoutPolicy } from "@weft/core/notify/fanout/index";
import { linkEnvironment } from "../../src/linked.js";
import { submitIntents } from "../../src/notify/submit.js";
import type { Wiring } from "../../src/wiring.js";
import { freshTables } from "../adapters/dynamo-harness.js";

/**
 * submitIntents' per-sender budget against DynamoDB Local: a retried submission of the same
 * event (a client retrying POST /v1/notify) is charged once; a new event over the budget is
 * refused with rate_limited and stores nothing. Every submission here is queued (inlineMax 0),
 * so only the notify table takes part.
 */
let w: Wiring;
beforeAll(async () => {
  const tables = await freshTables();
  process.env.WEFT_DYNAMO_ENDPOINT = inject("dynamoEndpoint");
  Object.assign(process.env, linkEnvironment({ tables: { notify: tables.notify } }));
  w = (await import("../../src/wiring.js")).wiring();
});

const policy: FanoutPolicy = { chunkSize: 500, spreadMs: 0, maxRecipients: 1000, senderBudgetPerHour: 5, inlineMax: 0 };

function intents(tenant: string, eventId: string, users: string[]): NotifyIntent[] {
  return users.map((userId) => ({ tenant, eventId, userId, class: "transactional", topic: "security", title: "New sign-in", body: "A device signed in.", at: 1 }));
}

describe("submitIntents sender budget", () => {
  it("charges an event once however often it is retried; a new event past the budget is refused", async () => {
    const tenant = `budget-${Date.now()}`;
    const first = intents(tenant, "signin-1", ["ann", "ben", "cat"]);
    expect(await submitIntents(w, first, { senderId: "svc", policy })).toEqual({ mode: "queued", recipients: 3, chunks: 1 });
    // Retries of the same event: accepted, not charged again (3 of 5 spent, not 9).
    for (let i = 0; i < 3; i++) expect(await submitIntents(w, first, { senderId: "svc", policy })).toMatchObject({ mode: "queued", recipients: 3 });
    await expect(submitIntents(w, intents(tenant, "signin-2", ["dan", "eve", "fay"]), { senderId: "svc", policy })).rejects.toMatchObject({
      code: "rate_limited",
      details: [expect.objectContaining({ path: "recipients" })],
    });
    // The refused event stored no job; two more recipients still fit.
    expect(await w.notify.fanout.chunk(tenant, "signin-2", 0)).toBeUndefined();
    expect(await submitIntents(w, intents(tenant, "signin-3", ["dan", "eve"]), { senderId: "svc", policy })).toMatchObject({ recipients: 2 });
    await expect(submitIntents(w, intents(tenant, "signin-4", ["gus"]), { senderId: "svc", policy })).rejects.toMatchObject({ code: "rate_limited" });
    // Another sender has a budget of its own.
    expect(await submitIntents(w, intents(tenant, "signin-5", ["gus"]), { senderId: "other", policy })).toMatchObject({ recipients: 1 });
  });
});
