/**
 * The reference part of docs/deploy.md, generated from infra/manifest.ts (`npm run docs:deploy`
 * rewrites it between its markers; a test fails when the file is out of date). Everything the
 * manifest decides is listed here and nowhere else by hand: tables, secrets, functions, routes,
 * stream subscriptions, Kinesis streams and their subscriptions, queues, bus rules and schedules.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  functions,
  kinesisStreams,
  kinesisSubscriptions,
  queueConsumers,
  routes,
  rules,
  schedules,
  secrets,
  subscriptions,
  tableLink,
  tables,
  PROVISIONED_STAGES,
  LAMBDA_ARCHITECTURE,
  type TableSpec,
  webSocket,
  type FunctionSpec,
} from "../infra/manifest.js";
import { componentName } from "../infra/naming.js";

export const START = "<!-- generated from infra/manifest.ts by `npm run docs:deploy`: do not edit by hand -->";
export const END = "<!-- end of generated reference -->";

const code = (s: string) => `\`${s}\``;
const row = (cells: Array<string | number>) => `| ${cells.join(" | ")} |`;
const table = (head: string[], rows: Array<Array<string | number>>) =>
  [row(head), row(head.map(() => "---")), ...rows.map(row)].join("\n");

function functionExtras(name: string, spec: FunctionSpec): string {
  const out: string[] = [];
  if (spec.bus) out.push("`WEFT_EVENT_BUS`, `events:PutEvents`");
  if (spec.webSocket) out.push("`WEFT_WS_ENDPOINT`, `execute-api:ManageConnections`");
  if (spec.channels) out.push("provider secrets, `WEFT_SES_CONFIGURATION_SET`, `ses:SendEmail`, `sns:Publish`");
  for (const [s, schedule] of Object.entries(schedules)) {
    if (schedule.function === name) out.push(`${code(`WEFT_${s.toUpperCase()}_LOOP_SECONDS=${schedule.loopSeconds}`)}, no async retries`);
  }
  for (const [s, sub] of Object.entries(subscriptions)) {
    if (sub.function === name) out.push(`reads the ${sub.table} stream (${s})`);
    if (sub.onFailure === name) out.push(`re-reads the ${sub.table} stream, consumes ${code(componentName(s, "StreamFailureQueue"))}`);
  }
  for (const [s, sub] of Object.entries(kinesisSubscriptions)) {
    if (sub.function === name) out.push(`reads the ${sub.stream} Kinesis stream (${s})`);
  }
  for (const [r, rule] of Object.entries(rules)) {
    if (rule.target === name) out.push(`target of rule ${code(r)}`);
    if (rule.deadLetter === name) out.push(`consumes ${code(componentName(r, "RuleDeadLetterQueue"))}`);
  }
  return out.join("; ");
}

export function renderReference(): string {
  const parts: string[] = [START, ""];
  parts.push(
    "### DynamoDB tables",
    "",
    `Point-in-time recovery on (SST's default), string keys. A function reads a table's name as \`Resource.<Component>.name\`. Billing: on-demand, except the tables with a production capacity on ${PROVISIONED_STAGES.length === 1 ? "stage" : "stages"} ${PROVISIONED_STAGES.map(code).join(", ")}: provisioned, with target-tracking auto scaling of reads and writes between the minimum and maximum units (Pulumi leaves the units to auto scaling after creation).`,
    "",
  );
  parts.push(
    table(
      ["Table", "Component (link)", "Partition / sort key", "Stream", "TTL attribute", "Production capacity"],
      Object.entries(tables).map(([name, t]) => {
        const spec = t as TableSpec;
        const c = spec.capacity;
        const capacity = `${c ? `provisioned, ${Math.round(c.targetUtilization * 100)}% target; reads ${c.read.min}-${c.read.max}, writes ${c.write.min}-${c.write.max} units` : "on-demand"}${spec.tableClass === "standard-ia" ? "; Standard-IA class (every stage)" : ""}`;
        return [code(name), code(tableLink(name)), `${code(spec.partitionKey)} / ${code(spec.sortKey)}`, spec.stream ? code(spec.stream.toUpperCase().replaceAll("-", "_")) : "none", spec.ttl ? code(spec.ttl) : "none", capacity];
      }),
    ),
    "",
  );
  parts.push("### Secrets", "", "Set with `npx sst secret set <Secret> <value> --stage <stage>`; linked, read at run time through SST's `Resource`.", "");
  parts.push(
    table(
      ["Secret", "Linked to", "Required", "Meaning"],
      Object.entries(secrets).map(([name, s]) => [code(name), s.linkedTo === "all" ? "every function" : "functions with `channels`", s.optional ? "no (empty = off)" : "**yes**", s.description]),
    ),
    "",
  );
  parts.push("### Lambda functions", "", `Runtime \`nodejs22.x\` on \`${LAMBDA_ARCHITECTURE}\`. Every function is linked to its tables (IAM access to those only) and to the JWT secrets, and gets \`WEFT_STAGE\`.`, "");
  parts.push(
    table(
      ["Function", "Component", "Handler", "Timeout", "Memory", "Tables", "Additionally"],
      Object.entries(functions).map(([name, f]) => [
        code(name),
        code(componentName(name, "Function")),
        code(f.handler),
        `${f.timeoutSeconds} s`,
        `${f.memoryMB} MB`,
        (f.tables as string[]).join(", ") || "none",
        functionExtras(name, f),
      ]),
    ),
    "",
  );
  parts.push(`### HTTP API routes (${routes.length})`, "", "All through one integration and one invoke permission (infra/api.ts).", "");
  parts.push(table(["Route", "Function"], routes.map((r) => [code(`${r.method} ${r.path}`), code(r.function)])), "");
  parts.push("### WebSocket API routes", "", `Authorizer: ${code(webSocket.authorizer)} on \`$connect\`, identity source ${(webSocket.identitySources ?? []).map(code).join(", ")}.`, "");
  parts.push(table(["Route", "Function"], Object.entries(webSocket.routes).map(([k, f]) => [code(k), code(f)])), "");
  parts.push("### Stream subscriptions (event source mappings)", "");
  const subs = Object.entries(subscriptions);
  const settings = ["table", "function", "startingPosition", "batchSize", "maximumBatchingWindowInSeconds", "maximumRetryAttempts", "maximumRecordAgeInSeconds", "bisectBatchOnFunctionError", "reportBatchItemFailures", "parallelizationFactor", "onFailure"] as const;
  parts.push(
    table(
      ["Setting", ...subs.map(([n]) => code(componentName(n, "StreamMapping")))],
      settings.map((key) => [code(key), ...subs.map(([, s]) => String(s[key]))]),
    ),
    "",
  );
  parts.push("### Kinesis streams and their subscriptions", "");
  parts.push(
    "Provisioned streams, encrypted with the AWS-managed key (`alias/aws/kinesis`), named `<app>-<stage>-<Name>Stream`. A subscription with `enhancedFanOut` reads through its own stream consumer (`<Name>Consumer`); none has an on-failure destination (docs/rooms.md, \"The committed stream\").",
    "",
  );
  parts.push(table(["Stream", "Shards", "Retention (hours)"], Object.entries(kinesisStreams).map(([n, k]) => [code(componentName(n, "Stream")), k.shards, k.retentionHours])), "");
  const ksubs = Object.entries(kinesisSubscriptions);
  const ksettings = ["stream", "function", "startingPosition", "batchSize", "maximumBatchingWindowInSeconds", "maximumRetryAttempts", "maximumRecordAgeInSeconds", "bisectBatchOnFunctionError", "reportBatchItemFailures", "parallelizationFactor", "enhancedFanOut"] as const;
  parts.push(
    table(
      ["Setting", ...ksubs.map(([n]) => code(componentName(n, "KinesisMapping")))],
      ksettings.map((key) => [code(key), ...ksubs.map(([, s]) => String(s[key]))]),
    ),
    "",
  );
  parts.push("### Queues", "");
  parts.push(
    `Every consumed queue: batches of ${queueConsumers.batchSize}, partial batch responses, visibility 6x its consumer's timeout; a message that fails ${queueConsumers.maxReceives} receives is parked in the queue's own dead-letter queue (\`<Queue>DeadLetterQueue\`, kept ${queueConsumers.parkedRetentionDays} days) and the alarm \`<Queue>DeadLettersAlarm\` fires.`,
    "",
  );
  parts.push(
    table(
      ["Queue", "Written by", "Consumed by"],
      [
        ...subs.map(([n, s]) => [code(componentName(n, "StreamFailureQueue")), `Lambda: on-failure records of ${code(componentName(n, "StreamMapping"))}`, code(s.onFailure)]),
        ...Object.entries(rules).map(([n, r]) => [code(componentName(n, "RuleDeadLetterQueue")), `EventBridge (undeliverable), Lambda (on-failure of ${code(r.target)})`, code(r.deadLetter)]),
      ],
    ),
    "",
  );
  parts.push("### Bus rules", "");
  parts.push(
    table(
      ["Rule", "Pattern", "Target", "Retry (EventBridge)", "Dead letters"],
      Object.entries(rules).map(([n, r]) => [code(componentName(n, "Rule")), code(JSON.stringify(r.pattern)), code(r.target), `${r.retry.maximumRetryAttempts} attempts, ${r.retry.maximumEventAgeInSeconds} s`, code(r.deadLetter)]),
    ),
    "",
  );
  parts.push("### Schedules (EventBridge Scheduler, `CronV2`)", "");
  parts.push(
    table(
      ["Schedule", "Expression", "Function", "Loop", "Retries"],
      Object.entries(schedules).map(([n, s]) => [code(componentName(n, "Schedule")), code(s.rate), code(s.function), `${s.loopSeconds} s`, "none (Scheduler and Lambda)"]),
    ),
    "",
  );
  parts.push(END);
  return parts.join("\n");
}

/** docs/deploy.md with its generated part replaced by `reference`. */
export function withReference(doc: string, reference: string): string {
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/deploy.md has no generated section (markers ${START} ... ${END})`);
  return doc.slice(0, start) + reference + doc.slice(end + END.length);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = new URL("../docs/deploy.md", import.meta.url);
  writeFileSync(path, withReference(readFileSync(path, "utf8"), renderReference()));
  process.stdout.write("docs/deploy.md: generated reference updated\n");
}
