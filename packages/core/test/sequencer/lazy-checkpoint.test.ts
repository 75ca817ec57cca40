import { describe, expect, it } from "vitest";
import {
  DEFAULT_SEQUENCER_CONFIG,
  ManualClock,
  MetricsRecorder,
  Sequencer,
  type ClientState,
  type DocAcl,
  type DocRef,
  type InboxChange,
} from "../../src/index.js";
import {
  MemoryInboxStore,
  MemoryLogStore,
  MemoryMetricsStore,
  MemoryQuarantineStore,
  MemorySequencerStateStore,
  MemoryTimerStore,
} from "../../src/ports/memory/index.js";
import { LAZY_CHECKPOINT_ENTRIES, ROOM_LAZY_CHECKPOINT_ENTRIES } from "../../src/sequencer/doc-run.js";
import { materialize } from "../../src/materialize/state.js";

/** The memory state store, counting saves. */
class CountingStateStore extends MemorySequencerStateStore {
  saves = 0;
  override async save(doc: DocRef, clients: ClientState[], checkpoint: number, holding: string[], acl?: DocAcl): Promise<void> {
    this.saves++;
    return super.save(doc, clients, checkpoint, holding, acl);
  }
}

function setup(config = DEFAULT_SEQUENCER_CONFIG) {
  const state = new CountingStateStore();
  const log = new MemoryLogStore();
  const inbox = new MemoryInboxStore();
  const clock = new ManualClock(1_760_000_000_000);
  const sequencer = new Sequencer({
    inbox,
    log,
    state,
    timers: new MemoryTimerStore(),
    quarantine: new MemoryQuarantineStore(),
    clock,
    metrics: new MetricsRecorder(new MemoryMetricsStore(), () => {}),
    logSink: () => {},
    config,
    accessPolicy: async () => ({ newDocumentEveryone: "editor", editorsCanShare: false }),
  });
  const doc: DocRef = { tenant: "t", docId: `lazy-${Math.random().toString(36).slice(2)}` };
  /** One single-insert change of `clientId` at client seq `seq` (base: the head it saw), run alone. */
  const type = async (clientId: string, seq: number, text: string, base: number) => {
    const change: InboxChange = {
      doc,
      clientId,
      userId: clientId,
      base,
      firstSeq: seq,
      lastSeq: seq,
      ops: [{ id: `${clientId}-${seq}`, seq, type: "insert", pos: 0, text }],
      acceptedAt: clock.now(),
      skewed: 0,
    };
    await inbox.put(change);
    await sequencer.process(doc, [{ kind: "change", change }]);
    clock.advance(100);
    return change;
  };
  return { state, log, doc, sequencer, clock, type };
}

describe("the sequencer's lazy checkpoint", () => {
  it("saves no state for plain typing, and later runs rebuild every client's progress from the log", async () => {
    const h = setup();
    await h.type("a", 1, "x", 0); // creates the document: owner + everyone entries, saved (ACL)
    expect(h.state.saves).toBe(1);
    const { checkpoint } = await h.state.load(h.doc, []);
    for (let i = 2; i <= 6; i++) {
      await h.type("a", i, "a", 0);
      await h.type("b", i - 1, "b", 0);
    }
    expect(h.state.saves).toBe(1);
    expect((await h.state.load(h.doc, [])).checkpoint).toBe(checkpoint);
    // A resent change is a duplicate although the stored state of its client still says next = 2.
    expect((await h.state.client(h.doc, "a"))?.next).toBe(2);
    const head = (await h.log.head(h.doc)).seq;
    await h.type("a", 3, "dup", 0);
    expect((await h.log.head(h.doc)).seq).toBe(head);
    // b goes on where it was: its next change commits.
    await h.type("b", 6, "!", head);
    expect((await h.log.head(h.doc)).seq).toBe(head + 1);
    expect(new Set((await h.log.entries(h.doc, 0, 1000)).map((e) => e.id)).size).toBe(head + 1);
  });

  it(`saves once the checkpoint trails the head by more than ${LAZY_CHECKPOINT_ENTRIES} entries`, async () => {
    const h = setup();
    await h.type("a", 1, "x", 0);
    for (let i = 2; i <= LAZY_CHECKPOINT_ENTRIES + 4; i++) await h.type("a", i, "y", 0);
    expect(h.state.saves).toBe(2);
    const stored = await h.state.load(h.doc, ["a"]);
    expect(stored.checkpoint).toBeGreaterThan(LAZY_CHECKPOINT_ENTRIES);
    expect(stored.clients.get("a")?.next).toBe(stored.checkpoint - 1); // two creation entries, no client seq
  });

  it(`a room task's trail (lazyCheckpointEntries ${ROOM_LAZY_CHECKPOINT_ENTRIES}): a save every ${ROOM_LAZY_CHECKPOINT_ENTRIES} entries, not ${LAZY_CHECKPOINT_ENTRIES}`, async () => {
    const h = setup({ ...DEFAULT_SEQUENCER_CONFIG, lazyCheckpointEntries: ROOM_LAZY_CHECKPOINT_ENTRIES });
    await h.type("a", 1, "x", 0);
    for (let i = 2; i <= ROOM_LAZY_CHECKPOINT_ENTRIES - 4; i++) await h.type("a", i, "y", 0);
    expect(h.state.saves).toBe(1); // the creation's (it changed the ACL)
    for (let i = ROOM_LAZY_CHECKPOINT_ENTRIES - 3; i <= ROOM_LAZY_CHECKPOINT_ENTRIES + 4; i++) await h.type("a", i, "y", 0);
    expect(h.state.saves).toBe(2);
    const stored = await h.state.load(h.doc, ["a"]);
    expect(stored.checkpoint).toBeGreaterThan(ROOM_LAZY_CHECKPOINT_ENTRIES);
    expect(stored.clients.get("a")?.next).toBe(stored.checkpoint - 1);
    // What the next run rebuilds from the longer trail is the same: the text holds every keystroke.
    expect((await h.log.entries(h.doc, 0, 1000)).filter((e) => e.type === "insert")).toHaveLength(ROOM_LAZY_CHECKPOINT_ENTRIES + 4);
  });

  it("saves at once what the log cannot rebuild: a change held behind a gap, and its release", async () => {
    const h = setup();
    await h.type("a", 1, "x", 0);
    await h.type("a", 3, "z", 0); // seq 2 missing: held
    expect(h.state.saves).toBe(2);
    expect((await h.state.load(h.doc, [])).holding).toEqual(["a"]);
    await h.type("a", 2, "y", 0); // fills the gap, releases 3
    expect(h.state.saves).toBe(3);
    expect((await h.state.load(h.doc, [])).holding).toEqual([]);
    const entries = await h.log.entries(h.doc, 0, 100);
    expect(entries.map((e) => e.id).slice(2)).toEqual(["a-1", "a-2", "a-3"]);
    expect(materialize(entries).text).toBe("zyx");
  });

  it("saves at once a rejection (its client's progress is not in any batch)", async () => {
    const h = setup();
    await h.type("a", 1, "x", 0);
    const saves = h.state.saves;
    await h.type("a", 2, "y", 99); // base ahead of the head: rejected
    expect(h.state.saves).toBe(saves + 1);
    expect((await h.state.client(h.doc, "a"))?.next).toBe(3);
  });
});
