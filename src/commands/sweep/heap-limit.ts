/**
 * bin/pgsweep.js bounds Node's old space (--max-old-space-size) so a long sweep's garbage is
 * collected early. A bound V8 reaches is a crash, not an error, so a run whose --max-groups could
 * need more heap than Node has says so up front, with the fix. Pure: the caller logs it.
 */
/**
 * Heap a listed stale group can need while a sweep holds it, with headroom: about 500 bytes were
 * measured at 100k groups (its record, its DELETE path, the index that matches later listings).
 */
export const HEAP_BYTES_PER_GROUP = 1024;

export function heapLimitWarning(maxGroups: number, heapLimitBytes: number): string | undefined {
  const need = maxGroups * HEAP_BYTES_PER_GROUP;
  if (need <= heapLimitBytes) return undefined;
  const mib = (bytes: number) => Math.ceil(bytes / 2 ** 20);
  return `--max-groups ${maxGroups} may need about ${mib(need)} MiB of heap, more than Node's limit of ${mib(heapLimitBytes)} MiB (bin/pgsweep.js starts Node with --max-old-space-size=512): if the gateway really holds that many groups, run pgsweep as node --max-old-space-size=${mib(need)} "$(command -v pgsweep)" ..., or Node stops part way with "JavaScript heap out of memory"`;
}
