import { beforeAll, describe, expect, it, vi } from "vitest";
import {
  bucketLink,
  buckets,
  functions as functionSpecs,
  kinesisSubscriptions,
  LAMBDA_ARCHITECTURE,
  LAMBDA_LOGGING,
  routes,
  rules,
  schedules,
  secrets,
  subscriptions,
  tableLink,
  tables,
  webSocket,
} from "../../infra/manifest.js";
import { componentName } from "../../infra/naming.js";
import { realisticSecrets } from "./realistic-secrets.js";
import { resolveTokens, runSstProgram, tokenText, type Recorded, type SstRun } from "./sst-recorder.js";

/**
 * The SST program's decisions, for two stages in one account: what every function's
 * environment comes to, how queues are consumed, what each resource is named, how routes,
 * the WebSocket authorizer and the schedules are wired, and what production protects.
 */
const runs: Record<string, SstRun> = {};
const STAGES = ["dev", "production"] as const;

beforeAll(async () => {
  for (const stage of STAGES) {
    vi.resetModules();
    // By URL, so the main type check does not follow it into infra/ (checked against SST's types by scripts/check-infra.mjs).
    runs[stage] = await runSstProgram(stage, () => import(/* @vite-ignore */ new URL("../../sst.config.ts", import.meta.url).href));
  }
});

const of = (run: SstRun, type: string) => run.resources.filter((r) => r.type === type);
const named = (run: SstRun, name: string) => run.resources.find((r) => r.name === name)!;
const fnName = (fn: string) => componentName(fn, "Function");

/** Lambda's limit on a function's environment variables, keys and values together. */
const LAMBDA_ENV_LIMIT = 4096;

/**
 * What SST's Function adds to the environment it is given (its `normalizeEnvironment`, v4.17):
 * always the app, the link decryption key and file; under `sst dev` also the region, AppSync
 * endpoints of the live bridge, the function id, app, stage, asset bucket and timeout.
 */
function sstAdditions(stage: string, component: string): Record<string, string> {
  return {
    SST_RESOURCE_App: JSON.stringify({ name: "weft", stage }),
    SST_KEY: "k".repeat(44),
    SST_KEY_FILE: "resource.enc",
    SST_REGION: "ap-southeast-2",
    SST_APPSYNC_HTTP: `https://${"a".repeat(26)}.appsync-api.ap-southeast-2.amazonaws.com/event`,
    SST_APPSYNC_REALTIME: `wss://${"a".repeat(26)}.appsync-realtime-api.ap-southeast-2.amazonaws.com/event/realtime`,
    SST_FUNCTION_ID: component,
    SST_APP: "weft",
    SST_STAGE: stage,
    SST_ASSET_BUCKET: `sst-asset-${"a".repeat(12)}`,
    SST_FUNCTION_TIMEOUT: "70 seconds",
  };
}

/** A deployed value for each token in an environment: the recorded physical name where there is one, realistic sizes otherwise. */
function deployedValue(run: SstRun, path: string): string {
  const [owner, ...rest] = path.split(".");
  const field = rest.join(".");
  const record = run.resources.find((r) => r.name === owner);
  if (record?.type === "sst.Secret" && field === "value") return realisticSecrets[owner as keyof typeof realisticSecrets] ?? "x".repeat(256);
  const recorded = record?.args[field];
  if (typeof recorded === "string") return recorded;
  if (field === "managementEndpoint") return "https://a1b2c3d4e5.execute-api.ap-southeast-2.amazonaws.com/$default";
  return `weft-${run.app.name ?? ""}-${"n".repeat(48)}`;
}

