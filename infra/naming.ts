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
