/**
 * Offline stand-in for the globals SST generates at `.sst/platform/config.d.ts`.
 *
 * `sst install` (which needs network access: it downloads Pulumi and the AWS provider)
 * writes the real declarations there: `$config`, `$app`, `$interpolate`, `$util` (Pulumi),
 * `sst` (SST's components) and `aws` (@pulumi/aws). They cannot be generated on a machine
 * without network access, so this file declares the subset that sst.config.ts and infra/*
 * use, with the same names, shapes and nesting, so that code written against it compiles
 * unchanged against the real ones. Sources: SST's platform sources (config.ts, global.d.ts,
 * components/secret.ts and components/aws/{dynamo,function,queue,apigatewayv2,cron}.ts,
 * apigateway-websocket{,-route}.ts), the generator of config.d.ts, Pulumi's output.ts, and
 * @pulumi/aws's lambda/eventSourceMapping, lambda/permission and apigatewayv2/{api,authorizer},
 * cloudwatch/{eventBus,eventRule,eventTarget}, lambda/functionEventInvokeConfig and sqs/queuePolicy.
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
type LambdaFunction = aws.lambda.Function;
type ApiGatewayV2Api = aws.apigatewayv2.Api;

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
        readonly nodes: { readonly function: $util.Output<LambdaFunction> };
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

      interface ApiGatewayWebSocketRouteArgs {
        /** Only on `$connect`: `lambda` is the id of an authorizer of this API (authorization type CUSTOM). */
        auth?: $util.Input<false | { iam?: $util.Input<boolean>; lambda?: $util.Input<string> }>;
      }

      /** API Gateway WebSocket API: route selection `$request.body.action`, stage `$default`. */
      class ApiGatewayWebSocket extends $util.ComponentResource {
        constructor(name: string, args?: {}, opts?: $util.ComponentResourceOptions);
        /** `wss://<api-id>.execute-api.<region>.amazonaws.com/$default` (or the custom domain). */
        readonly url: $util.Output<string>;
        /** `https://<api-id>.execute-api.<region>.amazonaws.com/$default`, for the management API client. */
        readonly managementEndpoint: $util.Output<string>;
        readonly nodes: { readonly api: ApiGatewayV2Api };
        /** `route` is `$connect`, `$disconnect`, `$default` or a value of the body's `action`. */
        route(
          route: string,
          handler: $util.Input<string | FunctionArgs | FunctionArn>,
          args?: ApiGatewayWebSocketRouteArgs,
        ): $util.ComponentResource;
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
    /** SNS: the SES feedback topic (declared from @pulumi/aws's sns/topic and topicSubscription). */
    namespace sns {
      interface TopicArgs {
        name?: $util.Input<string>;
      }
      class Topic extends $util.CustomResource {
        constructor(name: string, args?: TopicArgs, opts?: $util.CustomResourceOptions);
        readonly arn: $util.Output<string>;
        readonly name: $util.Output<string>;
      }
      interface TopicSubscriptionArgs {
        topic: $util.Input<string>;
        protocol: $util.Input<string>;
        endpoint: $util.Input<string>;
      }
      class TopicSubscription extends $util.CustomResource {
        constructor(name: string, args: TopicSubscriptionArgs, opts?: $util.CustomResourceOptions);
      }
    }

    /** SES v2 configuration sets and their event destinations (@pulumi/aws sesv2). */
    namespace sesv2 {
      interface ConfigurationSetArgs {
        configurationSetName: $util.Input<string>;
      }
      class ConfigurationSet extends $util.CustomResource {
        constructor(name: string, args: ConfigurationSetArgs, opts?: $util.CustomResourceOptions);
        readonly configurationSetName: $util.Output<string>;
        readonly arn: $util.Output<string>;
      }
      interface ConfigurationSetEventDestinationArgs {
        configurationSetName: $util.Input<string>;
        eventDestinationName: $util.Input<string>;
        eventDestination: $util.Input<{
          enabled?: $util.Input<boolean>;
          matchingEventTypes: $util.Input<$util.Input<string>[]>;
          snsDestination?: $util.Input<{ topicArn: $util.Input<string> }>;
        }>;
      }
      class ConfigurationSetEventDestination extends $util.CustomResource {
        constructor(name: string, args: ConfigurationSetEventDestinationArgs, opts?: $util.CustomResourceOptions);
      }
    }

    /** EventBridge (Pulumi keeps it under its old CloudWatch Events name). */
    namespace cloudwatch {
      interface EventBusArgs {
        /** Autonamed when absent; may not contain "/". */
        name?: $util.Input<string>;
        description?: $util.Input<string>;
      }

      class EventBus extends $util.CustomResource {
        constructor(name: string, args?: EventBusArgs, opts?: $util.CustomResourceOptions);
        readonly arn: $util.Output<string>;
        readonly name: $util.Output<string>;
      }

      interface EventRuleArgs {
        /** Name or ARN of the bus; default: the account's default bus. */
        eventBusName?: $util.Input<string>;
        /** The event pattern as a JSON string. */
        eventPattern?: $util.Input<string>;
        description?: $util.Input<string>;
        /** "ENABLED" (default), "DISABLED" or "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS". */
        state?: $util.Input<string>;
        name?: $util.Input<string>;
      }

      class EventRule extends $util.CustomResource {
        constructor(name: string, args?: EventRuleArgs, opts?: $util.CustomResourceOptions);
        readonly arn: $util.Output<string>;
        readonly name: $util.Output<string>;
      }

      interface EventTargetArgs {
        /** Name of the rule. */
        rule: $util.Input<string>;
        /** ARN of the target (here a Lambda function). */
        arn: $util.Input<string>;
        eventBusName?: $util.Input<string>;
        targetId?: $util.Input<string>;
        /** maximumRetryAttempts 0..185, maximumEventAgeInSeconds 60..86400. */
        retryPolicy?: $util.Input<{ maximumRetryAttempts?: $util.Input<number>; maximumEventAgeInSeconds?: $util.Input<number> }>;
        /** SQS queue for events that could not be delivered within the retry policy. */
        deadLetterConfig?: $util.Input<{ arn?: $util.Input<string> }>;
      }

      class EventTarget extends $util.CustomResource {
        constructor(name: string, args: EventTargetArgs, opts?: $util.CustomResourceOptions);
      }
    }

    namespace sqs {
      interface QueuePolicyArgs {
        queueUrl: $util.Input<string>;
        /** The policy document as a JSON string. */
        policy: $util.Input<string>;
      }

      class QueuePolicy extends $util.CustomResource {
        constructor(name: string, args: QueuePolicyArgs, opts?: $util.CustomResourceOptions);
      }
    }

    namespace apigatewayv2 {
      class Api extends $util.CustomResource {
        readonly apiEndpoint: $util.Output<string>;
        /** `arn:aws:execute-api:<region>:<account>:<api-id>`: prefix of IAM resources for invoke and @connections. */
        readonly executionArn: $util.Output<string>;
      }

      interface AuthorizerArgs {
        apiId: $util.Input<string>;
        /** "REQUEST" (Lambda) or "JWT" (HTTP APIs only). */
        authorizerType: $util.Input<string>;
        /** The function's invoke ARN (`arn:aws:apigateway:<region>:lambda:path/.../invocations`). */
        authorizerUri?: $util.Input<string>;
        /** WebSocket APIs: `route.request.header.<name>` / `route.request.querystring.<name>`. */
        identitySources?: $util.Input<$util.Input<string>[]>;
        /** 0 disables caching. */
        authorizerResultTtlInSeconds?: $util.Input<number>;
        name?: $util.Input<string>;
      }

      class Authorizer extends $util.CustomResource {
        constructor(name: string, args: AuthorizerArgs, opts?: $util.CustomResourceOptions);
      }
    }

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

      class Function extends $util.CustomResource {
        readonly arn: $util.Output<string>;
        readonly name: $util.Output<string>;
        /** What API Gateway integrations and authorizers call. */
        readonly invokeArn: $util.Output<string>;
      }

      interface PermissionArgs {
        action: $util.Input<string>;
        /** Name or ARN of the function. */
        function: $util.Input<string>;
        principal: $util.Input<string>;
        sourceArn?: $util.Input<string>;
      }

      class Permission extends $util.CustomResource {
        constructor(name: string, args: PermissionArgs, opts?: $util.CustomResourceOptions);
      }

      interface FunctionEventInvokeConfigArgs {
        /** Name or ARN of the function, without qualifier. */
        functionName: $util.Input<string>;
        /** 0..2 (default 2): retries of a handler error in asynchronous invocation. */
        maximumRetryAttempts?: $util.Input<number>;
        /** 60..21600. */
        maximumEventAgeInSeconds?: $util.Input<number>;
        destinationConfig?: $util.Input<{
          onFailure?: $util.Input<{ destination: $util.Input<string> }>;
          onSuccess?: $util.Input<{ destination: $util.Input<string> }>;
        }>;
      }

      class FunctionEventInvokeConfig extends $util.CustomResource {
        constructor(name: string, args: FunctionEventInvokeConfigArgs, opts?: $util.CustomResourceOptions);
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
