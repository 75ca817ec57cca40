/** The local Amazon Kinesis Data Streams endpoint (docs/kinesis-local.md). */
export { startKinesisLocal, type KinesisLocal, type KinesisLocalOptions } from "./kinesis-server.js";
