import { describe, expect, it } from "vitest";
import type { NotifyUser } from "../../src/notify/stores/common.js";
import { MAX_DEVICES_PER_USER, type DeviceStore, type NewDevice } from "../../src/notify/stores/device-store.js";
import { uid } from "./fixtures.js";

const T0 = 1_760_000_000_000;

function newUser(tenant = uid("t")): NotifyUser {
  return { tenant, userId: uid("u") };
}

function web(user: NotifyUser, n: number | string, keys = { p256dh: `p256-${n}`, auth: `auth-${n}` }): NewDevice {
  return { ...user, kind: "web_push", endpoint: `https://fcm.googleapis.com/fcm/send/${n}:APA91b-${"x".repeat(140)}`, keys };
}

function mobile(user: NotifyUser, token: string, platform: "fcm" | "apns" = "apns"): NewDevice {
  return { ...user, kind: "mobile_push", platform, token };
}

/** DeviceStore contract suite. Stores may share one backing table: tests use fresh users. */
export function runDeviceStoreConformance(name: string, factory: () => Promise<DeviceStore>): void {
  describe(`DeviceStore conformance: ${name}`, () => {
    it("an unknown user has no devices", async () => {
      const store = await factory();
      const user = newUser();
      expect(await store.list(user)).toEqual([]);
      expect(await store.remove(user, "nope")).toBe(false);
      expect(await store.removeByToken(user, "nope")).toBe(false);
    });

    it("adds idempotently per address: same id, createdAt kept, lastSeenAt advanced, keys refreshed", async () => {
      const store = await factory();
      const user = newUser();
      const first = await store.add(web(user, 1), T0);
      expect(first).toEqual({
        device: { ...web(user, 1), id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), createdAt: T0, lastSeenAt: T0 },
        created: true,
        evicted: [],
      });
      const again = await store.add(web(user, 1, { p256dh: "new-p", auth: "new-a" }), T0 + 50);
      expect(again).toEqual({ device: { ...first.device, keys: { p256dh: "new-p", auth: "new-a" }, lastSeenAt: T0 + 50 }, created: false, evicted: [] });
      // An older add never moves lastSeenAt back.
      expect((await store.add(web(user, 1), T0 + 10)).device.lastSeenAt).toBe(T0 + 50);
      const phone = await store.add(mobile(user, "apns-token-1"), T0 + 20);
      expect(phone.device).toEqual({ ...mobile(user, "apns-token-1"), id: expect.any(String), createdAt: T0 + 20, lastSeenAt: T0 + 20 });
      const moved = await store.add(mobile(user, "apns-token-1", "fcm"), T0 + 30);
      expect(moved.device).toMatchObject({ id: phone.device.id, platform: "fcm", createdAt: T0 + 20, lastSeenAt: T0 + 30 });
      expect(await store.list(user)).toEqual([{ ...first.device, lastSeenAt: T0 + 50 }, moved.device]);
      // The same address for another user is another registration with the same derived id.
      const other = newUser(user.tenant);
      const theirs = await store.add(web(other, 1), T0 + 99);
      expect(theirs).toMatchObject({ created: true, device: { id: first.device.id, userId: other.userId } });
      expect(await store.list(user)).toHaveLength(2);
    });

    it("removes by id and by endpoint or token, only for that user", async () => {
      const store = await factory();
      const a = newUser();
      const b = newUser(a.tenant);
      const w = await store.add(web(a, "w"), T0);
      const m = await store.add(mobile(a, "fcm-token-9", "fcm"), T0 + 1);
      await store.add(web(b, "w"), T0);
      await store.add(mobile(b, "fcm-token-9", "fcm"), T0);
      expect(await store.remove(a, w.device.id)).toBe(true);
      expect(await store.remove(a, w.device.id)).toBe(false);
      expect(await store.removeByToken(a, "fcm-token-9")).toBe(true);
      expect(await store.removeByToken(a, "fcm-token-9")).toBe(false);
      expect(await store.removeByToken(a, (web(a, "w") as { endpoint: string }).endpoint)).toBe(false);
      expect(await store.list(a)).toEqual([]);
      expect((await store.list(b)).map((d) => d.kind).sort()).toEqual(["mobile_push", "web_push"]);
      expect(await store.removeByToken(b, (web(b, "w") as { endpoint: string }).endpoint)).toBe(true);
      expect((await store.list(b)).map((d) => d.kind)).toEqual(["mobile_push"]);
      expect(m.device.id).not.toBe(w.device.id);
    });

    it(`keeps at most ${MAX_DEVICES_PER_USER} devices, evicting the least recently seen others`, async () => {
      const store = await factory();
      const user = newUser();
      const ids: string[] = [];
      for (let k = 0; k < MAX_DEVICES_PER_USER; k++) ids.push((await store.add(web(user, k), T0 + k * 10)).device.id);
      // Device 0 is seen again, so device 1 is now the least recently seen.
      await store.add(web(user, 0), T0 + 1_000);
      const added = await store.add(mobile(user, "tok-new"), T0 + 1_001);
      expect(added.evicted).toEqual([ids[1]]);
      // An add with an old time is still kept; the least recently seen other goes.
      const old = await store.add(mobile(user, "tok-old"), T0 - 1);
      expect(old.evicted).toEqual([ids[2]]);
      const list = await store.list(user);
      expect(list).toHaveLength(MAX_DEVICES_PER_USER);
      expect(list.map((d) => d.id)).toEqual([added.device.id, ids[0], ...ids.slice(3).reverse(), old.device.id]);
    });

    it("holds the bound under concurrent adds", async () => {
      const store = await factory();
      const user = newUser();
      const results = await Promise.all(Array.from({ length: 30 }, (_, k) => store.add(web(user, k), T0 + k)));
      const list = await store.list(user);
      expect(list.length).toBeLessThanOrEqual(MAX_DEVICES_PER_USER);
      expect(list[0].id).toBe(results[29].device.id);
      expect(new Set(list.map((d) => d.id)).size).toBe(list.length);
    });

    it("refuses malformed devices", async () => {
      const store = await factory();
      const user = newUser();
      const bad = [
        { ...user, kind: "sms", endpoint: "x" },
        { ...user, kind: "web_push", endpoint: "" },
        { ...user, kind: "web_push", endpoint: "x".repeat(2_049) },
        { ...user, kind: "mobile_push", platform: "hms", token: "t" },
        { ...user, kind: "mobile_push", platform: "fcm", token: "" },
        { ...user, kind: "web_push", endpoint: "https://x", keys: { p256dh: "", auth: "a" } },
        { tenant: user.tenant, userId: "", kind: "web_push", endpoint: "https://x" },
      ] as NewDevice[];
      for (const d of bad) await expect(store.add(d, T0)).rejects.toMatchObject({ code: "invalid_request" });
      await expect(store.add(web(user, 1), -5)).rejects.toMatchObject({ code: "invalid_request" });
      expect(await store.list(user)).toEqual([]);
    });
  });
}