describe("function environments", () => {
  it.each(STAGES)("every function's environment, with what SST adds under sst dev and realistic provider secrets, stays under 4 KB (%s)", (stage) => {
    const run = runs[stage];
    const fns = of(run, "sst.aws.Function");
    expect(fns.map((f) => f.name).sort()).toEqual(Object.keys(functionSpecs).map(fnName).sort());
    for (const fn of fns) {
      const env = { ...(resolveTokens(fn.args.environment, (p) => deployedValue(run, p)) as Record<string, string>), ...sstAdditions(stage, fn.name) };
      const bytes = Object.entries(env).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
      expect(bytes, `${fn.name}: ${JSON.stringify(env)}`).toBeLessThan(LAMBDA_ENV_LIMIT);
    }
  });

  it("every function runs on the manifest's architecture (arm64), on every stage", () => {
    expect(LAMBDA_ARCHITECTURE).toBe("arm64");
    for (const stage of STAGES) for (const fn of of(runs[stage], "sst.aws.Function")) expect(fn.args.architecture, fn.name).toBe("arm64");
  });

  it("every function logs in JSON at the manifest's levels: Lambda's START/END/REPORT lines are off (system level WARN)", () => {
    expect(LAMBDA_LOGGING).toEqual({ format: "json", systemLogLevel: "WARN", applicationLogLevel: "INFO" });
    const g = globalThis as Record<string, unknown>;
    const saved = g.$util;
    // Pulumi's output() for a plain value, enough to run the transform on what SST builds.
    g.$util = { output: (v: unknown) => ({ apply: (f: (x: unknown) => unknown) => f(v) }) };
    try {
      for (const stage of STAGES) {
        for (const fn of of(runs[stage], "sst.aws.Function")) {
          expect(fn.args.logging, fn.name).toEqual({ format: "json" });
          // SST builds loggingConfig from `logging` (format and its log group); the transform adds the levels.
          const args: Record<string, unknown> = { loggingConfig: { logFormat: "JSON", logGroup: "{{group}}" } };
          (fn.args.transform as { function: (a: Record<string, unknown>) => void }).function(args);
          expect(args.loggingConfig, fn.name).toEqual({ logFormat: "JSON", logGroup: "{{group}}", systemLogLevel: "WARN", applicationLogLevel: "INFO" });
        }
      }
    } finally {
      g.$util = saved;
    }
  });

  it("secrets, tables and buckets are linked, never copied into the environment", () => {
    const run = runs.dev;
    for (const fn of of(run, "sst.aws.Function")) {
      const spec = functionSpecs[Object.keys(functionSpecs).find((k) => fnName(k) === fn.name) as keyof typeof functionSpecs];
      const env = JSON.stringify(fn.args.environment);
      expect(env).not.toMatch(/\{\{[A-Za-z]+(Table|Secret)?\.value\}\}/);
      for (const secret of Object.keys(secrets)) expect(env).not.toContain(`{{${secret}.`);
      for (const table of Object.keys(tables)) expect(env).not.toContain(`{{${tableLink(table)}.`);
      const links = (fn.args.link as unknown[]).map(tokenText);
      const expected = [
        ...spec.tables.map((t) => `{{${tableLink(t)}}}`),
        // The segments bucket goes wherever the log table does: every reader of the log reads segments.
        ...((spec.tables as readonly string[]).includes("log") ? [`{{${bucketLink("segments")}}}`] : []),
        ...Object.entries(secrets)
          .filter(([, s]) => s.linkedTo === "all" || (s.linkedTo === "channels" && "channels" in spec && spec.channels))
          .map(([name]) => `{{${name}}}`),
      ];
      expect(links.sort()).toEqual(expected.sort());
    }
    const declared = of(run, "sst.Secret");
    expect(declared.map((s) => s.name).sort()).toEqual(Object.keys(secrets).sort());
    // The buckets: private without CORS. (The room tier links them as well, infra/rooms.ts; no
    // stage has its domain configured here, so the recorder creates no tier to look at.)
    expect(of(run, "sst.aws.Bucket").map((b) => [b.name, b.args])).toEqual(Object.keys(buckets).map((b) => [bucketLink(b), { cors: false }]));
  });
});

