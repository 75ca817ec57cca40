import { rooms as spec } from "./manifest-rooms.js";
import { ENV, tables as tableSpecs, type TableName } from "./manifest.js";
import { secretLinks } from "./secrets.js";
import { tables } from "./tables.js";
import { bucketLinks } from "./buckets.js";
import { kinesisPutPermissions, streamName } from "./kinesis-streams.js";
import { webSocketEnvironment, webSocketPermissions } from "./websocket-api.js";

/**
 * The room tier (infra/manifest-rooms.ts `rooms`): the room server on ECS Fargate behind a public
 * Network Load Balancer, in a VPC of its own. Deploy notes, costs and what is unverified:
 * docs/deploy.md, "Room tier".
 *
 * Where the load balancer answers. A TLS listener needs a certificate, and a certificate needs a
 * domain, so the tier exists only on the stages listed here: nothing is guessed, and a stage that
 * is not listed deploys no room tier (no `roomsUrl` output); its clients keep using the WebSocket
 * API. The domain is not a secret, so it is reviewed and committed here rather than set per
 * machine (a deploy of `production` from a shell that lacks some variable must not remove the
 * tier). Two forms:
 * - `{ name }`: the domain's zone is a Route 53 hosted zone in the deploying account; SST creates
 *   an ACM certificate validated by DNS in that zone and an alias record to the load balancer.
 * - `{ name, cert }`: DNS is elsewhere; `cert` is the ARN of an issued ACM certificate for `name`
 *   in the deploy region, and the record (CNAME to the load balancer's DNS name) is yours to make.
 *
 * e.g. `production: { name: "rooms.example.com" }`.
 */
export const ROOMS_DOMAINS: Readonly<Partial<Record<string, RoomsDomain>>> = {};

export interface RoomsDomain {
  /** The host clients connect to: `wss://<name>/ws?token=<JWT>`. */
  name: string;
  /** An ACM certificate ARN, for a domain whose DNS is not a Route 53 zone of this account. */
  cert?: string;
}

/**
 * Environment the room server (`spec.entry`) reads besides its links and `WEFT_STAGE`: the port
 * of the WebSocket API and `GET /health` (the load balancer's target), and the port of the
 * `@connections` API (VPC only).
 */
export const ROOMS_ENV = { port: "PORT", privatePort: "WEFT_ROOMS_PRIVATE_PORT" } as const;

/**
 * The VPC's address range: SST's Vpc default, pinned here because the security group rule
 * below is written against it (SST carves its subnets, 10.0.<8i>.0/22 public and 10.0.<8i+4>.0/22
 * private per zone, out of this range, so it cannot change).
 */
const VPC_CIDR = "10.0.0.0/16";

/** The public port of the TLS listener. */
const TLS_PORT = 443;

/** TLS 1.3 and 1.2 only: AWS's recommended policy, pinned rather than left to the listener's default. */
const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

const stageDomain = ROOMS_DOMAINS[$app.stage];

/** The room tier of this stage, or undefined on a stage with no domain in ROOMS_DOMAINS. */
export const roomsTier = stageDomain ? createRoomsTier(stageDomain) : undefined;

