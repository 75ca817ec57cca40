import type { AuthorizerContext } from "./ws-events.js";

/**
 * How API Gateway reads a Lambda REQUEST authorizer's output (the IAM-policy format, the only
 * one WebSocket APIs have): `{principalId, policyDocument: {Statement: [...]}, context?}`.
 *
 * - The call is allowed when some `Allow` statement names the method ARN (an action of
 *   `execute-api:Invoke`, `execute-api:*` or `*`; resources match with IAM's `*` and `?`
 *   wildcards) and no `Deny` statement does: an explicit Deny wins, no match at all is a deny.
 * - `context` must be a flat map of strings, numbers and booleans; later events carry it
 *   with every value turned into a string (API Gateway does that too: `true` arrives as
 *   `"true"`, `1` as `"1"`). A null value is dropped.
 * - A result without a string principalId or without a readable policy, or a context with
 *   nested values, is an authorizer configuration error: API Gateway answers 500.
 */
export type AuthorizerVerdict =
  | { kind: "allow"; authorizer: AuthorizerContext }
  | { kind: "deny" }
  | { kind: "invalid"; reason: string };

interface Statement {
  Effect: string;
  Action: string[];
  Resource: string[];
}

export function authorizerVerdict(result: unknown, arn: string, latencyMs: number): AuthorizerVerdict {
  if (!isObject(result)) return invalid("the result is not an object");
  const { principalId, policyDocument, context } = result;
  if (typeof principalId !== "string") return invalid("principalId is missing or not a string");
  const statements = readStatements(policyDocument);
  if (typeof statements === "string") return invalid(statements);
  const ctx = readContext(context);
  if (typeof ctx === "string") return invalid(ctx);

  const matching = statements.filter((s) => s.Action.some(actionMatches) && s.Resource.some((r) => wildcard(r).test(arn)));
  if (matching.some((s) => s.Effect === "Deny") || !matching.some((s) => s.Effect === "Allow")) return { kind: "deny" };
  return { kind: "allow", authorizer: { ...ctx, principalId, integrationLatency: latencyMs } };
}

function invalid(reason: string): AuthorizerVerdict {
  return { kind: "invalid", reason };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function list(v: unknown): string[] | undefined {
  const items = Array.isArray(v) ? v : [v];
  return items.length > 0 && items.every((x) => typeof x === "string") ? (items as string[]) : undefined;
}

function readStatements(doc: unknown): Statement[] | string {
  if (!isObject(doc)) return "policyDocument is missing or not an object";
  const raw = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  const out: Statement[] = [];
  for (const s of raw) {
    if (!isObject(s)) return "policyDocument.Statement is missing or not a list of objects";
    const action = list(s.Action);
    const resource = list(s.Resource);
    if (s.Effect !== "Allow" && s.Effect !== "Deny") return `statement Effect must be "Allow" or "Deny", got ${JSON.stringify(s.Effect)}`;
    if (!action || !resource) return "statement Action and Resource must be strings or lists of strings";
    out.push({ Effect: s.Effect, Action: action, Resource: resource });
  }
  return out;
}

function readContext(context: unknown): Record<string, string> | string {
  if (context === undefined || context === null) return {};
  if (!isObject(context)) return "context is not an object";
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(context)) {
    if (v === null || v === undefined) continue;
    if (!["string", "number", "boolean"].includes(typeof v)) return `context value "${k}" is not a string, number or boolean`;
    out[k] = String(v);
  }
  return out;
}

function actionMatches(action: string): boolean {
  return wildcard(action, "i").test("execute-api:Invoke");
}

/** IAM wildcards: `*` any run of characters, `?` any one character, everything else literal. */
function wildcard(pattern: string, flags = ""): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*").replaceAll("?", ".");
  return new RegExp(`^${body}$`, flags);
}
