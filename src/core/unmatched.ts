/**
 * Which of the user's selectors, excludes and rule selectors matched no listed group: most often a
 * typo, which would otherwise pass silently (and pass a `--check` gate). Pure.
 */

import type { Labels } from '../wire/labels.ts';
import { formatSelector, matchesSelector, type Selector } from './matchers.ts';
import type { TtlRule } from './ttl.ts';

export interface Watched {
  /** The flag it came from, for the warning: --selector, --exclude or --rule. */
  readonly flag: string;
  readonly text: string;
  readonly selector: Selector;
}

export function watchedMatchers(
  selectors: readonly Selector[],
  excludes: readonly Selector[],
  rules: readonly TtlRule[],
): Watched[] {
  return [
    ...selectors.map((s) => ({ flag: '--selector', text: formatSelector(s), selector: s })),
    ...excludes.map((s) => ({ flag: '--exclude', text: formatSelector(s), selector: s })),
    ...rules.map((r) => ({ flag: '--rule', text: r.text, selector: r.selector })),
  ];
}

/** Tracks the watched matchers that no group seen so far matches; cheap once all have matched. */
export class MatcherUse {
  private pending: readonly Watched[];

  constructor(watched: readonly Watched[]) {
    this.pending = watched;
  }

  see(labels: Labels): void {
    if (this.pending.length === 0) return;
    if (this.pending.some((w) => matchesSelector(labels, w.selector)))
      this.pending = this.pending.filter((w) => !matchesSelector(labels, w.selector));
  }

  get unmatched(): readonly Watched[] {
    return this.pending;
  }
}

/** One warning line for all of them, or undefined. */
export function unmatchedWarning(
  unmatched: readonly Watched[],
  scanned: number,
): string | undefined {
  if (unmatched.length === 0 || scanned === 0) return undefined;
  const list = unmatched.map((w) => `${w.flag} ${w.text}`).join(', ');
  return `${list} matched none of the ${scanned} listed groups (a typo?)`;
}
