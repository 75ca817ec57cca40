/** The local outbox: every external channel of the local stack delivers here. */
export * from "./outbox.js";
export * from "./faults.js";
export * from "./app.js";
