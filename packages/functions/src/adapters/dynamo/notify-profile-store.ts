import {
  assertNotifyUser,
  checkContacts,
  checkGroups,
  checkPolicy,
  checkPreferences,
  disabledContacts,
  mergeContacts,
  type ContactFacts,
  type EmailDisabledReason,
  type NotifyProfile,
  type NotifyProfileStore,
  type NotifyUser,
  type RevisionedPut,
  type VersionedPut,
} from "@weft/core/notify/stores/index";
import { assertTenant } from "@weft/core/notify/stores/common";
import { N, S, num, str } from "./codec.js";
import { key, tenantPk, userPk } from "./notify-keys.js";
import { Table, type DynamoAdapterOptions, type Item } from "./table.js";

const PREFS = "prefs";
const CONTACTS = "contacts";
const POLICY = "policy";
const GROUPS = "groups";
/** Attempts of a contacts change that keeps losing to concurrent changes. */
const ATTEMPTS = 8;

/**
 * NotifyProfileStore on the `notify` table:
 *
 * | pk | sk | what |
 * |---|---|---|
 * | `p#<tenant>#<userId>` | `prefs` | `revision` (N), `json` (S: the preferences) |
 * | `p#<tenant>#<userId>` | `contacts` | `cv` (N: change counter), `json` (S: the contact facts) |
 * | `p#<tenant>#<userId>` | `groups` | `json` (S: the token groups as last recorded, sorted) |
 * | `tp#<tenant>` | `policy` | `revision` (N: the policy version), `json` (S: the policy) |
 *
 * `load` is one consistent Query of the user's partition (all three items, one call). A
 * groups record is one PutItem conditioned on holding other groups (no read). Preferences
 * and policy puts are single conditional PutItems on the revision. A contacts change reads the
 * item and writes it back conditioned on `cv`, retrying a lost race, so concurrent changes
 * (an identity sync and a bounce) both apply to the latest facts.
 */
export class DynamoNotifyProfileStore implements NotifyProfileStore {
  private readonly table: Table;

  constructor(opts: DynamoAdapterOptions) {
    this.table = new Table(opts);
  }

  async load(user: NotifyUser): Promise<NotifyProfile> {
    assertNotifyUser(user);
    const items = new Map<string, Item>();
    for await (const page of this.table.query({
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": S(userPk("p", user)) },
      ConsistentRead: true,
    })) {
      for (const item of page) items.set(str(item, "sk"), item);
    }
    const prefs = items.get(PREFS);
    const contacts = items.get(CONTACTS);
    const facts: ContactFacts = contacts ? JSON.parse(str(contacts, "json")) : {};
    const profile: NotifyProfile = prefs
      ? { preferences: JSON.parse(str(prefs, "json")), preferencesRevision: num(prefs, "revision"), contacts: facts }
      : { preferencesRevision: 0, contacts: facts };
    const groups = items.get(GROUPS);
    if (groups) profile.groups = JSON.parse(str(groups, "json"));
    return profile;
  }

  async putGroups(user: NotifyUser, groups: readonly string[]): Promise<boolean> {
    const json = JSON.stringify(checkGroups(user, groups));
    const r = await this.table.conditional({
      put: {
        Item: { ...key(userPk("p", user), GROUPS), json: S(json) },
        ConditionExpression: "attribute_not_exists(pk) OR #j <> :j",
        ExpressionAttributeNames: { "#j": "json" },
        ExpressionAttributeValues: { ":j": S(json) },
      },
    });
    return r.ok;
  }

  async putPreferences(user: NotifyUser, expectRevision: number, preferences: unknown): Promise<RevisionedPut> {
    return this.cas(key(userPk("p", user), PREFS), expectRevision, checkPreferences(user, expectRevision, preferences));
  }

  async putContacts(user: NotifyUser, contacts: ContactFacts, opts: { reenableEmail?: boolean } = {}): Promise<ContactFacts> {
    assertNotifyUser(user);
    const next = checkContacts(contacts);
    return (await this.changeContacts(user, (stored) => mergeContacts(stored, next, opts.reenableEmail)))!;
  }

  async disableEmail(user: NotifyUser, reason: EmailDisabledReason, address?: string): Promise<boolean> {
    assertNotifyUser(user);
    disabledContacts({}, reason);
    return (await this.changeContacts(user, (stored) => disabledContacts(stored, reason, address))) !== undefined;
  }

  async loadPolicy(tenant: string): Promise<{ policy?: unknown; version: number }> {
    assertTenant(tenant);
    const item = await this.table.get(key(tenantPk(tenant), POLICY));
    return item ? { policy: JSON.parse(str(item, "json")), version: num(item, "revision") } : { version: 0 };
  }

  async putPolicy(tenant: string, expectVersion: number, policy: unknown): Promise<VersionedPut> {
    const r = await this.cas(key(tenantPk(tenant), POLICY), expectVersion, checkPolicy(tenant, expectVersion, policy));
    return r.ok ? { ok: true, version: r.revision } : { ok: false, version: r.revision };
  }

  private async cas(itemKey: Item, expect: number, json: string): Promise<RevisionedPut> {
    const r = await this.table.conditional({
      put: {
        Item: { ...itemKey, revision: N(expect + 1), json: S(json) },
        ConditionExpression: expect === 0 ? "attribute_not_exists(pk)" : "revision = :r",
        ...(expect === 0 ? {} : { ExpressionAttributeValues: { ":r": N(expect) } }),
      },
    });
    if (r.ok) return { ok: true, revision: expect + 1 };
    return { ok: false, revision: r.existing ? num(r.existing, "revision") : 0 };
  }

  /** Applies `change` to the latest facts; undefined from it = no change (returns undefined). */
  private async changeContacts(user: NotifyUser, change: (stored: ContactFacts) => ContactFacts | undefined): Promise<ContactFacts | undefined> {
    const itemKey = key(userPk("p", user), CONTACTS);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const item = await this.table.get(itemKey);
      const next = change(item ? JSON.parse(str(item, "json")) : {});
      if (next === undefined) return undefined;
      const cv = item ? num(item, "cv") : 0;
      const r = await this.table.conditional({
        put: {
          Item: { ...itemKey, cv: N(cv + 1), json: S(JSON.stringify(next)) },
          ConditionExpression: item ? "cv = :cv" : "attribute_not_exists(pk)",
          ...(item ? { ExpressionAttributeValues: { ":cv": N(cv) } } : {}),
        },
      });
      if (r.ok) return next;
    }
    throw new Error(`contacts of ${user.userId}: kept losing to concurrent changes (${ATTEMPTS} attempts)`);
  }
}
