/**
 * Which TTL applies to a group: the group's own declaration (a `pgsweep_ttl_seconds` gauge pushed
 * with it), else the first matching --rule, else --ttl. Pure.
 */

import { parseGoFloat } from '../wire/go-float.ts';
import type { Labels } from '../wire/labels.ts';
import { DECLARED_TTL_METRIC } from '../wire/listing.ts';
import { formatDuration } from './duration.ts';
import { matchesSelector, type Selector } from './matchers.ts';

/** A TTL for the groups a selector matches (--rule), and its own retention by runs. */
export interface TtlRule {
  readonly selector: Selector;
  readonly ttlMs: number;
  /** As written, for reports. */
  readonly text: string;
  /** Retention by runs for the groups this rule matches (families.ts); 0 turns it off. */
  readonly keep?: number;
  readonly per?: readonly string[];
}

export const DECLARED_TTL_MIN_MS = 60_000;
export const DECLARED_TTL_MAX_MS = 90 * 24 * 3600 * 1000;

export type TtlSource = 'declared' | 'rule' | 'default';

export interface TtlPolicy {
  readonly ttlMs: number;
  readonly ttlRules?: readonly TtlRule[];
  /** Honour `pgsweep_ttl_seconds` (default true; --ignore-declared-ttl turns it off). */
  readonly useDeclaredTtl?: boolean;
}

export interface EffectiveTtl {
  readonly ttlMs: number;
  readonly source: TtlSource;
  /** Set when a declaration was clamped or unusable: worth a warning. */
  readonly note?: string;
}

export function ttlFor(
  labels: Labels,
  declared: string | undefined,
  policy: TtlPolicy,
): EffectiveTtl {
  let note: string | undefined;
  if (declared !== undefined && policy.useDeclaredTtl !== false) {
    const seconds = parseGoFloat(declared);
    if (Number.isFinite(seconds) && seconds > 0) {
      const wanted = seconds * 1000;
      const ttlMs = Math.min(DECLARED_TTL_MAX_MS, Math.max(DECLARED_TTL_MIN_MS, wanted));
      if (ttlMs === wanted) return { ttlMs, source: 'declared' };
      return {
        ttlMs,
        source: 'declared',
        note: `${DECLARED_TTL_METRIC} ${declared} is outside [1m, 90d]; clamped to ${formatDuration(ttlMs)}`,
      };
    }
    note = `${DECLARED_TTL_METRIC} ${JSON.stringify(declared)} is not a usable TTL; ignored`;
  }
  const rule = policy.ttlRules?.find((r) => matchesSelector(labels, r.selector));
  const chosen: EffectiveTtl = rule
    ? { ttlMs: rule.ttlMs, source: 'rule' }
    : { ttlMs: policy.ttlMs, source: 'default' };
  return note ? { ...chosen, note } : chosen;
}
