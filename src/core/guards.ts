/**
 * Safety guards: a sweep that would delete suspiciously much deletes nothing instead.
 * Pure: returns why it tripped, or undefined.
 *
 * Batch workloads make most of a gateway stale at once every day, so "many deletes" alone is no
 * sign of trouble. What a routine sweep deletes is groups that went stale since about the last
 * sweep: old enough (past --guard-min-age) and stale by less than their own TTL. The accidents
 * look different: a too-short TTL (`2m` for `2h`) makes groups pushed minutes ago stale, and a
 * clock jump, a new rule or selector, or sweeps that stopped make groups stale by far more than
 * their TTL. Only those surprising deletes count towards --max-delete-ratio.
 *
 * Under --keep-latest a family's newest groups are kept whatever their age, so they are never
 * candidates, and a sweep cannot empty a family. A run pushed out of its family's newest is
 * routinely stale by far more than its TTL (yesterday's run of a daily task, kept until today's
 * arrived, under a 2h TTL): counting it as long-stale would count the retention against itself, so
 * a candidate in a family counts only when it is young. The ratio's denominator stays all listed
 * groups.
 */
import { formatDuration } from './duration.ts';

export interface GuardLimits {
  /** 0 means no limit. Counts every delete: the absolute ceiling. */
  readonly maxDeletes: number;
  /** Largest share of the listed groups that surprising deletes may be. */
  readonly maxDeleteRatio: number;
  /** A delete of a group pushed less than this long ago is surprising. */
  readonly minAgeMs: number;
  readonly force: boolean;
}

/** What the guard needs of a delete candidate. */
export interface GuardCandidate {
  readonly ageMs: number | undefined;
  readonly ttlMs: number | undefined;
  /** In a --keep-latest family: being stale long past its TTL is routine. */
  readonly inFamily?: boolean;
}

/** At or below this many surprising deletes the ratio is not checked: a tiny gateway losing 3 of 4 groups is normal. */
export const RATIO_GUARD_MIN_DELETES = 10;

/**
 * A group older than this many TTLs was already stale one TTL ago: a sweep that runs at least
 * once per TTL would have deleted it then, unless the rule or the clock changed since.
 */
export const LONG_STALE_TTLS = 2;

export type Surprise = 'young' | 'long-stale';

/** Why deleting this candidate is unlike a routine sweep, or undefined when it is routine. */
export function surprise(c: GuardCandidate, minAgeMs: number): Surprise | undefined {
  // Without an age or TTL nothing says the delete is routine: count it.
  if (c.ageMs === undefined || c.ttlMs === undefined) return 'young';
  if (c.ageMs < minAgeMs) return 'young';
  if (c.ageMs > LONG_STALE_TTLS * c.ttlMs && c.inFamily !== true) return 'long-stale';
  return undefined;
}

export function guardVerdict(
  candidates: readonly GuardCandidate[],
  scanned: number,
  limits: GuardLimits,
): string | undefined {
  const deletes = candidates.length;
  if (limits.force || deletes === 0) return undefined;
  if (limits.maxDeletes > 0 && deletes > limits.maxDeletes) {
    return `the sweep would delete ${deletes} groups, more than --max-deletes ${limits.maxDeletes}; nothing was deleted (check --ttl, or rerun with --force)`;
  }
  let young = 0;
  let longStale = 0;
  for (const c of candidates) {
    const s = surprise(c, limits.minAgeMs);
    if (s === 'young') young++;
    else if (s === 'long-stale') longStale++;
  }
  const counted = young + longStale;
  const ratio = counted / scanned;
  if (counted > RATIO_GUARD_MIN_DELETES && ratio > limits.maxDeleteRatio) {
    const why = [
      ...(young > 0
        ? [
            `${young} pushed less than --guard-min-age ${formatDuration(limits.minAgeMs)} ago (is --ttl too short?)`,
          ]
        : []),
      ...(longStale > 0
        ? [
            `${longStale} stale for longer than their TTL (a clock jump, a new rule, or no sweep for a while?)`,
          ]
        : []),
    ].join(', ');
    return `the sweep would delete ${deletes} of ${scanned} groups; ${why}: ${Math.round(ratio * 100)}% of the gateway, more than --max-delete-ratio ${limits.maxDeleteRatio}; nothing was deleted (check --ttl, the rules and the clocks, or rerun with --force)`;
  }
  return undefined;
}
