import { describe, expect, it } from "vitest";
import {
  MemoryAuditStore,
  MemorySearchIndexStore,
  MemoryBus,
  MemoryDeadLetterStore,
  MemoryDocStateStore,
  MemoryConnectionStore,
  MemoryGateway,
  MemoryInboxStore,
  MemoryLogStore,
  MemoryMetricsStore,
  MemoryQuarantineStore,
  MemorySequencerStateStore,
  MemoryObjectStore,
  MemoryTimerStore,
  MemoryDocLeaseStore,
} from "../../src/ports/memory/index.js";
import {
  changeOf,
  newDoc,
  runAuditStoreConformance,
  runSearchIndexStoreConformance,
  runBusConformance,
  runDeadLetterStoreConformance,
  runDocStateStoreConformance,
  runConnectionStoreConformance,
  runGatewayConformance,
  runInboxStoreConformance,
  runLogStoreConformance,
  runMetricsStoreConformance,
  runQuarantineStoreConformance,
  runSequencerHeadsConformance,
  runSequencerStateStoreConformance,
  runObjectStoreConformance,
  runTimerStoreConformance,
  runDocLeaseStoreConformance,
} from "../conformance/index.js";
import { ClientCachingHeads, composedHeads } from "../../src/index.js";

runLogStoreConformance("memory", async () => new MemoryLogStore());
runAuditStoreConformance("memory", async () => new MemoryAuditStore());
runSearchIndexStoreConformance("memory", async () => new MemorySearchIndexStore());
runInboxStoreConformance("memory", async () => new MemoryInboxStore());
runSequencerStateStoreConformance("memory", async () => new MemorySequencerStateStore());
runSequencerHeadsConformance("memory (composed)", async () => {
  const [state, log] = [new MemorySequencerStateStore(), new MemoryLogStore()];
  return { state, log, heads: composedHeads(state, log) };
});
runSequencerHeadsConformance("memory, behind a room task's client cache", async () => {
  const [state, log] = [new MemorySequencerStateStore(), new MemoryLogStore()];
  return { state, log, heads: new ClientCachingHeads(composedHeads(state, log)) };
});
runTimerStoreConformance("memory", async () => new MemoryTimerStore());
runDocLeaseStoreConformance("memory", async () => new MemoryDocLeaseStore());
runObjectStoreConformance("memory", async () => new MemoryObjectStore());
runQuarantineStoreConformance("memory", async () => new MemoryQuarantineStore());
runMetricsStoreConformance("memory", async () => new MemoryMetricsStore());
runDocStateStoreConformance("memory", async () => new MemoryDocStateStore());
runConnectionStoreConformance("memory", async () => new MemoryConnectionStore());
runBusConformance("memory", async () => {
  const bus = new MemoryBus();
  return { bus, delivered: async () => bus.entries };
});
runDeadLetterStoreConformance("memory", async () => new MemoryDeadLetterStore());
runGatewayConformance("memory", async () => {
  const gateway = new MemoryGateway();
  let n = 0;
  return {
    gateway,
    connect: async () => `conn-${++n}`,
    received: async (id) => gateway.messages(id),
    drop: async (id) => gateway.markGone(id),
  };
});

describe("MemoryInboxStore.drain", () => {
  it("returns created changes and every wake-up since the last drain, in write order", async () => {
    const inbox = new MemoryInboxStore();
    const doc = newDoc();
    const a = changeOf(doc, { clientId: "a" });
    const b = changeOf(doc, { clientId: "b" });
    await inbox.put(a);
    await inbox.wake(doc, 5);
    await inbox.put(structuredClone(a));
    await inbox.wake(doc, 5);
    await inbox.put(b);
    expect(inbox.drain()).toEqual([
      { kind: "change", change: a },
      { kind: "wake", wake: { doc, dueAt: 5 } },
      { kind: "wake", wake: { doc, dueAt: 5 } },
      { kind: "change", change: b },
    ]);
    expect(inbox.drain()).toEqual([]);
    await inbox.wake(doc, 6);
    expect(inbox.drain()).toEqual([{ kind: "wake", wake: { doc, dueAt: 6 } }]);
  });

  it("hands out copies", async () => {
    const inbox = new MemoryInboxStore();
    const doc = newDoc();
    const a = changeOf(doc);
    await inbox.put(a);
    const [record] = inbox.drain();
    if (record.kind === "change") record.change.userId = "mutated";
    expect(await inbox.get(doc, a.clientId, a.firstSeq)).toEqual(a);
  });
});

describe("MemoryGateway", () => {
  it("records closes and reports gone connections", async () => {
    const gateway = new MemoryGateway();
    await gateway.close("c1");
    gateway.markGone("c2");
    expect(gateway.closed).toEqual(["c1"]);
    expect([gateway.isGone("c1"), gateway.isGone("c2"), gateway.isGone("c3")]).toEqual([true, true, false]);
  });
});

describe("MemoryBus", () => {
  it("keeps nothing from a publish that throws", async () => {
    const bus = new MemoryBus();
    await expect(bus.publish([{ source: "s", detailType: "ok", detail: { n: 1 } }, { source: "s", detailType: "bad", detail: { n: 1n } }])).rejects.toThrow(
      /entry 1/,
    );
    expect(bus.entries).toEqual([]);
  });
});

describe("MemoryQuarantineStore", () => {
  it("refuses a cursor it did not issue", async () => {
    await expect(new MemoryQuarantineStore().list("t1", 10, "not-a-cursor")).rejects.toMatchObject({ code: "invalid_request" });
  });
});
