import { sesConfigurationSet } from "./channels.js";
import { functions } from "./functions.js";
import { named } from "./stage-names.js";

/**
 * SES bounce and complaint events -> the `sesFeedback` function, which disables the address
 * (permanent bounce) or the user's email (complaint): the configuration set's event
 * destination publishes to an SNS topic the function is subscribed to.
 */
const topic = new aws.sns.Topic("NotifySesFeedbackTopic", { name: named("notify-ses-feedback", 256) });

new aws.sesv2.ConfigurationSetEventDestination("NotifySesFeedbackDestination", {
  configurationSetName: sesConfigurationSet.configurationSetName,
  eventDestinationName: "bounces-and-complaints",
  eventDestination: { enabled: true, matchingEventTypes: ["BOUNCE", "COMPLAINT"], snsDestination: { topicArn: topic.arn } },
});

new aws.lambda.Permission("NotifySesFeedbackInvoke", {
  action: "lambda:InvokeFunction",
  function: functions.sesFeedback.name,
  principal: "sns.amazonaws.com",
  sourceArn: topic.arn,
});

new aws.sns.TopicSubscription("NotifySesFeedbackSubscription", {
  topic: topic.arn,
  protocol: "lambda",
  endpoint: functions.sesFeedback.arn,
});

export const sesFeedbackTopic = topic;
