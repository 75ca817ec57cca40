/**
 * Offline stand-in for the globals SST generates at `.sst/platform/config.d.ts`.
 *
 * `sst install` (which needs network access: it downloads Pulumi and the AWS provider)
 * writes the real declarations there: `$config`, `$app`, `$interpolate`, `$util` (Pulumi),
 * `sst` (SST's components) and `aws` (@pulumi/aws). They cannot be generated on a machine
 * without network access, so this file declares the subset that sst.config.ts and infra/*
 * use, with the same names, shapes and nesting, so that code written against it compiles
 * unchanged against the real ones. Sources: SST's platform sources (config.ts, global.d.ts,
 * components/secret.ts and components/aws/{dynamo,function,queue,apigatewayv2,cron}.ts), the
 * generator of config.d.ts, Pulumi's output.ts, and @pulumi/aws's lambda/eventSourceMapping.
 *
 * Deliberate simplifications, all in the direction "what compiles here compiles against the
 * real types": only the arguments and members used here are declared, and argument types
 * are never wider than the real ones; results may be declared as a supertype of the real
 * one (`Queue.subscribe` returns a component); `Output<T>` lifts object properties like
 * Pulumi's but not those of strings and arrays; option bags carry only `parent` and
 * `dependsOn`.
 *
 * How it is replaced: the root tsconfig includes infra/, so `npx tsc -p tsconfig.json`
 * checks sst.config.ts and infra/* against this file. It cannot be loaded together with the
 * real file (both declare the same globals), so sst.config.ts does not reference
 * .sst/platform/config.d.ts (offline that reference is a hard "file not found" error; SST
 * itself never needs it, the CLI bundles the config with esbuild and provides the globals at
 * run time). After `npx sst install`, check against the real types with the tsconfig that
 * docs/deploy.md shows: it extends the root one, excludes this file and adds the generated
 * one. Nothing committed changes in either mode.
 */

interface AppInput {
  /** The stage passed to the CLI (`--stage`), or the local user name. */
  stage: string;
}

interface App {
  name: string;
  home: "aws" | "cloudflare" | "local";
  /** What happens to resources on removal; "retain" keeps tables (and buckets). */
  removal?: "remove" | "retain" | "retain-all";
  protect?: boolean;
  version?: string;
}

/** `aws.dynamodb.Table`, named outside `sst.aws`, where `aws` means that namespace. */
type DynamoTable = aws.dynamodb.Table;

interface Config {
  app(input: AppInput): App;
  /** Creates the resources; the returned record is printed and saved as the stage's outputs. */
  run(): Promise<Record<string, any> | void>;
}

