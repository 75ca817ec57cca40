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

/** Routes the `clientId` key to a per-tab storage and everything else to the shared one. */
class ClientIdSplit implements OutboxStorage {
  constructor(
    private readonly shared: OutboxStorage,
    private readonly perTab: OutboxStorage,
  ) {}

  private pick(key: string): OutboxStorage {
    return key === "clientId" ? this.perTab : this.shared;
  }

  get(key: string) {
    return this.pick(key).get(key);
  }

  set(key: string, value: string) {
    return this.pick(key).set(key, value);
  }

  delete(key: string) {
    return this.pick(key).delete(key);
  }
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
