import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { meterSdkClient } from "../billing/sdk-metering.js";

/**
 * Settings for talking to DynamoDB Local at `endpoint` (which accepts any credentials made
 * of letters and digits); undefined on AWS, where the SDK's own region/credential chain applies.
 */
function localSettings(endpoint: string | undefined) {
  if (!endpoint) return {};
  return {
    endpoint,
    region: process.env.AWS_REGION ?? "us-east-1",
    credentials: { accessKeyId: "weftlocal", secretAccessKey: "weftlocal" },
  };
}

/**
 * The DynamoDB client every adapter uses; `WEFT_DYNAMO_ENDPOINT` points it at DynamoDB Local.
 * Its calls are metered (billing/sdk-metering.ts): request units per table go to the usage
 * meter under the calling function, and every item operation asks for ConsumedCapacity.
 */
export function dynamoClient(endpoint = process.env.WEFT_DYNAMO_ENDPOINT): DynamoDBClient {
  return meterSdkClient(new DynamoDBClient({ ...localSettings(endpoint), ...(endpoint ? { maxAttempts: 5 } : {}) }), "dynamodb");
}

/**
 * The DynamoDB Streams client, configured like `dynamoClient` (DynamoDB Local serves streams on
 * the same endpoint). Metered for call time only: no stream read is billed (sdk-metering.ts).
 */
export function dynamoStreamsClient(endpoint = process.env.WEFT_DYNAMO_ENDPOINT): DynamoDBStreamsClient {
  return meterSdkClient(new DynamoDBStreamsClient(localSettings(endpoint)), "dynamodbStreams");
}
