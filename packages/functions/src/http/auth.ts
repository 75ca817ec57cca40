import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { TENANT_ID_PATTERN, WeftError, type Principal } from "@weft/core";
import { linkedSecret } from "../linked.js";

/** The secret the local stack signs and verifies HS256 tokens with unless WEFT_JWT_SECRET is set. */
export const LOCAL_DEV_SECRET = "weft-local-dev-secret";

export interface AuthConfig {
  /** HS256 shared secret (local stack). */
  secret?: string;
  /** On AWS: the identity provider's JWKS URL, with issuer and audience checks. */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

/**
 * On AWS: the linked secrets JwtJwksUrl, JwtIssuer and JwtAudience (infra/manifest.ts `secrets`;
 * SST refuses to deploy a stage without them). Locally: HS256 with WEFT_JWT_SECRET, or the local
 * development secret when WEFT_STAGE=local.
 */
export function authConfigFromEnv(env = process.env): AuthConfig {
  const jwksUrl = linkedSecret("JwtJwksUrl", env);
  if (jwksUrl) return { jwksUrl, issuer: linkedSecret("JwtIssuer", env), audience: linkedSecret("JwtAudience", env) };
  const secret = env.WEFT_JWT_SECRET ?? (env.WEFT_STAGE === "local" ? LOCAL_DEV_SECRET : undefined);
  if (!secret) throw new Error("no token verification configured: set the JwtJwksUrl, JwtIssuer and JwtAudience secrets (or WEFT_JWT_SECRET locally)");
  return { secret };
}

const USER_ID = /^[^\s#\u0000-\u001f]{1,128}$/;

/**
 * Verifies `Authorization: Bearer <JWT>` and returns who is calling. Only the algorithms of
 * the configured key type are accepted, so `alg: none` and algorithm-swap tokens fail; expiry
 * and not-before are enforced by jose. Every failure is the same 401 to the caller.
 */
export function createAuthenticator(config: AuthConfig): (header: string | undefined) => Promise<Principal> {
  let key: Uint8Array | JWTVerifyGetKey;
  let algorithms: string[];
  if (config.jwksUrl) {
    key = createRemoteJWKSet(new URL(config.jwksUrl));
    algorithms = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"];
  } else {
    key = new TextEncoder().encode(config.secret);
    algorithms = ["HS256"];
  }
  return async (header) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
    if (!m) throw new WeftError("unauthorized", "missing or malformed Authorization header (expected: Bearer <JWT>)");
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(m[1], key as Uint8Array, {
        algorithms,
        issuer: config.issuer,
        audience: config.audience,
      }));
    } catch (err) {
      throw new WeftError("unauthorized", `invalid token: ${(err as Error).message}`);
    }
    const { sub, tid, name, role, groups } = payload as JWTPayload & { tid?: unknown; name?: unknown; role?: unknown; groups?: unknown };
    if (typeof sub !== "string" || !USER_ID.test(sub)) throw new WeftError("unauthorized", "token has no valid `sub` claim");
    if (typeof tid !== "string" || !TENANT_ID_PATTERN.test(tid)) {
      throw new WeftError("unauthorized", "token has no valid `tid` (tenant) claim");
    }
    return {
      userId: sub,
      tenant: tid,
      ...(typeof name === "string" ? { name } : {}),
      admin: role === "admin",
      ...groupsOf(groups),
      ...(typeof payload.exp === "number" ? { expiresAt: payload.exp * 1000 } : {}),
      ...(role === "service" ? { service: true } : {}),
    };
  };
}

/** The most groups a token's `groups` claim may name (more is a 401: the token is not one we can judge). */
export const MAX_TOKEN_GROUPS = 100;

/**
 * The token's optional `groups` claim: an array of strings, matched as they are against group
 * ACL entries. Anything else (not an array, a non-string, over MAX_TOKEN_GROUPS) is a 401.
 */
function groupsOf(groups: unknown): { groups?: string[] } {
  if (groups === undefined) return {};
  if (!Array.isArray(groups) || groups.length > MAX_TOKEN_GROUPS || groups.some((g) => typeof g !== "string" || g.length === 0 || g.length > 128)) {
    throw new WeftError("unauthorized", `the token's \`groups\` claim must be an array of at most ${MAX_TOKEN_GROUPS} strings of 1..128 characters`);
  }
  return groups.length > 0 ? { groups: [...new Set(groups as string[])] } : {};
}
