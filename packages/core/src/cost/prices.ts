/**
 * The one price table: AWS list prices in us-east-1 (N. Virginia), in USD, for every unit the
 * cost model bills (USAGE_UNITS in usage.ts) plus the storage and streaming prices later issues
 * need (S3, Kinesis).
 *
 * Provenance. This machine cannot reach the internet. Each entry was checked on
 * PRICE_TABLE_DATE against stored copies of AWS's pricing pages and of third-party pages quoting
 * them where such copies existed (`checked` says which), otherwise it is AWS's published price as
 * known to the author (`checked: "from memory"`). Re-check the marked entries against `source`
 * before quoting a bill to a customer.
 *
 * Free tiers are ignored everywhere (Lambda's 1M requests and 400,000 GB-s, DynamoDB's first
 * 25 GB, Scheduler's 14M invocations, ...): a product's bill is what it costs at scale, in an
 * account that other products share. Reserved capacity and savings plans are ignored too.
 *
 * "GB" is 2^30 bytes (BYTES_PER_GB), as AWS bills it. Prices are per `per` units of `unit`;
 * `tiers`, where set, are monthly volume tiers that apply to the account's total volume of that
 * unit in the month (priceOf). Data transfer out to the internet is one account-wide tiered
 * price (API Gateway, Lambda and EC2 share EC2's tiers).
 */

/** The date every entry was last checked. */
export const PRICE_TABLE_DATE = "2026-12-06";

/** The region the table prices. */
export const PRICE_REGION = "us-east-1";

/** Bytes in a billed GB (AWS bills GB as 2^30 bytes). */
export const BYTES_PER_GB = 2 ** 30;

/** The billing month: 30.4375 days (365.25 / 12), i.e. 2,629,800 seconds. */
export const SECONDS_PER_MONTH = 2_629_800;

/** Hours in the billing month (730.5), for hourly prices (provisioned capacity, shards). */
export const HOURS_PER_MONTH = SECONDS_PER_MONTH / 3600;

export const SECONDS_PER_DAY = 86_400;

/** One monthly volume tier: `usd` per `per` units for the volume up to `upTo` units a month (absent: no upper end). */
export interface PriceTier {
  upTo?: number;
  usd: number;
}

/** One price. */
export interface Price {
  /** USD per `per` units of `unit` (with `tiers`, the first tier's price). */
  usd: number;
  per: number;
  unit: string;
  /** Monthly volume tiers, ascending by `upTo`; the last has no `upTo`. */
  tiers?: readonly PriceTier[];
  /** When and how the price was checked: `${PRICE_TABLE_DATE}: <what it was checked against>`. */
  checked: string;
  /** The AWS page the price comes from. */
  source: string;
  note?: string;
}

/** Every price the cost model uses. */
export interface PriceTable {
  dynamodb: {
    writeRequestUnits: Price;
    readRequestUnits: Price;
    wcuHours: Price;
    rcuHours: Price;
    storageGbMonths: Price;
    streamReadsByLambda: Price;
    /** The Standard-Infrequent Access table class: requests 25% dearer, storage 60% cheaper. */
    infrequentAccess: { writeRequestUnits: Price; readRequestUnits: Price; wcuHours: Price; rcuHours: Price; storageGbMonths: Price };
  };
  lambda: { requests: Price; gbSecondsX86: Price; gbSecondsArm64: Price };
  apigw: { httpRequests: Price; wsMessages: Price; wsConnectionMinutes: Price };
  eventbridge: { customEvents: Price };
  scheduler: { invocations: Price };
  sqs: { standardRequests: Price };
  ses: { emails: Price };
  sns: { smsUs: Price; mobilePush: Price };
  push: { messages: Price };
  logs: { ingestedGb: Price; storedGbMonths: Price };
  s3: { storageGbMonths: Price; putRequests: Price; getRequests: Price };
  transfer: { outToInternetGb: Price };
  kinesis: {
    shardHours: Price;
    putPayloadUnits: Price;
    onDemandStreamHours: Price;
    onDemandIngestedGb: Price;
    onDemandRetrievedGb: Price;
    /** Enhanced fan-out (provisioned streams): each registered consumer's hours on each shard. */
    efoConsumerShardHours: Price;
    /** Enhanced fan-out (provisioned streams): GB pushed to each registered consumer. */
    efoRetrievedGb: Price;
  };
  /**
   * The room tier's tasks (infra/manifest-rooms.ts: Linux, arm64; regular Fargate and Fargate
   * Spot as its `capacity` says): per task, vCPUs and GB as sized.
   */
  fargate: {
    vcpuHoursArm64: Price;
    gbHoursArm64: Price;
    vcpuHoursX86: Price;
    gbHoursX86: Price;
    spotVcpuHoursArm64: Price;
    spotGbHoursArm64: Price;
    spotVcpuHoursX86: Price;
    spotGbHoursX86: Price;
  };
  /** The room tier's public Network Load Balancer (infra/rooms.ts). */
  elb: { nlbHours: Price; nlcuHours: Price };
  /** Public IPv4 addresses: one per room task (SST's Service runs tasks in public subnets) and one per zone of the load balancer. */
  vpc: { publicIpv4Hours: Price };
}

