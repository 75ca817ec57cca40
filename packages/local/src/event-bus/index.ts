/** The local EventBridge: PutEvents endpoint, rule matching, delivery with retries and dead letters. */
export { eventBusEndpoint } from "./endpoint.js";
export { LocalEventBus, type LocalEventBusOptions, type LocalRule } from "./local-event-bus.js";
export { TargetFaults } from "./faults.js";
export { eventOf, deadLetterMessage, ruleArn, type EventBridgeEvent, type DeadLetterReason } from "./event-shape.js";
export { checkPutEvents, MAX_PUT_ENTRIES, RequestError } from "./put-events.js";

/** The bus's name in the local stack (WEFT_EVENT_BUS). */
export const LOCAL_EVENT_BUS = "weft-local";
