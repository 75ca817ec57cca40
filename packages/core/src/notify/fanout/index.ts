/** Large notification fan-outs: chunks spread over a window, a recipient ceiling, per-sender budgets. */
export * from "./fanout-plan.js";
export * from "./fanout-store.js";
