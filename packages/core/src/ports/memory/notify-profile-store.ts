import { assertNotifyUser, assertTenant, type NotifyUser } from "../../notify/stores/common.js";
import {
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
  type RevisionedPut,
  type VersionedPut,
} from "../../notify/stores/profile-store.js";

interface Versioned {
  json: string;
  revision: number;
}

/** In-memory NotifyProfileStore: the reference implementation of the port contract. */
export class MemoryNotifyProfileStore implements NotifyProfileStore {
  private readonly preferences = new Map<string, Versioned>();
  private readonly contacts = new Map<string, ContactFacts>();
  private readonly policies = new Map<string, Versioned>();
  private readonly groups = new Map<string, string[]>();

  async load(user: NotifyUser): Promise<NotifyProfile> {
    assertNotifyUser(user);
    const prefs = this.preferences.get(key(user));
    const contacts = structuredClone(this.contacts.get(key(user)) ?? {});
    const groups = this.groups.get(key(user));
    const profile: NotifyProfile = prefs ? { preferences: JSON.parse(prefs.json), preferencesRevision: prefs.revision, contacts } : { preferencesRevision: 0, contacts };
    if (groups) profile.groups = [...groups];
    return profile;
  }

  async putGroups(user: NotifyUser, groups: readonly string[]): Promise<boolean> {
    const next = checkGroups(user, groups);
    const stored = this.groups.get(key(user));
    if (stored && JSON.stringify(stored) === JSON.stringify(next)) return false;
    this.groups.set(key(user), next);
    return true;
  }

  async putPreferences(user: NotifyUser, expectRevision: number, preferences: unknown): Promise<RevisionedPut> {
    return cas(this.preferences, key(user), expectRevision, checkPreferences(user, expectRevision, preferences));
  }

  async putContacts(user: NotifyUser, contacts: ContactFacts, opts: { reenableEmail?: boolean } = {}): Promise<ContactFacts> {
    assertNotifyUser(user);
    const next = mergeContacts(this.contacts.get(key(user)) ?? {}, checkContacts(contacts), opts.reenableEmail);
    this.contacts.set(key(user), next);
    return structuredClone(next);
  }

  async disableEmail(user: NotifyUser, reason: EmailDisabledReason, address?: string): Promise<boolean> {
    assertNotifyUser(user);
    const next = disabledContacts(this.contacts.get(key(user)) ?? {}, reason, address);
    if (next) this.contacts.set(key(user), next);
    return next !== undefined;
  }

  async loadPolicy(tenant: string): Promise<{ policy?: unknown; version: number }> {
    assertTenant(tenant);
    const p = this.policies.get(tenant);
    return p ? { policy: JSON.parse(p.json), version: p.revision } : { version: 0 };
  }

  async putPolicy(tenant: string, expectVersion: number, policy: unknown): Promise<VersionedPut> {
    const r = cas(this.policies, tenant, expectVersion, checkPolicy(tenant, expectVersion, policy));
    return { ok: r.ok, version: r.revision } as VersionedPut;
  }
}

function cas(map: Map<string, Versioned>, k: string, expect: number, json: string): RevisionedPut {
  const revision = map.get(k)?.revision ?? 0;
  if (revision !== expect) return { ok: false, revision };
  map.set(k, { json, revision: expect + 1 });
  return { ok: true, revision: expect + 1 };
}

function key(user: NotifyUser): string {
  return `${user.tenant}#${user.userId}`;
}
