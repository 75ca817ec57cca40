import type { FanoutChunk, FanoutJobMeta, FanoutJobStore } from "../../notify/fanout/fanout-store.js";

/** In-memory FanoutJobStore (the reference implementation of the contract). */
export class MemoryFanoutJobStore implements FanoutJobStore {
  private readonly jobs = new Map<string, { meta: FanoutJobMeta; chunks: Map<number, FanoutChunk>; finished: Set<number> }>();
  private readonly spent = new Map<string, number>();
  private readonly spendIds = new Set<string>();

  async create(tenant: string, jobId: string, meta: FanoutJobMeta, chunks: FanoutChunk[]): Promise<"created" | "exists"> {
    const key = `${tenant}\u0001${jobId}`;
    const existing = this.jobs.get(key);
    const job = existing ?? { meta: structuredClone(meta), chunks: new Map(), finished: new Set<number>() };
    for (const c of chunks) if (!job.finished.has(c.index)) job.chunks.set(c.index, structuredClone(c));
    this.jobs.set(key, job);
    return existing ? "exists" : "created";
  }

  async chunk(tenant: string, jobId: string, index: number): Promise<FanoutChunk | undefined> {
    const c = this.jobs.get(`${tenant}\u0001${jobId}`)?.chunks.get(index);
    return c ? structuredClone(c) : undefined;
  }

  async finish(tenant: string, jobId: string, index: number): Promise<void> {
    const job = this.jobs.get(`${tenant}\u0001${jobId}`);
    job?.chunks.delete(index);
    job?.finished.add(index);
  }

  async spend(tenant: string, senderId: string, windowStart: number, n: number, max: number, spendId: string): Promise<boolean> {
    const idKey = `${tenant}\u0001${senderId}\u0001${spendId}`;
    if (this.spendIds.has(idKey)) return true;
    const key = `${tenant}\u0001${senderId}\u0001${windowStart}`;
    const now = this.spent.get(key) ?? 0;
    if (now + n > max) return false;
    this.spent.set(key, now + n);
    this.spendIds.add(idKey);
    return true;
  }
}
