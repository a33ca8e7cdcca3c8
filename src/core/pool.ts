/**
 * The one worker pool (issue 21, "one of each"): `fn` over `items` with at most `width` calls in flight
 * (at least one), each worker taking the next item as soon as its last one is done. Pure scheduling,
 * no I/O of its own. A rejection of `fn` rejects the pool at once and stops that worker; the other
 * workers go on taking items (a caller that must stop them decides inside `fn`).
 */
export async function runPool<T>(items: readonly T[], width: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(Math.floor(width), items.length)) }, worker));
}

/** runPool collecting `fn`'s results in input order (not completion order). */
export async function mapPool<T, R>(items: readonly T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  await runPool(items, width, async (item, index) => {
    results[index] = await fn(item);
  });
  return results;
}
