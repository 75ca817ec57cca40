/** The local Amazon S3 endpoint (docs/s3-local.md). */
export { startS3Local, type S3Local, type S3LocalOptions } from "./s3-server.js";