describe("queue consumers", () => {
  it("every consumed queue reports partial batch failures, has its own dead-letter queue and an alarm on it", () => {
    const run = runs.dev;
    const consumed = of(run, "sst.aws.Queue").filter((q) => q.calls.some((c) => c.method === "subscribe"));
    // One per stream subscription (its on-failure queue) and one per bus rule (its dead-letter queue).
    expect(consumed.length).toBe(Object.keys(subscriptions).length + Object.keys(rules).length);
    const alarms = of(run, "aws.cloudwatch.MetricAlarm");
    for (const queue of consumed) {
      const subscribe = queue.calls.filter((c) => c.method === "subscribe");
      expect(subscribe, queue.name).toHaveLength(1);
      expect(subscribe[0].args[1], queue.name).toMatchObject({ batch: { partialResponses: true } });
      const dlq = queue.args.dlq as { queue: unknown; retry: number };
      expect(dlq.retry, queue.name).toBeGreaterThan(0);
      const dlqName = tokenText(dlq.queue).replace(/^\{\{(.+)\.arn\}\}$/, "$1");
      const deadLetterQueue = named(run, dlqName);
      expect(deadLetterQueue.type).toBe("sst.aws.Queue");
      expect(deadLetterQueue.calls).toEqual([]);
      const alarm = alarms.find((a) => tokenText((a.args.dimensions as { QueueName: unknown }).QueueName) === `{{${dlqName}.nodes.queue.name}}`);
      expect(alarm, `alarm on ${dlqName}`).toBeDefined();
      expect(alarm!.args).toMatchObject({ metricName: "ApproximateNumberOfMessagesVisible", threshold: 0, comparisonOperator: "GreaterThanThreshold" });
      expect((alarm!.args.alarmActions as unknown[]).map(tokenText)).toEqual(["{{AlarmTopic.arn}}"]);
    }
  });

  it("stream mappings report partial failures and are replaced delete-first", () => {
    const mappings = of(runs.dev, "aws.lambda.EventSourceMapping");
    expect(mappings).toHaveLength(Object.keys(subscriptions).length + Object.keys(kinesisSubscriptions).length);
    for (const m of mappings) {
      expect(m.args.functionResponseTypes).toEqual(["ReportBatchItemFailures"]);
      expect(m.opts).toMatchObject({ deleteBeforeReplace: true });
    }
  });

  it("the committed stream: the materializer reads it through its enhanced fan-out consumer, the room tier may put to it and knows its name", () => {
    for (const stage of STAGES) {
      const run = runs[stage];
      const stream = named(run, "CommittedStream");
      expect(stream.type).toBe("aws.kinesis.Stream");
      expect(stream.args).toMatchObject({ name: `weft-${stage}-CommittedStream`, streamModeDetails: { streamMode: "PROVISIONED" }, encryptionType: "KMS" });
      const consumer = named(run, "MaterializerCommittedConsumer");
      expect(consumer.type).toBe("aws.kinesis.StreamConsumer");
      expect(tokenText(consumer.args.streamArn)).toBe("{{CommittedStream.arn}}");
      const mapping = named(run, "MaterializerCommittedKinesisMapping");
      expect(tokenText(mapping.args.eventSourceArn)).toBe("{{MaterializerCommittedConsumer.arn}}");
      expect(tokenText(mapping.args.functionName)).toBe("{{MaterializerFunction.name}}");
      expect(mapping.args).toMatchObject({ startingPosition: "TRIM_HORIZON", bisectBatchOnFunctionError: true, maximumRetryAttempts: 8 });
      const materializer = named(run, "MaterializerFunction");
      const reads = JSON.stringify(resolveTokens(materializer.args.permissions, (p) => `{{${p}}}`));
      expect(reads).toContain("kinesis:SubscribeToShard");
      expect(reads).toContain("{{CommittedStream.arn}}/consumer/*");
      // The log stream's materializer mapping takes the sequencer function's appended batch items only (the room tier's come on the committed stream).
      const filter = named(run, "MaterializerStreamMapping").args.filterCriteria as { filters: Array<{ pattern: string }> };
      expect(JSON.parse(filter.filters[0].pattern)).toEqual({ eventName: ["INSERT"], dynamodb: { Keys: { sk: { S: [{ prefix: "b#" }] } }, NewImage: { deliveredLive: { BOOL: [{ exists: false }] } } } });
    }
  });
});

/** Resource types whose physical name is account-wide, and the argument that holds it. */
const NAMED: Record<string, string> = {
  "aws.cloudwatch.EventBus": "name",
  "aws.cloudwatch.EventRule": "name",
  "aws.cloudwatch.MetricAlarm": "name",
  "aws.sns.Topic": "name",
  "aws.sesv2.ConfigurationSet": "configurationSetName",
  "aws.appautoscaling.Policy": "name",
  "aws.kinesis.Stream": "name",
  "aws.kinesis.StreamConsumer": "name",
};
/** Raw resource types without an account-wide name (ids are generated, or scoped to a parent). */
const UNNAMED = new Set([
  "aws.lambda.Permission",
  "aws.lambda.EventSourceMapping",
  "aws.lambda.FunctionEventInvokeConfig",
  "aws.cloudwatch.EventTarget",
  "aws.sqs.QueuePolicy",
  "aws.sns.TopicSubscription",
  "aws.sesv2.ConfigurationSetEventDestination",
  "aws.apigatewayv2.Integration",
  "aws.apigatewayv2.Route",
  "aws.appautoscaling.Target",
]);

