/**
 * Safety guards: a sweep that would delete suspiciously much deletes nothing instead.
 * Pure: returns why it tripped, or undefined.
 */
export interface GuardLimits {
  /** 0 means no limit. */
  readonly maxDeletes: number;
  readonly maxDeleteRatio: number;
  readonly force: boolean;
}

/** At or below this many deletes the ratio is not checked: a tiny gateway losing 3 of 4 groups is normal. */
export const RATIO_GUARD_MIN_DELETES = 10;

export function guardVerdict(
  deletes: number,
  scanned: number,
  limits: GuardLimits,
): string | undefined {
  if (limits.force || deletes === 0) return undefined;
  if (limits.maxDeletes > 0 && deletes > limits.maxDeletes) {
    return `the sweep would delete ${deletes} groups, more than --max-deletes ${limits.maxDeletes}; nothing was deleted (check --ttl, or rerun with --force)`;
  }
  const ratio = deletes / scanned;
  if (deletes > RATIO_GUARD_MIN_DELETES && ratio > limits.maxDeleteRatio) {
    return `the sweep would delete ${deletes} of ${scanned} groups (${Math.round(ratio * 100)}%), more than --max-delete-ratio ${limits.maxDeleteRatio}; nothing was deleted (check --ttl, or rerun with --force)`;
  }
  return undefined;
}
