import { checkObjectKey, type ObjectStore } from "../object-store.js";

/** In-memory ObjectStore: the reference implementation of the port contract (bodies are copied in and out). */
export class MemoryObjectStore implements ObjectStore {
  private readonly objects = new Map<string, Uint8Array>();

  async put(key: string, body: Uint8Array): Promise<void> {
    checkObjectKey(key);
    this.objects.set(key, body.slice());
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    checkObjectKey(key);
    return this.objects.get(key)?.slice();
  }

  async delete(key: string): Promise<void> {
    checkObjectKey(key);
    this.objects.delete(key);
  }

  async *list(prefix: string): AsyncIterable<{ key: string; size: number }> {
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort(compareUtf8);
    for (const key of keys) {
      const body = this.objects.get(key);
      if (body) yield { key, size: body.byteLength };
    }
  }
}

/** Ascending UTF-8 byte order (S3's listing order), which differs from UTF-16 order above U+FFFF's surrogates. */
export function compareUtf8(a: string, b: string): number {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}
