/**
 * The cost model ("The bill"): one price table, pure functions from measured usage to a
 * monthly bill per product, steady-state storage, and renderers. Import as "@weft/core/cost/index".
 */
export * from "./usage.js";
export * from "./prices.js";
export * from "./bill-types.js";
export * from "./bill.js";
export * from "./fixed-usage.js";
export * from "./storage.js";
export * from "./report.js";
