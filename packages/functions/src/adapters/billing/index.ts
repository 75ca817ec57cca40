/** Usage metering: the process-wide meter, function attribution, and the AWS SDK middleware that counts billable units. */
export * from "./usage-context.js";
export * from "./sdk-metering.js";
export * from "./dynamo-usage.js";
export * from "./message-units.js";
export * from "./log-metering.js";
