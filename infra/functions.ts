import { functions as functionSpecs, LAMBDA_ARCHITECTURE, LAMBDA_LOGGING, schedules as scheduleSpecs, type FunctionSpec } from "./manifest.js";
import { componentName, entries, mapRecord, megabytes, seconds } from "./naming.js";
import { busEnvironment, busPermissions } from "./bus.js";
import { channelsEnvironment, channelsPermissions } from "./channels.js";
import { secretLinks } from "./secrets.js";
import { streamPermissions } from "./stream-permissions.js";
import { kinesisPermissions } from "./kinesis-streams.js";
import { tables } from "./tables.js";
import { bucketLinks } from "./buckets.js";
import { webSocketEnvironment, webSocketPermissions } from "./websocket-api.js";

type FunctionName = keyof typeof functionSpecs;

/**
 * Pinned rather than left to SST's default, which moves with SST releases; a runtime change
 * should be a reviewed diff. Node 22 satisfies the repo's `engines` (>= 20).
 */
const RUNTIME = "nodejs22.x";

/**
 * One Lambda function per manifest function: the manifest's handler, timeout and memory.
 *
 * Links (read at run time through SST's `Resource`, packages/functions/src/linked.ts; SST
 * encrypts them into the bundle, so they take no environment space):
 * - exactly the tables in the function's `tables` list (`Resource.InboxTable.name`); linking
 *   also grants IAM access to those tables and no others;
 * - the manifest buckets linked with one of those tables (`Resource.SegmentsBucket.name`:
 *   whoever reads the log table reads its segments' bodies), with access to them;
 * - the secrets of secrets.ts: the JWT settings for every function, the notification
 *   providers' for a function with `channels: true`.
 *
 * Environment contract (small plain values; a test keeps every function's environment, with
 * what SST adds, under Lambda's 4 KB):
 * - `WEFT_STAGE` = the SST stage;
 * - `WEFT_<SCHEDULE>_LOOP_SECONDS` for each schedule that invokes the function (today:
 *   `WEFT_TIMERS_LOOP_SECONDS`), so one scheduled invocation keeps working until the next;
 * - `WEFT_WS_ENDPOINT` (the WebSocket API's management endpoint) and an
 *   `execute-api:ManageConnections` grant for a function with `webSocket: true`;
 * - `WEFT_EVENT_BUS` (the bus name) and an `events:PutEvents` grant for a function with
 *   `bus: true`, plus the dead-letter queue grants of rule targets and drains (bus.ts);
 * - `WEFT_SES_CONFIGURATION_SET` and `ses:SendEmail` / `sns:Publish` for a function with
 *   `channels: true` (channels.ts).
 *
 * Stream and failure-queue grants come from the subscriptions (stream-permissions.ts).
 */
export const functions = mapRecord<FunctionName, FunctionSpec, sst.aws.Function>(
  functionSpecs,
  (name, spec) =>
    new sst.aws.Function(componentName(name, "Function"), {
      handler: spec.handler,
      runtime: RUNTIME,
      architecture: LAMBDA_ARCHITECTURE,
      timeout: seconds(spec.timeoutSeconds),
      memory: megabytes(spec.memoryMB),
      // SST sets the format; the levels (not among its options) are added to the function's loggingConfig.
      logging: { format: LAMBDA_LOGGING.format },
      transform: { function: (args) => void (args.loggingConfig = withLogLevels(args.loggingConfig)) },
      link: [...spec.tables.map((t) => tables[t]), ...bucketLinks(spec.tables), ...secretLinks(spec)],
      permissions: [...streamPermissions(name), ...webSocketPermissions(spec), ...busPermissions(name, spec), ...channelsPermissions(spec), ...kinesisPermissions(name)],
      environment: {
        WEFT_STAGE: $app.stage,
        ...scheduleEnvironment(name, spec),
        ...webSocketEnvironment(spec),
        ...busEnvironment(spec),
        ...channelsEnvironment(spec),
      },
    }),
);

/** The function's loggingConfig (as SST built it: format and log group) with the manifest's log levels. */
function withLogLevels(config: aws.lambda.FunctionArgs["loggingConfig"]): aws.lambda.FunctionArgs["loggingConfig"] {
  return $util.output(config).apply((c) => ({
    logFormat: c?.logFormat ?? "JSON",
    ...c,
    systemLogLevel: LAMBDA_LOGGING.systemLogLevel,
    applicationLogLevel: LAMBDA_LOGGING.applicationLogLevel,
  }));
}

/**
 * Loop length for each schedule that targets `fn`. The loop must end before the function
 * times out, or every scheduled run would end in a timeout error; checked here so a manifest
 * edit that breaks it fails the deploy instead of the function.
 */
function scheduleEnvironment(fn: FunctionName, spec: FunctionSpec): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, schedule] of entries(scheduleSpecs)) {
    if (schedule.function !== fn) continue;
    if (schedule.loopSeconds >= spec.timeoutSeconds) {
      throw new Error(
        `manifest: schedule "${name}" loops ${schedule.loopSeconds}s but function "${fn}" times out after ${spec.timeoutSeconds}s`,
      );
    }
    env[`WEFT_${name.toUpperCase()}_LOOP_SECONDS`] = String(schedule.loopSeconds);
  }
  return env;
}
