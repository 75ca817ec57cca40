/**
 * S3's error answer: HTTP status plus an XML body
 * `<Error><Code/><Message/><Resource/><RequestId/>…</Error>` (no body for HEAD, as S3 does).
 * The SDK throws the exception named by `Code` (NoSuchKey, BucketNotEmpty…) or, for a body-less
 * answer, by the status (404 → NotFound), with `$metadata.httpStatusCode` set to the status.
 */
export class S3Error extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** More elements of `<Error>` (BucketName, Key, Condition…), in order. */
    readonly extra: Record<string, string> = {},
    /** Response headers to send with the error (e.g. Content-Range on a 416). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const noSuchBucket = (bucket: string) => new S3Error("NoSuchBucket", 404, "The specified bucket does not exist", { BucketName: bucket });

export const noSuchKey = (key: string) => new S3Error("NoSuchKey", 404, "The specified key does not exist.", { Key: key });

export const preconditionFailed = (condition: string) =>
  new S3Error("PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold", { Condition: condition });

export const invalidArgument = (message: string, name?: string, value?: string) =>
  new S3Error("InvalidArgument", 400, message, name === undefined ? {} : { ArgumentName: name, ArgumentValue: value ?? "" });

/** An S3 operation (or a method) the local endpoint does not serve. */
export const notImplemented = (operation: string) =>
  new S3Error("NotImplemented", 501, `${operation} is not implemented by the local S3 endpoint.`);

export const methodNotAllowed = (method: string, resource: string) =>
  new S3Error("MethodNotAllowed", 405, `The specified method ${method} is not allowed against ${resource} by the local S3 endpoint.`, {
    Method: method,
    ResourceType: resource,
  });
