import { functions as functionSpecs, rules as ruleSpecs, type RuleSpec } from "./manifest.js";
import { bus, deadLetterQueues } from "./bus.js";
import { functions } from "./functions.js";
import { componentName, entries } from "./naming.js";
import { subscribeConsumer } from "./queues.js";
import { named } from "./stage-names.js";

/** Lambda's asynchronous invocation allows at most 2 retries of a handler error. */
const LAMBDA_ASYNC_MAX_RETRIES = 2;
/** ...and an event age of 60..21600 s. */
const LAMBDA_ASYNC_MAX_AGE = 21_600;

/**
 * One EventBridge rule per manifest rule, on the Weft bus, with the manifest's pattern, its
 * target function, retry policy and dead-letter queue (bus.ts), drained by its `deadLetter`
 * function. The local stack runs the same entries (packages/local/src/event-bus).
 *
 * EventBridge invokes a Lambda target asynchronously, so its retry policy covers delivery to
 * Lambda (throttling, a missing permission), not the handler's own errors: those are retried
 * by Lambda's asynchronous invocation (at most 2 times, within the rule's event age), after
 * which Lambda sends the event to the same queue as an on-failure destination record. So on
 * AWS a throwing handler is tried at most 3 times, where the local bus tries it
 * 1 + maximumRetryAttempts times (docs/architecture.md); both end in the same dead-letter store.
 */
export const ruleResources = entries(ruleSpecs).map(([name, rule]) => {
  const target = functions[rule.target];
  const deadLetters = deadLetterQueues[name];
  const queue = deadLetters.queue;
  const eventRule = new aws.cloudwatch.EventRule(componentName(name, "Rule"), {
    name: named(componentName(name, "Rule")),
    eventBusName: bus.name,
    eventPattern: JSON.stringify(rule.pattern),
    description: `weft ${name}: ${rule.target}`,
    state: "ENABLED",
  });
  new aws.cloudwatch.EventTarget(componentName(name, "RuleTarget"), {
    rule: eventRule.name,
    eventBusName: bus.name,
    arn: target.arn,
    retryPolicy: { maximumRetryAttempts: rule.retry.maximumRetryAttempts, maximumEventAgeInSeconds: rule.retry.maximumEventAgeInSeconds },
    deadLetterConfig: { arn: queue.arn },
  });
  new aws.lambda.Permission(componentName(name, "RuleInvokePermission"), {
    action: "lambda:InvokeFunction",
    function: target.name,
    principal: "events.amazonaws.com",
    sourceArn: eventRule.arn,
  });
  // EventBridge writes undeliverable events to the queue only if the queue's policy lets it.
  new aws.sqs.QueuePolicy(componentName(name, "RuleDeadLetterPolicy"), {
    queueUrl: queue.url,
    policy: $interpolate`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"${queue.arn}","Condition":{"ArnEquals":{"aws:SourceArn":"${eventRule.arn}"}}}]}`,
  });
  subscribeConsumer(deadLetters, functions[rule.deadLetter].arn);
  return eventRule;
});

/**
 * Lambda's asynchronous-invocation settings of each rule target: handler errors retried within
 * the rule's limits, then the event goes to the rule's dead-letter queue. One config per
 * function, so a function that is the target of two rules must have one retry policy.
 */
const asyncConfigs = new Map<keyof typeof functionSpecs, { rule: string; spec: RuleSpec }>();
for (const [name, rule] of entries(ruleSpecs)) {
  const seen = asyncConfigs.get(rule.target);
  if (seen && JSON.stringify(seen.spec.retry) !== JSON.stringify(rule.retry)) {
    throw new Error(`manifest: rules "${seen.rule}" and "${name}" target "${rule.target}" with different retry policies`);
  }
  if (seen) continue;
  asyncConfigs.set(rule.target, { rule: name, spec: rule });
  new aws.lambda.FunctionEventInvokeConfig(componentName(rule.target, "AsyncInvokeConfig"), {
    functionName: functions[rule.target].name,
    maximumRetryAttempts: Math.min(LAMBDA_ASYNC_MAX_RETRIES, rule.retry.maximumRetryAttempts),
    maximumEventAgeInSeconds: Math.max(60, Math.min(LAMBDA_ASYNC_MAX_AGE, rule.retry.maximumEventAgeInSeconds)),
    destinationConfig: { onFailure: { destination: deadLetterQueues[name].queue.arn } },
  });
}
