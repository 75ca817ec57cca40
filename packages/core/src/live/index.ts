/** The live (WebSocket) protocol: messages, limits, presence rate limit, ops packing. */
export * from "./client-messages.js";
export * from "./limits.js";
export * from "./pack-ops.js";
export * from "./rate-limit.js";
export * from "./server-messages.js";
export * from "./utf8.js";
export * from "./fanout.js";
export * from "./session.js";
export * from "./broadcast.js";
export * from "./user-delivery.js";
export * from "./access-before.js";
export * from "./subscriber-cache.js";
