/**
 * Calls `fn` on every item, at most `width` calls at once, each worker taking the next item
 * when its call settles (items start in order). Resolves when all are done; rejects with the
 * first error a call throws, as soon as it is thrown (that worker stops; the others go on
 * with the remaining items): callers that must try every item and wait for all catch inside
 * `fn`.
 */
export async function inParallel<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}
