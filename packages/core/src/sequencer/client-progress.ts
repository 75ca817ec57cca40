import type { ClientState, HeldChange, InboxChange, LogBatch } from "../ports/records.js";

/** How many skipped ranges a client state keeps (oldest dropped first). */
export const MAX_SKIPPED_RANGES = 32;

export function newClientState(clientId: string): ClientState {
  return { clientId, next: 1, held: [], skipped: [] };
}

/**
 * Brings client states up to date with log batches committed after the state's checkpoint
 * (the log is the source of truth; state items may lag after a crash). Returns the ids of
 * the clients it changed.
 */
export function rollForward(clients: Map<string, ClientState>, batches: LogBatch[]): Set<string> {
  const changed = new Set<string>();
  for (const batch of batches) {
    for (const p of batch.clients) {
      const c = clients.get(p.clientId) ?? newClientState(p.clientId);
      if (p.next > c.next) {
        c.next = p.next;
        if (p.skipped) c.skipped = p.skipped.map(([a, b]) => [a, b]);
        c.held = c.held.filter((h) => h.lastSeq >= c.next);
        clients.set(p.clientId, c);
        changed.add(p.clientId);
      }
    }
  }
  return changed;
}

export function isSkipped(c: ClientState, seq: number): boolean {
  return c.skipped.some(([from, to]) => seq >= from && seq <= to);
}

/** Records that seqs [from, to] were given up after their hold window expired. */
export function addSkipped(c: ClientState, from: number, to: number): void {
  c.skipped.push([from, to]);
  if (c.skipped.length > MAX_SKIPPED_RANGES) c.skipped.splice(0, c.skipped.length - MAX_SKIPPED_RANGES);
}

/** Adds a held change unless it is already held; returns whether it was new. */
export function hold(c: ClientState, change: InboxChange, now: number): boolean {
  if (c.held.some((h) => h.firstSeq === change.firstSeq)) return false;
  c.held.push({ firstSeq: change.firstSeq, lastSeq: change.lastSeq, heldAt: now });
  c.held.sort((a, b) => a.firstSeq - b.firstSeq);
  return true;
}

/** The held change that can go next (it covers `next`), removing it and any now-stale ones. */
export function takeReleasable(c: ClientState): HeldChange | undefined {
  c.held = c.held.filter((h) => h.lastSeq >= c.next);
  const i = c.held.findIndex((h) => h.firstSeq <= c.next);
  if (i < 0) return undefined;
  return c.held.splice(i, 1)[0];
}

/** The earliest held change whose window has closed, if the client is still waiting on a gap. */
export function expiredHold(c: ClientState, now: number, windowMs: number): HeldChange | undefined {
  const first = c.held[0];
  if (!first || first.firstSeq <= c.next) return undefined;
  const oldest = Math.min(...c.held.map((h) => h.heldAt));
  return oldest + windowMs <= now ? first : undefined;
}

/** When the client's current hold window closes, or undefined when it holds nothing. */
export function holdDeadline(c: ClientState, windowMs: number): number | undefined {
  if (c.held.length === 0) return undefined;
  return Math.min(...c.held.map((h) => h.heldAt)) + windowMs;
}
