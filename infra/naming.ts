/**
 * Small pure helpers shared by the infra/* resource files: how manifest keys become SST
 * component names, and how manifest numbers become SST's unit strings. No resources here.
 */

/**
 * `streamFailures` -> `StreamFailures`. SST component names are PascalCase by convention and
 * must be unique across the whole app, so each resource file appends its own kind
 * (`InboxTable`, `SequencerFunction`, ...) to keep same-named manifest keys (the `timers`
 * function and the `timers` schedule) apart.
 */
export function componentName(key: string, kind: string): string {
  return `${key.charAt(0).toUpperCase()}${key.slice(1)}${kind}`;
}

/** Seconds in SST's duration syntax (`"60 seconds"`), which its Function/Queue args require. */
export function seconds(n: number): `${number} seconds` {
  return `${n} seconds`;
}

/** Megabytes in SST's size syntax (`"1024 MB"`). */
export function megabytes(n: number): `${number} MB` {
  return `${n} MB`;
}

/** `Object.entries` that keeps the key type of a manifest record. */
export function entries<K extends string, V>(record: { readonly [P in K]: V }): Array<[K, V]> {
  return Object.entries(record) as Array<[K, V]>;
}

/** Builds a record with the same keys as `record`, one value per entry. */
export function mapRecord<K extends string, V, R>(
  record: { readonly [P in K]: V },
  fn: (key: K, value: V) => R,
): Record<K, R> {
  return Object.fromEntries(entries(record).map(([k, v]) => [k, fn(k, v)])) as Record<K, R>;
}

/**
 * The physical name of a resource we create outside SST's components, named the way SST names
 * its own (`<app>-<stage>-<Name>`), so two stages in one account never collide and each resource
 * says which stage it belongs to. Pulumi would otherwise autoname it `<Name>-<random>`, without
 * app or stage. Names longer than `max` (the AWS limit of that resource type) keep their start
 * and end in a short hash of the whole, so they stay unique and stable.
 */
export function stageName(app: string, stage: string, name: string, max = 64): string {
  const full = `${app}-${stage}-${name}`;
  if (full.length <= max) return full;
  return `${full.slice(0, max - 9)}-${fnv1a(full)}`;
}

/** 8 hex digits of FNV-1a: a stable short hash for names (not for security). */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}
