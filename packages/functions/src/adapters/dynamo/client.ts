import { DynamoDBClient } from "@aws-sdk/client-dynamodb";

/**
 * The DynamoDB client every adapter uses. `WEFT_DYNAMO_ENDPOINT` points it at DynamoDB
 * Local (with dummy credentials, which DynamoDB Local accepts); on AWS it is unset and the
 * SDK's normal region/credential chain applies.
 */
export function dynamoClient(endpoint = process.env.WEFT_DYNAMO_ENDPOINT): DynamoDBClient {
  if (!endpoint) return new DynamoDBClient({});
  return new DynamoDBClient({
    endpoint,
    region: process.env.AWS_REGION ?? "us-east-1",
    credentials: { accessKeyId: "weftlocal", secretAccessKey: "weftlocal" },
    maxAttempts: 5,
  });
}