declare global {
  const $config: (
    input: Omit<Config, "app"> & { app(input: AppInput): Promise<App> | App },
  ) => Config;

  const $app: {
    readonly name: string;
    readonly stage: string;
    readonly removal: "remove" | "retain" | "retain-all";
    readonly protect: boolean;
  };

  const $interpolate: typeof $util.interpolate;

  /** Pulumi's SDK (`@pulumi/pulumi`), as SST exposes it. */
  namespace $util {
    interface OutputInstance<T> {
      apply<U>(func: (t: T) => Input<U>): Output<U>;
    }
    type Input<T> = T | Promise<T> | OutputInstance<T>;
    type Output<T> = OutputInstance<T> & Lifted<T>;
    type Lifted<T> = T extends string | number | boolean | bigint | symbol | null | undefined
      ? {}
      : T extends readonly unknown[]
        ? {}
        : T extends object
          ? LiftedObject<T, NonFunctionPropertyNames<T>>
          : {};
    type NonFunctionPropertyNames<T> = { [K in keyof T]: T[K] extends Function ? never : K }[keyof T];
    type LiftedObject<T, K extends keyof T> = {
      [P in K]: T[P] extends OutputInstance<infer U> ? Output<U> : T[P] extends Promise<infer V> ? Output<V> : Output<T[P]>;
    };

    function interpolate(literals: TemplateStringsArray, ...placeholders: Input<any>[]): Output<string>;

    class Resource {
      readonly urn: Output<string>;
    }
    class CustomResource extends Resource {
      readonly id: Output<string>;
    }
    class ComponentResource extends Resource {}

    interface ResourceOptions {
      parent?: Resource;
      dependsOn?: Input<Input<Resource>[]> | Input<Resource>;
    }
    interface CustomResourceOptions extends ResourceOptions {}
    interface ComponentResourceOptions extends ResourceOptions {}
  }

  /** SST's components. */
  namespace sst {
    /** Per-stage value set with `sst secret set <Name> <value>`; deploy fails while unset. */
    class Secret extends $util.ComponentResource {
      constructor(name: string, placeholder?: $util.Input<string>);
      readonly name: $util.Output<string>;
      readonly value: $util.Output<string>;
    }

    namespace aws {
      type FunctionArn = `arn:${string}` & {};

      type FunctionPermissionArgs = {
        effect?: "allow" | "deny";
        actions: string[];
        resources: $util.Input<$util.Input<string>[]>;
      };

      interface FunctionArgs {
        /** `{path}/{file}.{export}` relative to the app root. */
        handler: $util.Input<string>;
        runtime?: $util.Input<"nodejs18.x" | "nodejs20.x" | "nodejs22.x" | "nodejs24.x">;
        timeout?: $util.Input<`${number} ${"second" | "seconds" | "minute" | "minutes"}`>;
        memory?: $util.Input<`${number} ${"MB" | "GB"}`>;
        environment?: $util.Input<Record<string, $util.Input<string>>>;
        permissions?: $util.Input<FunctionPermissionArgs[]>;
        /** Components whose access is granted and whose properties reach the SDK's `Resource`. */
        link?: $util.Input<any[]>;
        description?: $util.Input<string>;
      }

      class Function extends $util.ComponentResource {
        constructor(name: string, args: FunctionArgs, opts?: $util.ComponentResourceOptions);
        readonly name: $util.Output<string>;
        readonly arn: $util.Output<string>;
      }

      interface DynamoArgs {
        fields: $util.Input<Record<string, "string" | "number" | "binary">>;
        primaryIndex: $util.Input<{ hashKey: $util.Input<string>; rangeKey?: $util.Input<string> }>;
        stream?: $util.Input<"keys-only" | "new-image" | "old-image" | "new-and-old-images">;
        ttl?: $util.Input<string>;
      }

      class Dynamo extends $util.ComponentResource {
        constructor(name: string, args: DynamoArgs, opts?: $util.ComponentResourceOptions);
        readonly name: $util.Output<string>;
        readonly arn: $util.Output<string>;
        readonly nodes: { readonly table: $util.Output<DynamoTable> };
      }

      interface QueueArgs {
        visibilityTimeout?: $util.Input<`${number} ${"second" | "seconds" | "minute" | "minutes" | "hour" | "hours"}`>;
      }

      class Queue extends $util.ComponentResource {
        constructor(name: string, args?: QueueArgs, opts?: $util.ComponentResourceOptions);
        readonly arn: $util.Output<string>;
        readonly url: $util.Output<string>;
        /** Lambda subscriber through an event source mapping; a queue takes one subscriber. */
        subscribe(subscriber: $util.Input<string | FunctionArgs | FunctionArn>): $util.Output<$util.ComponentResource>;
      }

      interface ApiGatewayV2Args {
        /** Default `true`: any origin, method and header. */
        cors?: $util.Input<boolean>;
      }

      class ApiGatewayV2 extends $util.ComponentResource {
        constructor(name: string, args?: ApiGatewayV2Args, opts?: $util.ComponentResourceOptions);
        /** The API's invoke URL (or its custom domain). */
        readonly url: $util.Output<string>;
        /** `rawRoute` is `"{METHOD} /{path}"` (path params `{name}`, greedy `{proxy+}`) or `"$default"`. */
        route(rawRoute: string, handler: $util.Input<string | FunctionArgs | FunctionArn>): $util.ComponentResource;
      }

      interface CronArgs {
        function?: $util.Input<string | FunctionArgs | FunctionArn>;
        schedule: $util.Input<`rate(${string})` | `cron(${string})` | `at(${string})`>;
        enabled?: $util.Input<boolean>;
      }

      class Cron extends $util.ComponentResource {
        constructor(name: string, args: CronArgs, opts?: $util.ComponentResourceOptions);
      }
    }
  }

  /** The Pulumi AWS provider (`@pulumi/aws`). */
  namespace aws {
    namespace dynamodb {
      class Table extends $util.CustomResource {
        readonly arn: $util.Output<string>;
        readonly name: $util.Output<string>;
        readonly streamArn: $util.Output<string>;
        readonly streamEnabled: $util.Output<boolean | undefined>;
      }
    }

    namespace lambda {
      interface EventSourceMappingArgs {
        eventSourceArn?: $util.Input<string>;
        /** Name or ARN of the function. */
        functionName: $util.Input<string>;
        startingPosition?: $util.Input<string>;
        batchSize?: $util.Input<number>;
        maximumBatchingWindowInSeconds?: $util.Input<number>;
        /** -1 (default) retries until the record expires. */
        maximumRetryAttempts?: $util.Input<number>;
        /** -1 (default) or 60..604800. */
        maximumRecordAgeInSeconds?: $util.Input<number>;
        bisectBatchOnFunctionError?: $util.Input<boolean>;
        /** Only valid value: "ReportBatchItemFailures". */
        functionResponseTypes?: $util.Input<$util.Input<string>[]>;
        parallelizationFactor?: $util.Input<number>;
        destinationConfig?: $util.Input<types.input.lambda.EventSourceMappingDestinationConfig>;
        enabled?: $util.Input<boolean>;
      }

      class EventSourceMapping extends $util.CustomResource {
        constructor(name: string, args: EventSourceMappingArgs, opts?: $util.CustomResourceOptions);
        readonly uuid: $util.Output<string>;
        readonly functionArn: $util.Output<string>;
      }
    }

    namespace types.input.lambda {
      interface EventSourceMappingDestinationConfig {
        onFailure?: $util.Input<EventSourceMappingDestinationConfigOnFailure>;
      }
      interface EventSourceMappingDestinationConfigOnFailure {
        destinationArn: $util.Input<string>;
      }
    }
  }
}

export {};
