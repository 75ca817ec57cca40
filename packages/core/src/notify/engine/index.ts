/** The per-user notification decision engine (pure): state, decide/wake/markRead, the DigestResolver port. */
export * from "./caps.js";
export * from "./channels.js";
export * from "./digest-resolver.js";
export * from "./digests.js";
export * from "./engine.js";
export * from "./ids.js";
export * from "./intent.js";
export * from "./limits.js";
export * from "./memory-digest-resolver.js";
export * from "./presence.js";
export * from "./quiet-hours.js";
export * from "./render.js";
export { type Delivery, type EngineContext, type EngineResult } from "./run.js";
export * from "./state.js";
export * from "./bench-workload.js";
