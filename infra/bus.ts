import { ENV, functions as functionSpecs, rules as ruleSpecs, type FunctionSpec } from "./manifest.js";
import { componentName, entries, mapRecord } from "./naming.js";
import { consumedQueue, QUEUE_CONSUME } from "./queues.js";
import { named } from "./stage-names.js";

/**
 * The event bus every committed batch is published to (one `weft.ops.committed` entry per
 * document batch; see packages/core/src/events/committed.ts). A custom bus, not the account's
 * default one, so rules and grants concern Weft's events only.
 */
export const bus = new aws.cloudwatch.EventBus("EventBus", { name: named("bus", 256) });

/**
 * One SQS dead-letter queue per manifest rule. Two writers put messages there (see rules.ts):
 * EventBridge, for an event it could not deliver to the target within the rule's retry policy
 * (body = the event, attributes RULE_ARN/TARGET_ARN/ERROR_CODE/ERROR_MESSAGE), and Lambda, for
 * an event whose handler kept throwing through its asynchronous retries (body = an on-failure
 * destination record). The rule's `deadLetter` function drains it into the dead-letters table
 * (partial batch responses; what it cannot store is parked in the queue's own dead-letter queue,
 * with an alarm: queues.ts). Created before the functions, whose IAM policies name it.
 */
export const deadLetterQueues = mapRecord(ruleSpecs, (name, rule) =>
  consumedQueue(componentName(name, "RuleDeadLetterQueue"), rule.deadLetter, `bus rule ${name}: undeliverable events`),
);

/** `WEFT_EVENT_BUS` for a function with `bus: true` (WEFT_EVENTS_ENDPOINT stays unset on AWS: the SDK's own endpoint). */
export function busEnvironment(spec: FunctionSpec): Record<string, $util.Input<string>> {
  return spec.bus ? { [ENV.eventBus]: bus.name } : {};
}

/**
 * IAM statements a function needs because of the bus: `events:PutEvents` on this bus for a
 * publisher (`bus: true`); `sqs:SendMessage` on its rules' dead-letter queues for a rule target
 * (Lambda sends the on-failure record with the function's own role); consuming them for a
 * rule's `deadLetter` function (it is subscribed by ARN, so SST does not grant it).
 */
export function busPermissions(fn: keyof typeof functionSpecs, spec: FunctionSpec): sst.aws.FunctionPermissionArgs[] {
  const out: sst.aws.FunctionPermissionArgs[] = [];
  if (spec.bus) out.push({ actions: ["events:PutEvents"], resources: [bus.arn] });
  for (const [name, rule] of entries(ruleSpecs)) {
    const queue = [deadLetterQueues[name].queue.arn];
    if (rule.target === fn) out.push({ actions: ["sqs:SendMessage"], resources: queue });
    if (rule.deadLetter === fn) out.push({ actions: QUEUE_CONSUME, resources: queue });
  }
  return out;
}
