/**
 * Which clock ages the groups of one listing. Pure: the sweep gives it the listing's Date header
 * and this machine's clock, and gets back a clock, a warning to log, or a refusal to throw.
 *
 * The gateway's own clock is preferred: push_time_seconds comes from it, so `Date - push time` is
 * free of skew between the hosts. But Date is only trusted when it agrees with this machine's clock
 * within `maxSkewMs`: a Date that is missing, malformed, repeated or far off is not evidence of the
 * gateway's clock (a proxy may rewrite it, a server may lie), and trusting it deletes fresh groups.
 */

import type { DateHeader } from '../wire/http-date.ts';
import { formatDuration } from './duration.ts';

export interface ClockPolicy {
  /** Age by this machine's clock when Date cannot be used, instead of refusing. */
  readonly trustLocalClock: boolean;
  /** Largest accepted |local - Date|; 0 turns the check off (the gateway's clock is trusted). */
  readonly maxSkewMs: number;
}

export type ClockSource = 'gateway-date' | 'local';

export type ClockDecision =
  | {
      readonly kind: 'use';
      readonly nowMs: number;
      readonly source: ClockSource;
      /** Set when the choice deserves a warning (the local clock stood in, or skew was noted). */
      readonly warning?: string;
    }
  | { readonly kind: 'refuse'; readonly error: string };

/** With the check off, or a bound above this, a skew this large is still worth a warning. */
export const CLOCK_SKEW_WARN_MS = 30_000;

/**
 * Default --max-clock-skew: far above NTP error and Date's 1 s resolution, far below real TTLs
 * (docs/reference.md, Clocks). The settings table takes its default from here.
 */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 30_000;

export function decideClock(
  date: DateHeader,
  localMs: number,
  policy: ClockPolicy,
  /** The gateway, for messages. */
  gateway: string,
): ClockDecision {
  const local = iso(localMs);
  if (!date.ok) {
    if (policy.trustLocalClock) {
      return {
        kind: 'use',
        nowMs: localMs,
        source: 'local',
        warning: `the gateway's listing has ${date.problem}; ageing groups by this machine's clock (--trust-local-clock)`,
      };
    }
    return {
      kind: 'refuse',
      error:
        `the listing from ${gateway} has ${date.problem}, so group ages cannot be measured on the gateway's clock; nothing was deleted ` +
        "(pass --trust-local-clock to use this machine's clock; a proxy may be stripping or rewriting Date)",
    };
  }
  const skew = localMs - date.ms;
  // Date has whole seconds: shown finer, the difference would be mostly noise.
  const apart = formatDuration(Math.max(1000, Math.round(Math.abs(skew) / 1000) * 1000));
  const bound = policy.maxSkewMs;
  if (bound > 0 && Math.abs(skew) > bound) {
    const clocks = `the gateway's clock (Date: ${iso(date.ms)}) and this machine's clock (${local}) differ by ${apart}, more than --max-clock-skew ${formatDuration(bound)}`;
    if (policy.trustLocalClock) {
      return {
        kind: 'use',
        nowMs: localMs,
        source: 'local',
        warning: `${clocks}; ageing groups by this machine's clock (--trust-local-clock)`,
      };
    }
    return {
      kind: 'refuse',
      error:
        `${clocks}; nothing was deleted. Fix the clock that is wrong, or choose one: ` +
        "--trust-local-clock ages groups by this machine's clock, --max-clock-skew 0 by the gateway's",
    };
  }
  if (Math.abs(skew) > CLOCK_SKEW_WARN_MS) {
    return {
      kind: 'use',
      nowMs: date.ms,
      source: 'gateway-date',
      warning: `this machine's clock is ${apart} ${skew > 0 ? 'ahead of' : 'behind'} the gateway's; ages use the gateway's clock`,
    };
  }
  return { kind: 'use', nowMs: date.ms, source: 'gateway-date' };
}

/** Whole seconds, as Date has them: `2026-12-02T10:00:00Z`. */
function iso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : `${d.toISOString().slice(0, 19)}Z`;
}
