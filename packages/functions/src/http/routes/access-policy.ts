import type { Hono } from "hono";
import { applyAccessPolicyPatch, DEFAULT_ACCESS_POLICY, type AccessPolicy, type AccessPolicyStore, type Principal } from "@weft/core";
import { jsonBody } from "./notify-common.js";

export interface AccessPolicyRouteDeps {
  accessPolicies: AccessPolicyStore;
  /** Forgets this process's cached policy of the tenant, so its own next request sees the change. */
  forgetAccessPolicy: (tenant: string) => void;
}

type Env = { Variables: { who: Principal } };

/**
 * The tenant's access policy (tenant admins; the /v1/admin/* guard checks the role):
 * - `GET /v1/admin/access/policy` -> `{newDocumentEveryone, editorsCanShare}` (defaults where
 *   never set);
 * - `PUT /v1/admin/access/policy` with either or both fields -> 200 with the whole policy as
 *   stored; 400 `invalid_request` with one detail per problem. Other processes cache the policy
 *   for up to 2 s, so a change applies to documents created after it within that.
 */
export function registerAccessPolicyRoutes(app: Hono<Env>, deps: AccessPolicyRouteDeps): void {
  app.get("/v1/admin/access/policy", async (c) => {
    return c.json(await current(deps, c.get("who").tenant));
  });

  app.put("/v1/admin/access/policy", async (c) => {
    const tenant = c.get("who").tenant;
    const body = await jsonBody(c);
    const next = applyAccessPolicyPatch(await current(deps, tenant), body);
    await deps.accessPolicies.put(tenant, next);
    deps.forgetAccessPolicy(tenant);
    return c.json(next);
  });
}

async function current(deps: AccessPolicyRouteDeps, tenant: string): Promise<AccessPolicy> {
  return (await deps.accessPolicies.get(tenant)) ?? { ...DEFAULT_ACCESS_POLICY };
}
