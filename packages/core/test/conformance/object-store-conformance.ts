import { describe, expect, it } from "vitest";
import type { ObjectStore } from "../../src/ports/object-store.js";
import { uid } from "./fixtures.js";

/** Bytes 0..255 repeated, then `n` pseudo-random ones (seeded), so bodies are binary and distinct. */
function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = i < 256 ? i : x & 0xff;
  }
  return out;
}

async function listAll(store: ObjectStore, prefix: string) {
  const out: Array<{ key: string; size: number }> = [];
  for await (const o of store.list(prefix)) out.push(o);
  return out;
}

/** ObjectStore contract suite (see ports/object-store.ts). Each test works under a fresh prefix, so one backing bucket may serve them all. */
export function runObjectStoreConformance(name: string, factory: () => Promise<ObjectStore>): void {
  describe(`ObjectStore conformance: ${name}`, () => {
    it("a put body comes back byte for byte; a missing key is undefined", async () => {
      const store = await factory();
      const p = uid("p");
      const body = bytes(70_000, 7);
      await store.put(`${p}/a.bin`, body);
      expect(Buffer.from((await store.get(`${p}/a.bin`))!).equals(Buffer.from(body))).toBe(true);
      expect(await store.get(`${p}/missing`)).toBeUndefined();
      await store.put(`${p}/empty`, new Uint8Array(0));
      expect((await store.get(`${p}/empty`))?.byteLength).toBe(0);
    });

    it("a second put replaces the body whole; delete removes it and is idempotent", async () => {
      const store = await factory();
      const key = `${uid("p")}/k`;
      await store.put(key, bytes(5_000, 1));
      await store.put(key, bytes(300, 2));
      expect(Buffer.from((await store.get(key))!).equals(Buffer.from(bytes(300, 2)))).toBe(true);
      await store.delete(key);
      expect(await store.get(key)).toBeUndefined();
      await store.delete(key);
    });

    it("the caller's buffer and the returned one are not shared with the store", async () => {
      const store = await factory();
      const key = `${uid("p")}/k`;
      const body = bytes(10, 3);
      await store.put(key, body);
      body[0] = 99;
      const got = (await store.get(key))!;
      got[1] = 99;
      expect(Array.from((await store.get(key))!)).toEqual(Array.from(bytes(10, 3)));
    });

    it("keys with slashes, spaces, plus, percent, tilde and unicode round-trip", async () => {
      const store = await factory();
      const p = uid("p");
      const keys = [`${p}/a b/c+d`, `${p}/100%/x~y`, `${p}/tenant=ü/doc=日本/😀.seg`, `${p}/=&?#[]`];
      for (const [i, key] of keys.entries()) await store.put(key, bytes(i + 1, i + 1));
      for (const [i, key] of keys.entries()) expect((await store.get(key))?.byteLength).toBe(i + 1);
      expect((await listAll(store, `${p}/`)).map((o) => o.key).sort()).toEqual([...keys].sort());
    });

    it("list yields keys under the prefix only, ascending in UTF-8 byte order, with sizes, across pages", async () => {
      const store = await factory();
      const p = uid("p");
      const keys = Array.from({ length: 1_205 }, (_, i) => `${p}/seg/${String(i).padStart(5, "0")}`);
      for (let i = 0; i < keys.length; i += 100) await Promise.all(keys.slice(i, i + 100).map((k, j) => store.put(k, bytes((i + j) % 7))));
      await store.put(`${p}/segx`, bytes(1));
      await store.put(`${p}/zz\u{1F600}`, bytes(2));
      await store.put(`${p}/zz\uFFFD`, bytes(3));
      const listed = await listAll(store, `${p}/seg/`);
      expect(listed.map((o) => o.key)).toEqual(keys);
      expect(listed.map((o) => o.size)).toEqual(keys.map((_, i) => i % 7));
      // U+FFFD (EF BF BD) sorts before U+1F600 (F0 9F 98 80) in UTF-8, after it in UTF-16.
      expect((await listAll(store, `${p}/zz`)).map((o) => o.key)).toEqual([`${p}/zz\uFFFD`, `${p}/zz\u{1F600}`]);
      expect(await listAll(store, uid("nothing"))).toEqual([]);
    });

    it("racing puts of one key leave one whole body", async () => {
      const store = await factory();
      const key = `${uid("p")}/race`;
      const bodies = [1, 2, 3, 4].map((s) => bytes(20_000, s));
      await Promise.all(bodies.map((b) => store.put(key, b)));
      const got = Buffer.from((await store.get(key))!);
      expect(bodies.some((b) => got.equals(Buffer.from(b)))).toBe(true);
    });

    it("refuses an empty, an over-long or a control-character key before writing", async () => {
      const store = await factory();
      for (const key of ["", "x".repeat(901), "a\nb", "a\u0000b"]) {
        await expect(store.put(key, bytes(1))).rejects.toMatchObject({ code: "invalid_request" });
      }
      // 902 bytes of UTF-8 (451 characters) is too long; 900 is the most a key may have.
      await expect(store.get("é".repeat(451))).rejects.toMatchObject({ code: "invalid_request" });
      await store.put("é".repeat(450), bytes(1));
      expect((await store.get("é".repeat(450)))?.byteLength).toBe(1);
      await store.delete("é".repeat(450));
    });
  });
}
