export * from "./breaker-store.js";
export * from "./dead-letter-store.js";
