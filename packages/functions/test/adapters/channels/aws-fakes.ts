import { SESv2Client } from "@aws-sdk/client-sesv2";
import { SNSClient } from "@aws-sdk/client-sns";
import type { Reply } from "./fake-server.js";

const credentials = { accessKeyId: "AKIDLOCAL", secretAccessKey: "local-secret" };

/** SDK clients pointed at a local stand-in, one attempt each (our retry policy is the only retry). */
export const sesClient = (endpoint: string) => new SESv2Client({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
export const snsClient = (endpoint: string) => new SNSClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });

/** A REST-JSON (SES v2) error as AWS sends it. */
export function sesError(status: number, type: string, message: string): Reply {
  return { status, headers: { "content-type": "application/json", "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazonaws.sesv2/` }, body: JSON.stringify({ message }) };
}

/** An AWS query-protocol (SNS) error. */
export function snsError(status: number, code: string, message: string, type = "Sender"): Reply {
  return {
    status,
    headers: { "content-type": "text/xml" },
    body: `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`,
  };
}

export function snsPublished(messageId: string): Reply {
  return {
    status: 200,
    headers: { "content-type": "text/xml" },
    body: `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>req-2</RequestId></ResponseMetadata></PublishResponse>`,
  };
}