const M = 1_000_000;
const TB = 1024; // GB
const STORED = `${PRICE_TABLE_DATE}: stored copy of the AWS pricing page / quoting pages`;
const MEMORY = `${PRICE_TABLE_DATE}: from memory (no stored copy reachable); re-check`;

const DDB_ON_DEMAND = "https://aws.amazon.com/dynamodb/pricing/on-demand/";
const DDB_PROVISIONED = "https://aws.amazon.com/dynamodb/pricing/provisioned/";
const LAMBDA = "https://aws.amazon.com/lambda/pricing/";
const APIGW = "https://aws.amazon.com/api-gateway/pricing/";
const CLOUDWATCH = "https://aws.amazon.com/cloudwatch/pricing/";
const KINESIS = "https://aws.amazon.com/kinesis/data-streams/pricing/";
const S3 = "https://aws.amazon.com/s3/pricing/";
const DATA_TRANSFER = "https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer";
const FARGATE = "https://aws.amazon.com/fargate/pricing/";
const ELB = "https://aws.amazon.com/elasticloadbalancing/pricing/";
const VPC = "https://aws.amazon.com/vpc/pricing/";
/**
 * AWS's page shows the current Fargate Spot rates in a table rendered dynamically, and they move
 * with supply and demand. Quoting pages give 50-70% off the on-demand rate (SST's Service docs:
 * us-east-1 Linux/x86 Spot at $0.01218784 a vCPU-hour, 70% off); the bill takes the smallest
 * discount quoted, half the on-demand rate, so a cheaper month is the market's, not the model's.
 */
const SPOT_NOTE = "Half the on-demand rate: the smallest Spot discount the quoting pages give (50-70%); the live rate is on AWS's page and moves.";

