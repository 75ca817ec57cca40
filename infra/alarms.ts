import { named } from "./stage-names.js";

/**
 * Where this stage's alarms go: one SNS topic (output `alarmTopic`). Subscribe the on-call
 * address or chat integration to it once per stage; every alarm Weft defines (alarm() below)
 * notifies it when it fires and when it clears.
 */
export const alarmTopic = new aws.sns.Topic("AlarmTopic", { name: named("alarms", 256) });

/**
 * A CloudWatch alarm on an SQS queue that should stay empty (a dead-letter queue): it fires as
 * soon as one message is visible, and clears when the queue is drained again.
 */
export function queueNotEmptyAlarm(name: string, queueName: $util.Input<string>, description: string): aws.cloudwatch.MetricAlarm {
  return new aws.cloudwatch.MetricAlarm(`${name}Alarm`, {
    name: named(name, 255),
    alarmDescription: description,
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: { QueueName: queueName },
    statistic: "Maximum",
    period: 60,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
    alarmActions: [alarmTopic.arn],
    okActions: [alarmTopic.arn],
  });
}

/**
 * A CloudWatch alarm on a Lambda function whose failed invocations mean trouble that will not
 * clear by itself (the function fails an invocation on purpose for it): fires on the first
 * error in a 5-minute period, and also when the function has not run at all for an hour
 * (`Invocations` missing: a broken schedule is as bad as a failing one).
 */
export function functionFailingAlarms(name: string, functionName: $util.Input<string>, description: string): aws.cloudwatch.MetricAlarm[] {
  const common = {
    namespace: "AWS/Lambda",
    dimensions: { FunctionName: functionName },
    alarmActions: [alarmTopic.arn],
    okActions: [alarmTopic.arn],
  };
  return [
    new aws.cloudwatch.MetricAlarm(`${name}ErrorsAlarm`, {
      ...common,
      name: named(`${name}-errors`, 255),
      alarmDescription: description,
      metricName: "Errors",
      statistic: "Sum",
      period: 300,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
    }),
    new aws.cloudwatch.MetricAlarm(`${name}NotRunningAlarm`, {
      ...common,
      name: named(`${name}-not-running`, 255),
      alarmDescription: `${description} (not invoked for an hour: its schedule is broken)`,
      metricName: "Invocations",
      statistic: "Sum",
      period: 3600,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      treatMissingData: "breaching",
    }),
  ];
}
