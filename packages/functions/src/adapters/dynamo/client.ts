import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";

/** DynamoDB Local accepts any credentials made of letters and digits. */
const LOCAL_CREDENTIALS = { accessKeyId: "weftlocal", secretAccessKey: "weftlocal" };

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
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 5,
  });
}

/** The DynamoDB Streams client, configured like `dynamoClient` (DynamoDB Local serves streams on the same endpoint). */
export function dynamoStreamsClient(endpoint = process.env.WEFT_DYNAMO_ENDPOINT): DynamoDBStreamsClient {
  if (!endpoint) return new DynamoDBStreamsClient({});
  return new DynamoDBStreamsClient({
    endpoint,
    region: process.env.AWS_REGION ?? "us-east-1",
    credentials: LOCAL_CREDENTIALS,
  });
}
