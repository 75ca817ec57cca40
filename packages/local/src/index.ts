/** The local stack's public API (see each module for contracts). */
export { startStack, LOCAL_JWT_SECRET, REPO_ROOT, type Stack, type StackOptions } from "./stack.js";
export { startDynamoLocal, checkJava, JAVA_HELP, type DynamoLocal } from "./dynamo-local.js";
export { StreamPoller, type StreamPollerOptions, type StreamSettings, type PollerCounters } from "./stream-poller.js";
export { createHttpGateway, MAX_BODY_BYTES, type HttpGateway, type HttpGatewayOptions, type RequestHook } from "./http-gateway.js";
export { startScheduler, type LocalSchedule, type Scheduler } from "./scheduler.js";
export { fileCheckpoints, SHARD_DONE, type CheckpointStore } from "./checkpoints.js";
export {
  invoke,
  localFunction,
  manifestFunction,
  functionArn,
  localDurations,
  platformLogBytes,
  type LambdaHandler,
  type LocalFunction,
  type InvokeOutcome,
  type LocalDuration,
} from "./lambda.js";
export { createLogger, type Logger } from "./log.js";
export { createWebSocketGateway, IDLE_TIMEOUT_MS, MAX_CONNECTION_MS, type WebSocketGateway, type WebSocketGatewayOptions } from "./ws-gateway.js";
export { MAX_MESSAGE_BYTES } from "./ws-connection.js";