describe("names", () => {
  it("every raw resource with an account-wide name is named <app>-<stage>-..., and no two stages' names collide", () => {
    const names: Record<string, string[]> = {};
    for (const stage of STAGES) {
      names[stage] = [];
      for (const r of runs[stage].resources.filter((x) => x.type.startsWith("aws."))) {
        const field = NAMED[r.type];
        if (!field) {
          expect(UNNAMED.has(r.type), `${r.type} (${r.name}): classify it in NAMED or UNNAMED`).toBe(true);
          continue;
        }
        const name = r.args[field];
        expect(typeof name, `${r.type} ${r.name} has no explicit ${field}`).toBe("string");
        expect(name).toMatch(new RegExp(`^weft-${stage}-`));
        names[stage].push(name as string);
      }
      expect(new Set(names[stage]).size).toBe(names[stage].length);
    }
    expect(names.dev.filter((n) => names.production.includes(n))).toEqual([]);
  });

  it("SST components get unique logical names (SST prefixes their physical names with app and stage itself)", () => {
    const logical = runs.dev.resources.map((r) => r.name);
    expect(new Set(logical).size).toBe(logical.length);
  });
});

describe("HTTP API", () => {
  it("one route per manifest route, all through one integration and ONE invoke permission", () => {
    const run = runs.dev;
    expect(named(run, "Api").calls.filter((c) => c.method === "route")).toEqual([]);
    const routeKeys = of(run, "aws.apigatewayv2.Route").map((r) => r.args.routeKey);
    expect(routeKeys.sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
    const integrations = of(run, "aws.apigatewayv2.Integration");
    expect(integrations).toHaveLength(1);
    expect(integrations[0].args).toMatchObject({ integrationType: "AWS_PROXY", payloadFormatVersion: "2.0" });
    const httpPermissions = of(run, "aws.lambda.Permission").filter((p) => tokenText(p.args.function) === `{{${fnName("http")}.name}}`);
    expect(httpPermissions).toHaveLength(1);
    expect(httpPermissions[0].args).toMatchObject({ principal: "apigateway.amazonaws.com" });
  });
});

describe("WebSocket API", () => {
  it("the authorizer is SST's addAuthorizer (no result TTL), on $connect only", () => {
    const run = runs.dev;
    expect(of(run, "aws.apigatewayv2.Authorizer")).toEqual([]);
    const api = named(run, "WebSocketApi");
    const [authorizer] = api.calls.filter((c) => c.method === "addAuthorizer");
    const args = authorizer.args[1] as { lambda: Record<string, unknown> };
    expect(tokenText(args.lambda.function)).toBe(`{{${fnName(webSocket.authorizer)}.arn}}`);
    expect(args.lambda.identitySources).toEqual(["route.request.querystring.token"]);
    expect(JSON.stringify(args)).not.toMatch(/ttl|authorizerResultTtl/i);
    const routeCalls = api.calls.filter((c) => c.method === "route");
    expect(routeCalls.map((c) => c.args[0]).sort()).toEqual(Object.keys(webSocket.routes).sort());
    for (const c of routeCalls) {
      if (c.args[0] === "$connect") expect(tokenText((c.args[2] as { auth: { lambda: unknown } }).auth.lambda)).toBe("{{WebSocketApi.addAuthorizer().id}}");
      else expect(c.args[2]).toEqual({});
    }
  });
});

describe("schedules", () => {
  it("EventBridge Scheduler (CronV2) without retries, and Lambda's async retries off, so loops never overlap", () => {
    const run = runs.dev;
    expect(of(run, "sst.aws.Cron")).toEqual([]);
    const crons = of(run, "sst.aws.CronV2");
    expect(crons.map((c) => c.name).sort()).toEqual(Object.keys(schedules).map((s) => componentName(s, "Schedule")).sort());
    const configs = of(run, "aws.lambda.FunctionEventInvokeConfig");
    for (const [name, spec] of Object.entries(schedules)) {
      const cron = named(run, componentName(name, "Schedule"));
      expect(cron.args).toMatchObject({ schedule: spec.rate, retries: 0 });
      expect(tokenText(cron.args.function)).toBe(`{{${fnName(spec.function)}.arn}}`);
      const config = configs.find((c) => tokenText(c.args.functionName) === `{{${fnName(spec.function)}.name}}`);
      expect(config?.args).toMatchObject({ maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 });
      expect(spec.loopSeconds + 5).toBeLessThanOrEqual(60);
    }
  });
});

describe("production safety", () => {
  it("production is protected from sst remove and keeps its tables; other stages are disposable", () => {
    expect(runs.production.app).toMatchObject({ name: "weft", home: "aws", removal: "retain", protect: true });
    expect(runs.dev.app).toMatchObject({ removal: "remove", protect: false });
    for (const t of of(runs.production, "sst.aws.Dynamo")) expect(t.args.deletionProtection, t.name).toBe(true);
    for (const t of of(runs.dev, "sst.aws.Dynamo")) expect(t.args.deletionProtection, t.name).toBe(false);
  });

  it("production bills the steady tables provisioned, auto scaled on reads and writes; other stages and the bursty tables are on-demand; every table of the standard class", () => {
    const steady = Object.entries(tables).filter(([, spec]) => "capacity" in spec && spec.capacity).map(([name]) => name);
    expect(steady.sort()).toEqual(["connections", "docs", "inbox", "log", "notify", "search", "state"]);
    for (const [name, spec] of Object.entries(tables)) {
      const table = of(runs.production, "sst.aws.Dynamo").find((t) => t.name === tableLink(name))!;
      const transform = (table.args.transform as { table?: (args: Record<string, unknown>, opts: Record<string, unknown>) => void } | undefined)?.table;
      const targets = of(runs.production, "aws.appautoscaling.Target").filter((t) => t.name.startsWith(componentName(name, "Table")));
      const policies = of(runs.production, "aws.appautoscaling.Policy").filter((t) => t.name.startsWith(componentName(name, "Table")));
      if (!steady.includes(name)) {
        expect(transform, name).toBeUndefined();
        expect(targets, name).toEqual([]);
        continue;
      }
      const capacity = (spec as { capacity: { targetUtilization: number; read: { min: number; max: number }; write: { min: number; max: number } } }).capacity;
      // The table starts at the minimum and Pulumi leaves the units to auto scaling afterwards.
      const args: Record<string, unknown> = { billingMode: "PAY_PER_REQUEST" };
      const opts: Record<string, unknown> = {};
      transform!(args, opts);
      const tableClass = "tableClass" in spec && spec.tableClass === "standard-ia" ? { tableClass: "STANDARD_INFREQUENT_ACCESS" } : {};
      expect(args, name).toEqual({ billingMode: "PROVISIONED", readCapacity: capacity.read.min, writeCapacity: capacity.write.min, ...tableClass });
      expect(opts.ignoreChanges, name).toEqual(["readCapacity", "writeCapacity"]);
      expect(targets.map((t) => [t.args.scalableDimension, t.args.minCapacity, t.args.maxCapacity, tokenText(t.args.resourceId)]), name).toEqual([
        ["dynamodb:table:ReadCapacityUnits", capacity.read.min, capacity.read.max, `table/{{${tableLink(name)}.name}}`],
        ["dynamodb:table:WriteCapacityUnits", capacity.write.min, capacity.write.max, `table/{{${tableLink(name)}.name}}`],
      ]);
      expect(policies.map((p) => [p.args.policyType, (p.args.targetTrackingScalingPolicyConfiguration as { targetValue: number; predefinedMetricSpecification: { predefinedMetricType: string } }).predefinedMetricSpecification.predefinedMetricType, (p.args.targetTrackingScalingPolicyConfiguration as { targetValue: number }).targetValue]), name).toEqual([
        ["TargetTrackingScaling", "DynamoDBReadCapacityUtilization", Math.round(capacity.targetUtilization * 100)],
        ["TargetTrackingScaling", "DynamoDBWriteCapacityUtilization", Math.round(capacity.targetUtilization * 100)],
      ]);
    }
    // Other stages: on-demand; a table of the Standard-IA class keeps it everywhere (none is today: cut 28).
    const infrequent = Object.entries(tables).flatMap(([name, spec]) => ("tableClass" in spec && spec.tableClass === "standard-ia" ? [tableLink(name as keyof typeof tables)] : []));
    for (const t of of(runs.dev, "sst.aws.Dynamo")) {
      const transform = (t.args.transform as { table?: (args: Record<string, unknown>, opts: Record<string, unknown>) => void } | undefined)?.table;
      if (!infrequent.includes(t.name)) {
        expect(transform, t.name).toBeUndefined();
        continue;
      }
      const args: Record<string, unknown> = { billingMode: "PAY_PER_REQUEST" };
      const opts: Record<string, unknown> = {};
      transform!(args, opts);
      expect(args).toEqual({ billingMode: "PAY_PER_REQUEST", tableClass: "STANDARD_INFREQUENT_ACCESS" });
      expect(opts).toEqual({});
    }
    expect(of(runs.dev, "aws.appautoscaling.Target")).toEqual([]);
    expect(of(runs.dev, "aws.appautoscaling.Policy")).toEqual([]);
  });

  it("the outputs name every table and bucket by its link name", () => {
    const outputs = runs.dev.outputs;
    for (const table of Object.keys(tables)) expect(tokenText(outputs[tableLink(table)])).toBe(`{{${tableLink(table)}.name}}`);
    for (const bucket of Object.keys(buckets)) expect(tokenText(outputs[bucketLink(bucket)])).toBe(`{{${bucketLink(bucket)}.name}}`);
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(["apiUrl", "webSocketUrl", "eventBus", "alarmTopic"]));
  });
});
