import type { DocSync } from "./doc-sync.js";
import type { ChangeTransport } from "./net/change-transport.js";
import type { Connection } from "./net/connection.js";
import type { HttpApi } from "./net/http-api.js";
import type { OutboxStorage } from "./storage/storage.js";

/** What a document gets from its client: the shared transports, storage and settings. */
export interface DocHost {
  readonly http: HttpApi;
  readonly connection: Connection;
  /** How changes are sent (ClientOptions.opsTransport): each document takes its channel. */
  readonly transport: ChangeTransport;
  readonly storage: OutboxStorage;
  readonly clientId: Promise<string>;
  readonly ackTimeoutMs: number;
  /** Least ms between two changes of one document (ClientOptions.sendIntervalMs). */
  readonly sendIntervalMs: number;
  readonly backoff: { initialMs: number; maxMs: number };
  readonly mergeEdits: boolean;
  onError(err: unknown): void;
  /** The document closed; `stored` resolves once its outbox is written. */
  removeDoc(doc: DocSync, stored: Promise<void>): void;
  /** Resolves when a closed instance of `docId` has written its outbox (a new one must not load before). */
  closing(docId: string): Promise<void>;
}
