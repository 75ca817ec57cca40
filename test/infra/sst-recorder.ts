/**
 * Runs the SST program (sst.config.ts and infra/*) without SST or Pulumi: the globals it uses
 * (`sst`, `aws`, `$app`, `$interpolate`, `$config`) are replaced by a recorder that notes every
 * component and resource created, with its arguments, and every method called on one
 * (`api.route`, `queue.subscribe`, ...). Outputs (`table.name`, `queue.arn`) are tokens that
 * print as `{{<LogicalName>.<path>}}`, so the recorded arguments show what refers to what.
 *
 * This checks the program's own decisions (names, wiring, settings) for any stage; whether SST
 * and AWS accept the arguments is checked by the type check against SST's real component types
 * (scripts/check-infra.mjs) and, beyond that, only by a deploy (docs/deploy.md).
 */
export interface Recorded {
  /** `sst.aws.Queue`, `aws.cloudwatch.EventBus`, ... */
  type: string;
  name: string;
  args: Record<string, unknown>;
  opts?: Record<string, unknown>;
  calls: Array<{ method: string; args: unknown[] }>;
}

const TOKEN = Symbol("token");

export interface Token {
  (...args: unknown[]): unknown;
  [TOKEN]: string;
}

export function isToken(value: unknown): value is Token {
  return typeof value === "function" && TOKEN in value;
}

/** `{{Name.path}}` for a token, the value itself otherwise. */
export function tokenText(value: unknown): string {
  return isToken(value) ? `{{${value[TOKEN]}}}` : String(value);
}

/**
 * An output of a recorded resource: printable (`{{path}}`), with any property an output of
 * its own, callable (a method call on the resource is recorded and returns another token).
 */
function token(path: string, owner?: Recorded): Token {
  const fn = function (...args: unknown[]) {
    const method = path.slice(path.lastIndexOf(".") + 1);
    owner?.calls.push({ method, args });
    return token(`${path}()`, owner);
  } as Token;
  return new Proxy(fn, {
    get(target, key) {
      if (key === TOKEN) return path;
      if (key === Symbol.toPrimitive || key === "toString") return () => `{{${path}}}`;
      if (key === "toJSON") return () => `{{${path}}}`;
      if (key === "then" || typeof key === "symbol") return undefined;
      return token(`${path}.${String(key)}`, owner);
    },
    has: (_, key) => key === TOKEN,
  });
}

/** A namespace (`sst`, `aws.cloudwatch`) whose members are namespaces or recording constructors. */
function namespace(prefix: string, resources: Recorded[]): unknown {
  const ctor = function (this: unknown, name: string, args: Record<string, unknown> = {}, opts?: Record<string, unknown>) {
    const record: Recorded = { type: prefix, name, args, opts, calls: [] };
    resources.push(record);
    return token(name, record);
  };
  return new Proxy(ctor, {
    get: (_, key) => (typeof key === "symbol" ? undefined : namespace(`${prefix}.${key}`, resources)),
    construct: (_, argv) => ctor.apply(undefined, argv as [string, Record<string, unknown>, Record<string, unknown>]) as object,
  });
}

/** Template tag standing in for `$interpolate`: tokens print as `{{path}}`. */
function interpolate(strings: TemplateStringsArray, ...values: unknown[]): string {
  return strings.reduce((out, s, i) => out + s + (i < values.length ? tokenText(values[i]) : ""), "");
}

export interface SstRun {
  resources: Recorded[];
  app: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

/**
 * Runs sst.config.ts for `stage` against the recorder. The caller must reset the module
 * registry between runs (vitest `vi.resetModules()`), since infra/* creates its resources when
 * first imported, as it does under SST.
 */
export async function runSstProgram(stage: string, load: () => Promise<{ default: unknown }>): Promise<SstRun> {
  const resources: Recorded[] = [];
  const g = globalThis as Record<string, unknown>;
  const saved = Object.fromEntries(["sst", "aws", "$app", "$interpolate", "$config"].map((k) => [k, g[k]]));
  Object.assign(g, {
    sst: namespace("sst", resources),
    aws: namespace("aws", resources),
    $app: { name: "weft", stage },
    $interpolate: interpolate,
    $config: (config: unknown) => config,
  });
  try {
    const config = (await load()).default as { app(input: { stage: string }): Record<string, unknown>; run(): Promise<Record<string, unknown>> };
    const app = config.app({ stage });
    const outputs = await config.run();
    return { resources, app, outputs };
  } finally {
    Object.assign(g, saved);
  }
}

/** Replaces every token in `value` (deeply) with `resolve(path)`. */
export function resolveTokens(value: unknown, resolve: (path: string) => string): unknown {
  if (isToken(value)) return resolve(value[TOKEN]);
  if (typeof value === "string") return value.replace(/\{\{([^}]+)\}\}/g, (_, path: string) => resolve(path));
  if (Array.isArray(value)) return value.map((v) => resolveTokens(v, resolve));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveTokens(v, resolve)]));
  return value;
}
