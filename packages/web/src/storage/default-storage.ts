import { IndexedDbStorage } from "./indexeddb-storage.js";
import { MemoryStorage, type OutboxStorage } from "./storage.js";
import { WebStorage } from "./web-storage.js";

/**
 * The default storage: in a browser, outboxes in IndexedDB (localStorage when IndexedDB is
 * missing) and the client id in sessionStorage, which a reload keeps and another tab does not
 * share (two tabs with one client id would collide on op ids and client seqs). Elsewhere
 * (Node): memory.
 */
export function defaultStorage(): OutboxStorage {
  const g = globalThis as { indexedDB?: IDBFactory; localStorage?: Storage; sessionStorage?: Storage };
  const local = usable(g.localStorage) ? new WebStorage(g.localStorage!) : undefined;
  const outboxes = g.indexedDB ? new Fallback(new IndexedDbStorage(g.indexedDB), local) : local;
  if (!outboxes) return new MemoryStorage();
  const session = usable(g.sessionStorage) ? new WebStorage(g.sessionStorage!) : undefined;
  return session ? new ClientIdSplit(outboxes, session) : outboxes;
}

/** Web Storage can exist and still throw (disabled cookies, some private modes). */
function usable(area: Storage | undefined): boolean {
  if (!area) return false;
  try {
    area.setItem("weft:probe", "1");
    area.removeItem("weft:probe");
    return true;
  } catch {
    return false;
  }
}

/**
 * Routes the `clientId` key to a per-tab storage and everything else to the shared one. A tab
 * opened by duplicating another (or by window.open) starts with a copy of its sessionStorage,
 * so the stored id is only returned if this tab can hold the Web Lock named after it: the
 * original tab holds it for its lifetime (a reload releases it first), and a copy that cannot
 * get it makes a new id of its own.
 */
class ClientIdSplit implements OutboxStorage {
  constructor(
    private readonly shared: OutboxStorage,
    private readonly perTab: OutboxStorage,
  ) {}

  private pick(key: string): OutboxStorage {
    return key === "clientId" ? this.perTab : this.shared;
  }

  async get(key: string) {
    const value = await this.pick(key).get(key);
    if (key !== "clientId" || value === undefined) return value;
    return (await holdLock(`weft-client-${value}`)) ? value : undefined;
  }

  async set(key: string, value: string) {
    if (key === "clientId") await holdLock(`weft-client-${value}`);
    return this.pick(key).set(key, value);
  }

  delete(key: string) {
    return this.pick(key).delete(key);
  }
}

/** Takes the Web Lock `name` for the rest of the page's life if it is free; true without Web Locks. */
function holdLock(name: string): Promise<boolean> {
  type Locks = { request(name: string, opts: { ifAvailable: boolean }, fn: (lock: unknown) => unknown): Promise<unknown> };
  const locks = (globalThis as { navigator?: { locks?: Locks } }).navigator?.locks;
  if (!locks) return Promise.resolve(true);
  return new Promise((resolve) => {
    locks
      .request(name, { ifAvailable: true }, (lock) => {
        resolve(lock !== null);
        return lock === null ? undefined : new Promise(() => {});
      })
      .catch(() => resolve(true));
  });
}

/**
 * IndexedDB that falls back to localStorage for good when IndexedDB cannot even be opened
 * (some private modes); errors of an opened database are not masked.
 */
class Fallback implements OutboxStorage {
  private chosen: Promise<OutboxStorage> | undefined;

  constructor(
    private readonly first: IndexedDbStorage,
    private readonly second: OutboxStorage | undefined,
  ) {}

  private pick(): Promise<OutboxStorage> {
    return (this.chosen ??= this.first.ready().then(
      () => this.first,
      (err) => {
        if (!this.second) throw err;
        return this.second;
      },
    ));
  }

  async get(key: string) {
    return (await this.pick()).get(key);
  }

  async set(key: string, value: string) {
    return (await this.pick()).set(key, value);
  }

  async delete(key: string) {
    return (await this.pick()).delete(key);
  }
}
