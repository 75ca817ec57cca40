import { importPKCS8, SignJWT } from "jose";
import { describeError, fetchWithTimeout } from "./http-util.js";

/** The fields of a Google service-account key file that signing needs. */
export interface ServiceAccount {
  project_id: string;
  client_email: string;
  private_key: string;
  private_key_id?: string;
  /** Default https://oauth2.googleapis.com/token. */
  token_uri?: string;
}

export const FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging";

/**
 * OAuth 2.0 access tokens for a service account (the JWT-bearer grant, RFC 7523): a JWT signed
 * RS256 with the account's key is exchanged at `token_uri`. The token is cached until a minute
 * before it expires, and one exchange serves concurrent callers.
 */
export class GoogleAccessToken {
  private cached?: { token: string; until: number };
  private pending?: Promise<string>;

  constructor(
    private readonly account: ServiceAccount,
    private readonly opts: { scope?: string; now?: () => number; timeoutMs?: number } = {},
  ) {}

  async get(): Promise<string> {
    const now = this.now();
    if (this.cached && now < this.cached.until) return this.cached.token;
    this.pending ??= this.exchange().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** Forgets the cached token (after a 401). */
  invalidate(): void {
    this.cached = undefined;
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  private async exchange(): Promise<string> {
    const tokenUri = this.account.token_uri ?? "https://oauth2.googleapis.com/token";
    const key = await importPKCS8(this.account.private_key, "RS256");
    const iat = Math.floor(this.now() / 1000);
    const assertion = await new SignJWT({ scope: this.opts.scope ?? FCM_SCOPE })
      .setProtectedHeader({ alg: "RS256", typ: "JWT", ...(this.account.private_key_id ? { kid: this.account.private_key_id } : {}) })
      .setIssuer(this.account.client_email)
      .setAudience(tokenUri)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 3600)
      .sign(key);
    let res: Response;
    try {
      res = await fetchWithTimeout(tokenUri, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion }).toString(),
      }, this.opts.timeoutMs ?? 10_000);
    } catch (err) {
      throw new Error(`token endpoint unreachable: ${describeError(err)}`);
    }
    const body = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
    if (!res.ok || !body.access_token) throw new Error(`token exchange failed (${res.status}): ${body.error ?? ""} ${body.error_description ?? ""}`.trim());
    this.cached = { token: body.access_token, until: this.now() + Math.max(0, (body.expires_in ?? 3600) - 60) * 1000 };
    return body.access_token;
  }
}