function createRoomsTier(domain: RoomsDomain) {
  if (spec.privatePort === spec.port) throw new Error("manifest: rooms.port and rooms.privatePort must differ");

  /**
   * Networking: no NAT gateway, no VPC endpoints (SST's Vpc default: `nat` unset). SST's Service
   * places tasks on an SST Vpc in its PUBLIC subnets with a public IPv4 address each (v4.17,
   * service.ts: `containerSubnets: vpc.publicSubnets`, `assignPublicIp: true`), so they reach
   * DynamoDB, the API Gateway management API, ECR (image pulls) and CloudWatch Logs through the
   * internet gateway: no NAT's hourly and per-GB charges, $0.005 an hour per task's address
   * instead. A DynamoDB gateway endpoint (free) would only move DynamoDB's traffic off that path,
   * and the management API has no gateway endpoint; SST's Vpc creates neither (it has no endpoint
   * option), so one would be a raw `aws.ec2.VpcEndpoint` on the public route tables: not needed
   * for cost, left out.
   *
   * Inbound: the tasks use the VPC's default security group, which SST opens to the VPC's range on
   * every port; narrowed here to the two ports the server listens on, from the VPC's range only.
   * The load balancer reaches `port` from its private addresses in the VPC (client IP preservation
   * off, below); `privatePort` is reachable from inside the VPC only (Lambda functions or tasks in
   * this VPC), never from the internet: the tasks' public addresses accept nothing from outside it.
   */
  // Three zones: each task takes an address of a public /22 subnet (~1,000 a zone), and the
  // scaling maximum (rooms.scaling.max) needs more than two zones hold.
  const vpc = new sst.aws.Vpc("RoomsVpc", {
    az: 3,
    transform: {
      vpc: { cidrBlock: VPC_CIDR },
      securityGroup: (args) => {
        args.ingress = [
          { protocol: "tcp", fromPort: spec.port, toPort: spec.port, cidrBlocks: [VPC_CIDR], description: "Room WebSockets and health checks from the load balancer" },
          { protocol: "tcp", fromPort: spec.privatePort, toPort: spec.privatePort, cidrBlocks: [VPC_CIDR], description: "Room connections API, VPC only" },
        ];
      },
    },
  });

  const cluster = new sst.aws.Cluster("RoomsCluster", { vpc });

  const tableLinks = spec.tables.map((name) => {
    if (!(name in tableSpecs)) throw new Error(`manifest: rooms links table "${name}", which is not a manifest table`);
    return tables[name as TableName];
  });

  /**
   * The service. Image: Dockerfile.rooms (an esbuild bundle of `spec.entry` on Node 22), built by
   * SST with Docker on the deploying machine for the spec's architecture and pushed to SST's
   * bootstrap ECR repository. Links: exactly the spec's tables (IAM access to those only), the
   * buckets linked with them (infra/buckets.ts), and the JWT secrets (the server verifies
   * tokens like the HTTP function); SST passes links to a
   * container as plaintext `SST_RESOURCE_<Name>` variables of the task definition (the JWT
   * settings are not confidential). Scaling: target tracking on average CPU only (SST adds a
   * memory policy at 70% unless told not to). Capacity: regular Fargate and Fargate Spot as the
   * spec's `capacity` says (changing it makes SST replace the ECS service).
   *
   * Load balancer: SST's NLB (a `tls` listen protocol makes it a Network Load Balancer): a TLS
   * listener on 443 with the domain's certificate, forwarding WebSocket traffic as TCP to `port`.
   * SST's `loadBalancer.health` can only give a TCP target group a TCP health check, so the
   * target group's check is set below: `GET /health` over HTTP on `port`, healthy on 200. An NLB
   * ends a TCP flow idle for 350 s; clients ping every 30 s (the SDK does).
   */
  const service = new sst.aws.Service("RoomsService", {
    cluster,
    image: { context: ".", dockerfile: "Dockerfile.rooms", args: { ROOMS_ENTRY: spec.entry } },
    architecture: spec.architecture,
    cpu: spec.cpu,
    memory: spec.memory,
    scaling: { min: spec.scaling.min, max: spec.scaling.max, cpuUtilization: spec.scaling.cpuUtilization, memoryUtilization: false },
    // Regular Fargate for the base and a share of the rest, Fargate Spot for the others (ECS
    // places a service's tasks by this strategy; SST allows `base` on one provider only).
    capacity: {
      fargate: { base: spec.capacity.onDemandBase, weight: spec.capacity.onDemandWeight },
      spot: { weight: spec.capacity.spotWeight },
    },
    link: [...tableLinks, ...bucketLinks(spec.tables), ...secretLinks({})],
    permissions: [...webSocketPermissions(spec), ...kinesisPutPermissions(spec.streams)],
    environment: {
      WEFT_STAGE: $app.stage,
      // The committed-batch stream the tasks group-commit to (docs/rooms.md).
      ...(spec.streams.includes("committed") ? { [ENV.committedStream]: streamName("committed") } : {}),
      [ROOMS_ENV.port]: String(spec.port),
      [ROOMS_ENV.privatePort]: String(spec.privatePort),
      ...webSocketEnvironment(spec),
    },
    loadBalancer: {
      public: true,
      domain: domain.cert ? { name: domain.name, cert: domain.cert, dns: false } : domain.name,
      rules: [{ listen: `${TLS_PORT}/tls`, forward: `${spec.port}/tcp` }],
    },
    transform: {
      // SST opens the load balancer's security group to everything; only the listener's port.
      loadBalancerSecurityGroup: (args) => {
        args.ingress = [{ protocol: "tcp", fromPort: TLS_PORT, toPort: TLS_PORT, cidrBlocks: ["0.0.0.0/0"], description: "WSS from clients" }];
      },
      listener: (args) => {
        args.sslPolicy = TLS_POLICY;
      },
      target: (args) => {
        args.healthCheck = {
          protocol: "HTTP",
          port: "traffic-port",
          path: "/health",
          matcher: "200",
          interval: 10,
          timeout: 5,
          healthyThreshold: 3,
          unhealthyThreshold: 3,
        };
        // The default for TCP targets of type ip, pinned: the security group rule above admits
        // the load balancer's VPC addresses, not clients' addresses.
        args.preserveClientIp = "false";
      },
      // A Spot task's notice is two minutes: ECS waits that long after SIGTERM (its default is
      // 30 s) so a task reclaimed while busy closes its sockets and releases its leases itself.
      taskDefinition: (args) => {
        args.containerDefinitions = $output(args.containerDefinitions).apply((json) =>
          JSON.stringify((JSON.parse(json) as Record<string, unknown>[]).map((c) => ({ ...c, stopTimeout: spec.stopTimeoutSeconds }))),
        );
      },
      // Time for a new task to start listening before failed health checks count against it.
      service: (args) => {
        args.healthCheckGracePeriodSeconds = 60;
      },
    },
  });

  return {
    vpc,
    cluster,
    service,
    /** What clients connect to (append `?token=<JWT>`). */
    url: `wss://${domain.name}/ws`,
  };
}
