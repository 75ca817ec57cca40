import { describe, expect, it } from "vitest";
import type { NotifyUser } from "../../src/notify/stores/common.js";
import { MAX_POLICY_BYTES, MAX_PREFERENCES_BYTES, type ContactFacts, type NotifyProfileStore } from "../../src/notify/stores/profile-store.js";
import { uid } from "./fixtures.js";

function newUser(tenant = uid("t")): NotifyUser {
  return { tenant, userId: uid("u") };
}

const prefs = {
  channels: { email: true, sms: false },
  topics: { mentions: { enabled: true, channels: ["in_app", "web_push"] } },
  quietHours: { start: "22:00", end: "07:00", timeZone: "America/New_York" },
  consent: [{ channel: "email", source: "settings", at: 1_760_000_000_000, userAgent: "Mozilla/5.0 (Zoë 👋🏽)" }],
};

const ann: ContactFacts = { email: { address: "ann@example.com", verified: true }, phone: { number: "+14155550100", verified: false } };

/** NotifyProfileStore contract suite. Stores may share one backing table: tests use fresh users and tenants. */
export function runNotifyProfileStoreConformance(name: string, factory: () => Promise<NotifyProfileStore>): void {
  describe(`NotifyProfileStore conformance: ${name}`, () => {
    it("an unknown user has revision 0, no preferences and no contacts; an unknown tenant no policy", async () => {
      const store = await factory();
      expect(await store.load(newUser())).toEqual({ preferencesRevision: 0, contacts: {} });
      expect(await store.loadPolicy(uid("t"))).toEqual({ version: 0 });
    });

    it("puts preferences compare-and-set on the revision", async () => {
      const store = await factory();
      const user = newUser();
      expect(await store.putPreferences(user, 0, prefs)).toEqual({ ok: true, revision: 1 });
      expect(await store.putPreferences(user, 0, { other: 1 })).toEqual({ ok: false, revision: 1 });
      expect(await store.putPreferences(user, 5, { other: 1 })).toEqual({ ok: false, revision: 1 });
      expect(await store.load(user)).toEqual({ preferences: prefs, preferencesRevision: 1, contacts: {} });
      expect(await store.putPreferences(user, 1, { channels: {} })).toEqual({ ok: true, revision: 2 });
      await store.putContacts(user, ann);
      expect(await store.load(user)).toEqual({ preferences: { channels: {} }, preferencesRevision: 2, contacts: ann });
    });

    it("lets exactly one of concurrent writers at the same revision win", async () => {
      const store = await factory();
      const user = newUser();
      const results = await Promise.all(Array.from({ length: 6 }, (_, k) => store.putPreferences(user, 0, { k })));
      expect(results.filter((r) => r.ok)).toEqual([{ ok: true, revision: 1 }]);
      expect(results.filter((r) => !r.ok)).toEqual(Array(5).fill({ ok: false, revision: 1 }));
      const winner = results.findIndex((r) => r.ok);
      expect((await store.load(user)).preferences).toEqual({ k: winner });
    });

    it("disables email on a hard failure; a sync of the same address cannot re-enable it", async () => {
      const store = await factory();
      const user = newUser();
      expect(await store.disableEmail(user, "bounce")).toBe(false);
      expect(await store.putContacts(user, ann)).toEqual(ann);
      expect(await store.disableEmail(user, "bounce", "old@example.com")).toBe(false);
      expect(await store.disableEmail(user, "bounce", "ann@example.com")).toBe(true);
      expect(await store.disableEmail(user, "complaint")).toBe(false);
      const disabled = { ...ann, email: { ...ann.email!, disabled: "bounce" as const } };
      expect((await store.load(user)).contacts).toEqual(disabled);
      // Same address without `disabled`: stays disabled; the phone change applies.
      const synced = { ...ann, phone: { number: "+919876543210", verified: true } };
      expect(await store.putContacts(user, synced)).toEqual({ ...synced, email: disabled.email });
      // Explicit re-enable, or a new address, starts enabled.
      expect(await store.putContacts(user, ann, { reenableEmail: true })).toEqual(ann);
      await store.disableEmail(user, "complaint");
      const moved = { email: { address: "ann@new.example", verified: false } };
      expect(await store.putContacts(user, moved)).toEqual(moved);
      expect((await store.load(user)).contacts).toEqual(moved);
      expect(await store.putContacts(user, {})).toEqual({});
      expect(await store.disableEmail(user, "bounce")).toBe(false);
    });

    it("keeps a display name with the contacts; refuses a bad one and keeps the stored facts", async () => {
      const store = await factory();
      const user = newUser();
      const named = { ...ann, name: "Ann Lee 李安" };
      expect(await store.putContacts(user, named)).toEqual(named);
      expect((await store.load(user)).contacts).toEqual(named);
      for (const name of ["", " Ann", "Ann\tLee", "x".repeat(129), 7 as unknown as string]) {
        await expect(store.putContacts(user, { ...ann, name })).rejects.toMatchObject({ code: "invalid_request", details: [expect.objectContaining({ path: "name" })] });
      }
      expect((await store.load(user)).contacts).toEqual(named);
      // A hard bounce keeps the name; a sync without a name removes it.
      expect(await store.disableEmail(user, "bounce")).toBe(true);
      expect((await store.load(user)).contacts.name).toBe("Ann Lee 李安");
      expect((await store.putContacts(user, { phone: ann.phone! })).name).toBeUndefined();
    });

    it("never loses a contacts change to a concurrent one", async () => {
      const store = await factory();
      const user = newUser();
      await store.putContacts(user, ann);
      const synced = { ...ann, phone: { number: "+14155550199", verified: true } };
      const [disabled] = await Promise.all([store.disableEmail(user, "complaint"), store.putContacts(user, synced), store.putContacts(user, synced)]);
      expect(disabled).toBe(true);
      expect((await store.load(user)).contacts).toEqual({ ...synced, email: { ...ann.email!, disabled: "complaint" } });
    });

    it("puts tenant policy compare-and-set on the version, per tenant", async () => {
      const store = await factory();
      const [t1, t2] = [uid("t"), uid("t")];
      const policy = { caps: { social: 3, windowMs: 3_600_000 }, sms: { classes: ["critical", "transactional"] } };
      expect(await store.putPolicy(t1, 0, policy)).toEqual({ ok: true, version: 1 });
      expect(await store.putPolicy(t1, 0, {})).toEqual({ ok: false, version: 1 });
      expect(await store.loadPolicy(t1)).toEqual({ policy, version: 1 });
      expect(await store.loadPolicy(t2)).toEqual({ version: 0 });
      expect(await store.putPolicy(t1, 1, { caps: {} })).toEqual({ ok: true, version: 2 });
      expect(await store.loadPolicy(t1)).toEqual({ policy: { caps: {} }, version: 2 });
      // A user id equal to a tenant's name never reaches the tenant's policy.
      expect(await store.load({ tenant: t1, userId: t1 })).toEqual({ preferencesRevision: 0, contacts: {} });
    });

    it("records a user's token groups (distinct, sorted), says whether they changed, and loads them with the profile", async () => {
      const store = await factory();
      const user = newUser();
      expect(await store.putGroups(user, ["eng", "design", "eng"])).toBe(true);
      expect(await store.putGroups(user, ["design", "eng"])).toBe(false);
      await store.putContacts(user, ann);
      expect(await store.load(user)).toEqual({ preferencesRevision: 0, contacts: ann, groups: ["design", "eng"] });
      expect(await store.putGroups(user, [])).toBe(true);
      expect((await store.load(user)).groups).toEqual([]);
      expect((await store.load({ tenant: `${user.tenant}x`, userId: user.userId })).groups).toBeUndefined();
      await expect(store.putGroups(user, [""])).rejects.toMatchObject({ code: "invalid_request" });
      expect((await store.load(user)).groups).toEqual([]);
    });

    it("isolates users across tenants", async () => {
      const store = await factory();
      const a = newUser();
      const c = { tenant: uid("t"), userId: a.userId };
      await store.putPreferences(a, 0, prefs);
      await store.putContacts(a, ann);
      expect(await store.load(c)).toEqual({ preferencesRevision: 0, contacts: {} });
      expect(await store.disableEmail(c, "bounce")).toBe(false);
    });

    it("refuses bad input with a clear error, changing nothing", async () => {
      const store = await factory();
      const user = newUser();
      await expect(store.putPreferences(user, 0, { x: "x".repeat(MAX_PREFERENCES_BYTES) })).rejects.toMatchObject({ code: "payload_too_large" });
      await expect(store.putPreferences(user, -1, {})).rejects.toMatchObject({ code: "invalid_request" });
      await expect(store.putPreferences(user, 0, undefined)).rejects.toMatchObject({ code: "invalid_request" });
      await expect(store.putPolicy(uid("t"), 0, { x: "x".repeat(MAX_POLICY_BYTES) })).rejects.toMatchObject({ code: "payload_too_large" });
      await expect(store.putPolicy("bad#tenant", 0, {})).rejects.toMatchObject({ code: "invalid_request" });
      const badFacts = [
        { email: { address: "not-an-email", verified: true } },
        { email: { address: "a@b.c", verified: "yes" } },
        { email: { address: "a@b.c", verified: true, disabled: "tired" } },
        { phone: { number: "555-0100", verified: true } },
      ] as ContactFacts[];
      for (const f of badFacts) await expect(store.putContacts(user, f)).rejects.toMatchObject({ code: "invalid_request" });
      await expect(store.disableEmail(user, "tired" as "bounce")).rejects.toMatchObject({ code: "invalid_request" });
      expect(await store.load(user)).toEqual({ preferencesRevision: 0, contacts: {} });
    });
  });
}
