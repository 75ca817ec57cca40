/** EventBridge event-pattern validation and matching (pure; no AWS calls). */
export * from "./pattern-types.js";
export { validatePattern, type PatternValidation } from "./validate-pattern.js";
export { matches } from "./match-pattern.js";
export * from "./committed.js";
export * from "./bus-entry.js";
export * from "./committed-docs.js";
