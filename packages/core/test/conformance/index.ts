/**
 * "@weft/core/testing": one conformance suite per port (run them against every adapter)
 * and the fixtures they use.
 */
export * from "./audit-store-conformance.js";
export * from "./bus-conformance.js";
export * from "./doc-state-store-conformance.js";
export * from "./connection-store-conformance.js";
export * from "./fixtures.js";
export * from "./gateway-conformance.js";
export * from "./inbox-store-conformance.js";
export * from "./log-store-conformance.js";
export * from "./metrics-store-conformance.js";
export * from "./prose.js";
export * from "./quarantine-store-conformance.js";
export * from "./search-index-store-conformance.js";
export * from "./sequencer-state-store-conformance.js";
export * from "./sequencer-heads-conformance.js";
export * from "./timer-store-conformance.js";
export * from "./doc-lease-store-conformance.js";
export * from "./dead-letter-store-conformance.js";
export * from "./notify-user-state-store-conformance.js";
export * from "./notify-feed-store-conformance.js";
export * from "./notify-decision-log-store-conformance.js";
export * from "./notify-device-store-conformance.js";
export * from "./notify-profile-store-conformance.js";
export * from "./doc-watchers-store-conformance.js";
export * from "../notify/delivery/store-conformance.js";
export * from "../notify/delivery/channel-adapter-conformance.js";
export * from "./notify-fanout-store-conformance.js";
export * from "./object-store-conformance.js";
