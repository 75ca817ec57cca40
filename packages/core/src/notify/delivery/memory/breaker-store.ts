import { CLOSED, type BreakerState } from "../circuit-breaker.js";
import type { BreakerStateStore, VersionedBreakerState } from "../breaker-store.js";

/** In-memory BreakerStateStore: the reference implementation of the port contract. */
export class MemoryBreakerStateStore implements BreakerStateStore {
  private readonly states = new Map<string, VersionedBreakerState>();

  async load(key: string): Promise<VersionedBreakerState> {
    return structuredClone(this.states.get(key) ?? { state: CLOSED, version: 0 });
  }

  async save(key: string, state: BreakerState, expectedVersion: number): Promise<boolean> {
    if ((this.states.get(key)?.version ?? 0) !== expectedVersion) return false;
    this.states.set(key, { state: structuredClone(state), version: expectedVersion + 1 });
    return true;
  }
}
