/**
 * The room tier: documents' live path on containers (docs/rooms.md). One spec, read by SST
 * (infra/rooms.ts), the local stack (which runs the same server in-process) and the cost bench
 * (which prices its tasks on Fargate and its load balancer).
 *
 * Clients connect to `wss://<rooms domain>/ws?token=<JWT>` (a Network Load Balancer's TLS
 * listener forwarding to `port`) and speak the WebSocket protocol of docs/protocol.md, plus
 * `submit` (a change over the socket instead of `POST /v1/docs/{docId}/ops`). Each task runs the
 * core sequencer for the documents whose changes it receives and delivers the committed batches to
 * the room's sockets from memory; the per-document log's key fence keeps two tasks (or a task and
 * the HTTP path) that sequence the same document at once correct.
 *
 * `privatePort` serves the API Gateway management API's wire protocol (`POST/GET/DELETE
 * /@connections/{id}`) inside the VPC only: Lambda functions (notifications, the log stream's
 * broadcaster) and other tasks post to a room connection through it.
 */
export interface RoomsSpec {
  /** The container's entry point, run by Node (the image builds the repository). */
  entry: string;
  /** WebSocket and `GET /health` (the load balancer's target and health check). */
  port: number;
  /** The `@connections` API, reachable inside the VPC only. */
  privatePort: number;
  /** Fargate task size (SST's `cpu` and `memory` option strings). */
  cpu: "0.25 vCPU" | "0.5 vCPU" | "1 vCPU" | "2 vCPU" | "4 vCPU";
  memory: `${number} GB`;
  architecture: "arm64" | "x86_64";
  /** Service auto scaling on average CPU (target tracking). */
  scaling: { min: number; max: number; cpuUtilization: number };
  /**
   * Where the tasks run (the ECS service's capacity provider strategy, SST's `capacity`): the
   * first `onDemandBase` tasks on regular Fargate, and of the rest `onDemandWeight` in every
   * `onDemandWeight + spotWeight` on regular Fargate and the others on Fargate Spot. A Spot task
   * may be reclaimed with two minutes' notice (SIGTERM): it closes its sockets and releases its
   * documents' leases, and its clients reconnect to another task and resume (docs/rooms.md,
   * "Capacity"). The cost bench bills the split (prices.fargate's Spot rates).
   */
  capacity: { onDemandBase: number; onDemandWeight: number; spotWeight: number };
  /** Seconds ECS waits after SIGTERM before it kills the container (Fargate Spot's notice is 120 s; ECS allows at most 120). */
  stopTimeoutSeconds: number;
  /**
   * Open connections one task is sized to hold (memory: an idle WebSocket with its buffers and
   * subscriptions takes tens of KB; this leaves the task's memory mostly to the work). The cost
   * bench sizes the tier for the larger of its CPU and its connections.
   */
  maxConnectionsPerTask: number;
  /** The tables the tasks read and write (each linked as for a function). */
  tables: readonly string[];
  /** Posts to API Gateway WebSocket connections too (connections made before the room tier). */
  webSocket: boolean;
  /** The Kinesis streams the tasks put to (the manifest's kinesisStreams): the committed-batch stream. */
  streams: readonly string[];
}

export const rooms: RoomsSpec = {
  entry: "packages/functions/src/rooms/main.ts",
  port: 8080,
  privatePort: 8081,
  cpu: "1 vCPU",
  memory: "2 GB",
  architecture: "arm64",
  // The document product's peak (250,000 keystrokes/s) is ~2,000-2,400 tasks as the cost bench sizes
  // them (its CPU reading is an upper bound): the maximum leaves room above it, and the VPC's
  // three public /22 subnets hold ~3,000 task addresses (docs/deploy.md, "Room tier").
  scaling: { min: 2, max: 2_500, cpuUtilization: 60 },
  // The minimum on regular Fargate, and a quarter of the tasks above it: if Spot capacity runs
  // out, those and the scaling policy's new tasks keep the tier serving while it waits.
  capacity: { onDemandBase: 2, onDemandWeight: 1, spotWeight: 3 },
  stopTimeoutSeconds: 120,
  maxConnectionsPerTask: 10_000,
  // What the sequencer and the WebSocket routes need: the log, the sequencer state, the
  // connections (subscriptions and presence, shared with notifications), the quarantine, the
  // materialized states (ACLs of old logs) and the audit trail (access rejections). Hold-window
  // timers live in the state table; their wakes go through the inbox to the sequencer function.
  tables: ["inbox", "log", "state", "connections", "quarantine", "docs", "audit"],
  webSocket: true,
  streams: ["committed"],
};
