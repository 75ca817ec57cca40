/**
 * @weft/web: the browser (and Node) SDK for Weft live documents. See docs/sdk.md.
 *
 *   const client = createClient({ url, wsUrl, getToken });
 *   const doc = client.doc("roadmap");
 *   await doc.ready; doc.insert(0, "Hello");
 */
export { createClient, WeftClient, type ClientEvents } from "./client.js";
export { WeftDoc, type DocEvents } from "./doc.js";
export { DocTestHooks } from "./test-hooks.js";
export type { CommentOptions, ShareTarget } from "./edits/build.js";
export type { OutboxStorage } from "./storage/storage.js";
export { MemoryStorage } from "./storage/storage.js";
export { WebStorage } from "./storage/web-storage.js";
export { IndexedDbStorage } from "./storage/indexeddb-storage.js";
export { defaultStorage } from "./storage/default-storage.js";
export { ClosedError } from "./net/http-api.js";
export { WeftError } from "./core.js";
export type { OutboxRecord } from "./sync/outbox.js";
export type {
  AclRole,
  ChangeEvent,
  DocAcl,
  ClientOptions,
  CommittedState,
  PresencePeer,
  RejectedEvent,
  RevokedEvent,
  RoleEvent,
  Status,
  WebSocketConstructor,
  WebSocketLike,
} from "./types.js";
