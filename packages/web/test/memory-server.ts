import {
  AclReader,
  DEFAULT_SEQUENCER_CONFIG,
  type AccessPolicy,
  ManualClock,
  MemoryInboxStore,
  MemoryLogStore,
  MemoryMetricsStore,
  MemoryQuarantineStore,
  MemorySequencerStateStore,
  MemoryTimerStore,
  MetricsRecorder,
  Sequencer,
  WeftError,
  getReceipt,
  ingestChange,
  type Change,
  type DocRef,
  type LogEntry,
} from "@weft/core";

/**
 * The server's write path in process: core's ingest (validation, dedupe) and sequencer (order,
 * OT, rejections) on the memory adapters. What the local stack runs, without the transport,
 * so OT client tests can run thousands of steps per second.
 */
export class MemoryServer {
  readonly doc: DocRef = { tenant: "t", docId: "d" };
  readonly clock = new ManualClock(1_000_000);
  readonly inbox = new MemoryInboxStore();
  readonly log = new MemoryLogStore();
  readonly state = new MemorySequencerStateStore();
  /** Every user of the tenant edits (the OT tests' documents are shared by several users). */
  readonly policy: AccessPolicy = { newDocumentEveryone: "editor", editorsCanShare: false };
  private readonly acls = new AclReader({ state: this.state, log: this.log }, 0);
  private readonly sequencer: Sequencer;

  constructor() {
    this.sequencer = new Sequencer({
      inbox: this.inbox,
      log: this.log,
      state: this.state,
      timers: new MemoryTimerStore(),
      quarantine: new MemoryQuarantineStore(),
      clock: this.clock,
      metrics: new MetricsRecorder(new MemoryMetricsStore(), () => {}),
      logSink: () => {},
      config: DEFAULT_SEQUENCER_CONFIG,
      accessPolicy: async () => this.policy,
    });
  }

  /** POST /v1/docs/{docId}/ops: per-op statuses, or the refusal's WeftError. */
  async post(change: Change, userId = "u"): Promise<Array<{ id: string; status: string }> | WeftError> {
    try {
      const deps = {
        inbox: this.inbox,
        state: this.state,
        quarantine: new MemoryQuarantineStore(),
        clock: this.clock,
        metrics: new MetricsRecorder(new MemoryMetricsStore(), () => {}),
        acls: this.acls,
        accessPolicy: async () => this.policy,
      };
      return await ingestChange(deps, { userId, tenant: this.doc.tenant, admin: false }, this.doc, JSON.stringify(change));
    } catch (err) {
      if (err instanceof WeftError) return err;
      throw err;
    }
  }

  /** Runs the sequencer over everything accepted so far (one stream batch). */
  async sequence(): Promise<void> {
    const records = this.inbox.drain();
    if (records.length > 0) await this.sequencer.process(this.doc, records);
  }

  async entries(after = 0): Promise<LogEntry[]> {
    return this.log.entries(this.doc, after, 1_000_000);
  }

  receipt(opId: string) {
    return getReceipt({ log: this.log, state: this.state, inbox: this.inbox }, this.doc, opId);
  }
}
