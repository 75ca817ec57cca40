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
