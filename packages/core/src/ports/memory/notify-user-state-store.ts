import { assertNotifyUser, expirySeconds, isLive, type NotifyUser } from "../../notify/stores/common.js";
import {
  checkCommit,
  checkDedupeKeys,
  type UserStateCommitOptions,
  type UserStateCommitResult,
  type NotifyUserStateStore,
  type UserStateSnapshot,
} from "../../notify/stores/user-state-store.js";

interface Slot {
  version: number;
  json?: string;
  /** Dedupe key -> epoch second it is forgotten at. */
  keys: Map<string, number>;
  /** The committed state's parts: id -> JSON text. */
  parts: Map<string, string>;
}

/** In-memory NotifyUserStateStore: the reference implementation of the port contract. */
export class MemoryNotifyUserStateStore implements NotifyUserStateStore {
  private readonly users = new Map<string, Slot>();
  private readonly now: () => number;

  constructor(opts: { now?: () => number } = {}) {
    this.now = opts.now ?? Date.now;
  }

  async load(user: NotifyUser): Promise<UserStateSnapshot> {
    assertNotifyUser(user);
    const slot = this.users.get(key(user));
    if (slot?.json === undefined) return { version: 0 };
    const snap: UserStateSnapshot = { state: JSON.parse(slot.json), version: slot.version };
    if (slot.parts.size > 0) snap.parts = Object.fromEntries([...slot.parts].map(([id, json]) => [id, JSON.parse(json)]));
    return snap;
  }

  async commit(user: NotifyUser, expectVersion: number, state: unknown, opts?: UserStateCommitOptions): Promise<UserStateCommitResult> {
    const { json, keys, ttlMs, parts } = checkCommit(user, expectVersion, state, opts);
    const slot = this.slot(user);
    const now = this.now();
    const dupes = keys.filter((k) => isLive(slot.keys.get(k) ?? 0, now));
    if (dupes.length > 0) return { ok: false, reason: "duplicate", keys: dupes };
    if (slot.version !== expectVersion) return { ok: false, reason: "conflict" };
    slot.version = expectVersion + 1;
    slot.json = json;
    slot.parts = parts;
    for (const k of keys) slot.keys.set(k, expirySeconds(now, ttlMs));
    return { ok: true, version: slot.version };
  }

  async seen(user: NotifyUser, keys: string[]): Promise<string[]> {
    assertNotifyUser(user);
    const now = this.now();
    const slot = this.users.get(key(user));
    return checkDedupeKeys(keys).filter((k) => isLive(slot?.keys.get(k) ?? 0, now));
  }

  private slot(user: NotifyUser): Slot {
    let slot = this.users.get(key(user));
    if (!slot) this.users.set(key(user), (slot = { version: 0, keys: new Map(), parts: new Map() }));
    return slot;
  }
}

function key(user: NotifyUser): string {
  return `${user.tenant}#${user.userId}`;
}