export const PRICES: PriceTable = {
  dynamodb: {
    writeRequestUnits: {
      usd: 0.625, per: M, unit: "write request units", checked: STORED, source: DDB_ON_DEMAND,
      note: "On-demand, standard table class, after the November 2024 reduction (was $1.25).",
    },
    readRequestUnits: {
      usd: 0.125, per: M, unit: "read request units", checked: STORED, source: DDB_ON_DEMAND,
      note: "On-demand, standard table class, after the November 2024 reduction (was $0.25).",
    },
    wcuHours: { usd: 0.00065, per: 1, unit: "WCU-hours", checked: STORED, source: DDB_PROVISIONED },
    rcuHours: { usd: 0.00013, per: 1, unit: "RCU-hours", checked: STORED, source: DDB_PROVISIONED },
    storageGbMonths: {
      usd: 0.25, per: 1, unit: "GB-months", checked: MEMORY, source: DDB_ON_DEMAND,
      note: "Standard table class; the first 25 GB a month are free (ignored). Billed size includes 100 bytes of overhead per item.",
    },
    infrequentAccess: {
      writeRequestUnits: { usd: 0.78125, per: M, unit: "write request units (Standard-IA)", checked: STORED, source: DDB_ON_DEMAND, note: "1.25x the standard class." },
      readRequestUnits: { usd: 0.15625, per: M, unit: "read request units (Standard-IA)", checked: STORED, source: DDB_ON_DEMAND, note: "1.25x the standard class." },
      wcuHours: { usd: 0.0008125, per: 1, unit: "WCU-hours (Standard-IA)", checked: STORED, source: DDB_PROVISIONED, note: "1.25x the standard class." },
      rcuHours: { usd: 0.0001625, per: 1, unit: "RCU-hours (Standard-IA)", checked: STORED, source: DDB_PROVISIONED, note: "1.25x the standard class." },
      storageGbMonths: { usd: 0.1, per: 1, unit: "GB-months (Standard-IA)", checked: STORED, source: DDB_ON_DEMAND, note: "60% below the standard class." },
    },
    streamReadsByLambda: {
      usd: 0, per: M, unit: "stream read request units", checked: MEMORY, source: DDB_ON_DEMAND,
      note: "GetRecords made by Lambda event source mappings are free ($0.02 per 100,000 for other readers).",
    },
  },
  lambda: {
    requests: { usd: 0.2, per: M, unit: "requests", checked: STORED, source: LAMBDA },
    gbSecondsX86: {
      usd: 0.0000166667, per: 1, unit: "GB-seconds (x86_64)", checked: STORED, source: LAMBDA,
      tiers: [{ upTo: 6e9, usd: 0.0000166667 }, { upTo: 15e9, usd: 0.000015 }, { usd: 0.0000133334 }],
      note: "Weft's functions run x86_64 (the manifest configures no architecture). Tiers (6B / 9B / over 15B GB-s a month) are from memory. Since August 2025 the INIT phase is billed too: the measured billed ms must include cold starts.",
    },
    gbSecondsArm64: {
      usd: 0.0000133334, per: 1, unit: "GB-seconds (arm64)", checked: STORED, source: LAMBDA,
      tiers: [{ upTo: 7.5e9, usd: 0.0000133334 }, { upTo: 18.75e9, usd: 0.0000120001 }, { usd: 0.0000106667 }],
      note: "Tiers (7.5B / 11.25B / over 18.75B GB-s a month) are from memory.",
    },
  },
  apigw: {
    httpRequests: {
      usd: 1.0, per: M, unit: "HTTP API requests (512 KB units)", checked: STORED, source: APIGW,
      tiers: [{ upTo: 300 * M, usd: 1.0 }, { usd: 0.9 }],
    },
    wsMessages: {
      usd: 1.0, per: M, unit: "WebSocket messages (32 KB units)", checked: STORED, source: APIGW,
      tiers: [{ upTo: 1000 * M, usd: 1.0 }, { usd: 0.8 }],
    },
    wsConnectionMinutes: { usd: 0.25, per: M, unit: "connection minutes", checked: STORED, source: APIGW },
  },
  eventbridge: {
    customEvents: {
      usd: 1.0, per: M, unit: "custom events (64 KB chunks)", checked: STORED,
      source: "https://aws.amazon.com/eventbridge/pricing/",
      note: "Deliveries to targets in the same account are not charged separately.",
    },
  },
  scheduler: {
    invocations: {
      usd: 1.0, per: M, unit: "scheduled invocations", checked: STORED,
      source: "https://aws.amazon.com/eventbridge/pricing/#Scheduler", note: "The first 14M a month are free (ignored).",
    },
  },
  sqs: {
    standardRequests: {
      usd: 0.4, per: M, unit: "requests (64 KB chunks)", checked: STORED, source: "https://aws.amazon.com/sqs/pricing/",
      tiers: [{ upTo: 100_000 * M, usd: 0.4 }, { upTo: 200_000 * M, usd: 0.3 }, { usd: 0.24 }],
    },
  },
  ses: {
    emails: {
      usd: 0.1, per: 1000, unit: "emails", checked: MEMORY, source: "https://aws.amazon.com/ses/pricing/",
      note: "Outbound email; attachments add $0.12 per GB (not modelled).",
    },
  },
  sns: {
    smsUs: {
      usd: 0.00581, per: 1, unit: "SMS message parts to the US", checked: MEMORY,
      source: "https://aws.amazon.com/end-user-messaging/pricing/",
      note: "Approximate: varies by destination country, origination type (10DLC, toll-free) and carrier; carrier pass-through fees may come on top. A message longer than one part (160 GSM / 70 UCS-2 characters) is billed per part.",
    },
    mobilePush: {
      usd: 0.5, per: M, unit: "mobile push notifications", checked: MEMORY, source: "https://aws.amazon.com/sns/pricing/",
      note: "Not used: Weft calls FCM, APNs and web push directly.",
    },
  },
  push: {
    messages: {
      usd: 0, per: M, unit: "push messages", checked: MEMORY, source: "https://firebase.google.com/pricing",
      note: "FCM, APNs and web push are free; Weft calls them from its own Lambda (whose time is billed as Lambda).",
    },
  },
  logs: {
    ingestedGb: {
      usd: 0.5, per: 1, unit: "GB ingested", checked: STORED, source: CLOUDWATCH,
      tiers: [{ upTo: 10 * TB, usd: 0.5 }, { upTo: 30 * TB, usd: 0.25 }, { upTo: 50 * TB, usd: 0.1 }, { usd: 0.05 }],
      note: "Standard log class. Tiers apply to Lambda logs (vended-log pricing since May 2025); every Weft log line comes from a Lambda.",
    },
    storedGbMonths: {
      usd: 0.03, per: 1, unit: "GB-months stored (compressed)", checked: STORED, source: CLOUDWATCH,
    },
  },
  s3: {
    storageGbMonths: {
      usd: 0.023, per: 1, unit: "GB-months (S3 Standard)", checked: MEMORY, source: S3,
      tiers: [{ upTo: 50 * TB, usd: 0.023 }, { upTo: 500 * TB, usd: 0.022 }, { usd: 0.021 }],
    },
    putRequests: { usd: 0.005, per: 1000, unit: "PUT, COPY, POST, LIST requests", checked: MEMORY, source: S3 },
    getRequests: { usd: 0.0004, per: 1000, unit: "GET and other requests", checked: MEMORY, source: S3 },
  },
  transfer: {
    outToInternetGb: {
      usd: 0.09, per: 1, unit: "GB out to the internet", checked: STORED, source: DATA_TRANSFER,
      tiers: [{ upTo: 10 * TB, usd: 0.09 }, { upTo: 50 * TB, usd: 0.085 }, { upTo: 150 * TB, usd: 0.07 }, { usd: 0.05 }],
      note: "Account-wide tiers over EC2, Lambda and API Gateway traffic out; the first 100 GB a month free is ignored; data in is free.",
    },
  },
  kinesis: {
    shardHours: { usd: 0.015, per: 1, unit: "shard-hours (provisioned)", checked: MEMORY, source: KINESIS },
    putPayloadUnits: {
      usd: 0.014, per: M, unit: "PUT payload units (25 KB, provisioned)", checked: STORED, source: KINESIS,
    },
    onDemandStreamHours: { usd: 0.04, per: 1, unit: "stream-hours (on-demand)", checked: MEMORY, source: KINESIS },
    onDemandIngestedGb: { usd: 0.08, per: 1, unit: "GB ingested (on-demand)", checked: MEMORY, source: KINESIS },
    onDemandRetrievedGb: { usd: 0.04, per: 1, unit: "GB retrieved (on-demand)", checked: MEMORY, source: KINESIS },
    efoConsumerShardHours: {
      usd: 0.015, per: 1, unit: "enhanced fan-out consumer-shard-hours", checked: STORED, source: KINESIS,
      note: "Quoting pages (AWS's page renders its rates dynamically). Every registered enhanced fan-out consumer, per shard of its stream, every hour it is registered.",
    },
    efoRetrievedGb: {
      usd: 0.013, per: 1, unit: "GB retrieved by enhanced fan-out", checked: STORED, source: KINESIS,
      note: "Quoting pages, as efoConsumerShardHours. Each consumer's reads count: two consumers reading 1 GB are 2 GB.",
    },
  },
  fargate: {
    vcpuHoursArm64: {
      usd: 0.03238, per: 1, unit: "vCPU-hours (Linux/ARM)", checked: STORED, source: FARGATE,
      note: "Quoting pages (AWS's page renders its rates dynamically). Billed per second (one-minute minimum) from the image pull to the task's end; x86_64 is $0.04048. 20 GB of ephemeral storage per task are included.",
    },
    gbHoursArm64: {
      usd: 0.00356, per: 1, unit: "GB-hours (Linux/ARM)", checked: STORED, source: FARGATE,
      note: "Quoting pages, as vcpuHoursArm64; x86_64 is $0.004445.",
    },
    vcpuHoursX86: {
      usd: 0.04048, per: 1, unit: "vCPU-hours (Linux/x86)", checked: STORED, source: FARGATE,
      note: "Quoting pages, as vcpuHoursArm64 (25% above arm64).",
    },
    gbHoursX86: {
      usd: 0.004445, per: 1, unit: "GB-hours (Linux/x86)", checked: STORED, source: FARGATE,
      note: "Quoting pages, as vcpuHoursArm64.",
    },
    spotVcpuHoursArm64: {
      usd: 0.01619, per: 1, unit: "Fargate Spot vCPU-hours (Linux/ARM)", checked: STORED, source: FARGATE,
      note: SPOT_NOTE,
    },
    spotGbHoursArm64: {
      usd: 0.00178, per: 1, unit: "Fargate Spot GB-hours (Linux/ARM)", checked: STORED, source: FARGATE,
      note: SPOT_NOTE,
    },
    spotVcpuHoursX86: {
      usd: 0.02024, per: 1, unit: "Fargate Spot vCPU-hours (Linux/x86)", checked: STORED, source: FARGATE,
      note: SPOT_NOTE,
    },
    spotGbHoursX86: {
      usd: 0.0022225, per: 1, unit: "Fargate Spot GB-hours (Linux/x86)", checked: STORED, source: FARGATE,
      note: SPOT_NOTE,
    },
  },
  elb: {
    nlbHours: {
      usd: 0.0225, per: 1, unit: "Network Load Balancer-hours", checked: STORED, source: ELB,
      note: "Each started hour is billed as a full one.",
    },
    nlcuHours: {
      usd: 0.006, per: 1, unit: "NLCU-hours", checked: STORED, source: ELB,
      note: "An hour's NLCUs are its largest dimension. For a TLS listener one NLCU is 50 new connections a second, 3,000 active connections or 1 GB processed (TCP: 800, 100,000, 1 GB): from memory, re-check. Long-lived WebSockets make active connections the usual maximum.",
    },
  },
  vpc: {
    publicIpv4Hours: {
      usd: 0.005, per: 1, unit: "public IPv4 address-hours", checked: STORED, source: VPC,
      note: "Every public IPv4 address, in use or idle, since February 2024.",
    },
  },
};

/**
 * What `quantity` units of `price` cost in one month, in USD. With tiers, each tier's share of
 * the volume is charged at that tier's price (AWS's "first 300M at $1.00, then $0.90"), so the
 * cost is continuous, piecewise linear and non-decreasing in the volume. Throws on a negative or
 * non-finite quantity, and on tiers that do not ascend or whose last tier is not open-ended.
 */
export function priceOf(quantity: number, price: Price): number {
  if (!Number.isFinite(quantity) || quantity < 0) throw new Error(`price of ${price.unit}: bad quantity ${quantity}`);
  const tiers = price.tiers;
  if (!tiers) return (quantity / price.per) * price.usd;
  let usd = 0;
  let from = 0;
  for (const [i, tier] of tiers.entries()) {
    const upTo = tier.upTo ?? Infinity;
    if ((i === tiers.length - 1) !== (tier.upTo === undefined) || upTo <= from) {
      throw new Error(`price of ${price.unit}: tiers must ascend and only the last may be open-ended`);
    }
    usd += ((Math.max(0, Math.min(quantity, upTo) - from)) / price.per) * tier.usd;
    from = upTo;
  }
  return usd;
}
