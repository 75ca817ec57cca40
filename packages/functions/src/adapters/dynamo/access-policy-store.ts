import { DEFAULT_ACCESS_POLICY, type AccessPolicy, type AccessPolicyStore } from "@weft/core";
import { S, str } from "./codec.js";
import { Table, type DynamoAdapterOptions } from "./table.js";

/**
 * AccessPolicyStore on the `state` table: one item per tenant, pk = the tenant id (document
 * keys always hold a `#`, tenant ids never do, so no document shares it), sk = "access-policy",
 * the policy as JSON. Reads are strongly consistent GetItems.
 */
export class DynamoAccessPolicyStore implements AccessPolicyStore {
  private readonly table: Table;

  constructor(opts: DynamoAdapterOptions) {
    this.table = new Table(opts);
  }

  async get(tenant: string): Promise<AccessPolicy | undefined> {
    const item = await this.table.get({ pk: S(tenant), sk: S("access-policy") });
    return item ? { ...DEFAULT_ACCESS_POLICY, ...(JSON.parse(str(item, "policy")) as Partial<AccessPolicy>) } : undefined;
  }

  async put(tenant: string, policy: AccessPolicy): Promise<void> {
    await this.table.put({ Item: { pk: S(tenant), sk: S("access-policy"), policy: S(JSON.stringify(policy)) } });
  }
}
