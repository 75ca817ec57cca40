/**
 * Per-stage JWT verification settings for the HTTP API, stored with SST's secret mechanism
 * (`npx sst secret set JwtJwksUrl <url> --stage <stage>`). They are not confidential, but a
 * secret is SST's per-stage config store and, having no placeholder, makes a deploy fail
 * early with "Set a value for JwtIssuer ..." instead of shipping a function that rejects
 * every token. The functions read them as plain env vars (contract of
 * packages/functions/src/http/auth.ts): with WEFT_JWT_JWKS_URL set, tokens are verified
 * against that key set and the issuer and audience are enforced.
 */
export const jwtJwksUrl = new sst.Secret("JwtJwksUrl");
export const jwtIssuer = new sst.Secret("JwtIssuer");
export const jwtAudience = new sst.Secret("JwtAudience");

/** The JWT part of every function's environment. */
export const jwtEnvironment = {
  WEFT_JWT_JWKS_URL: jwtJwksUrl.value,
  WEFT_JWT_ISSUER: jwtIssuer.value,
  WEFT_JWT_AUDIENCE: jwtAudience.value,
};
