/**
 * Retention by runs (--keep-latest n --per labels, or keep=/per= in a rule): groups that agree on
 * the `per` labels form a family, and the n with the newest push_time_seconds in each family are
 * kept whatever their age. Pure: one pass over a listing feeds a FamilyRanker, which then says
 * whether a group is one of its family's newest. The sweep ranks the first listing and ranks the
 * re-check listing again, so a family re-pushed in between is judged by its newest state.
 */

import { parseGoFloat } from '../wire/go-float.ts';
import type { Labels } from '../wire/labels.ts';
import { groupAge } from './age.ts';
import { matchesAny, matchesSelector, type Selector } from './matchers.ts';
import type { TtlRule } from './ttl.ts';

/** The top level's retention (--keep-latest, --per); rules may override either. */
export interface KeepPolicy {
  /** 0 = off. */
  readonly keep: number;
  readonly per: readonly string[];
}

export interface FamilyRules {
  readonly selectors: readonly Selector[];
  readonly excludes: readonly Selector[];
  readonly ttlRules?: readonly TtlRule[];
  readonly keepLatest?: KeepPolicy | undefined;
}

/** Which family a group belongs to, and how many of its newest that family keeps. */
export interface FamilyRef {
  /** Unique per (first matching rule, values of its `per` labels). */
  readonly id: string;
  readonly keep: number;
  /** The `per` labels with this family's values ('' where the group lacks the label). */
  readonly labels: Labels;
}

/** The retention a group falls under: its first matching rule's, else the top level's. */
export function familyOf(labels: Labels, rules: FamilyRules): FamilyRef | undefined {
  const ttlRules = rules.ttlRules ?? [];
  const index = ttlRules.findIndex((r) => matchesSelector(labels, r.selector));
  const rule = index < 0 ? undefined : ttlRules[index];
  const keep = rule?.keep ?? rules.keepLatest?.keep ?? 0;
  const per = rule?.per ?? rules.keepLatest?.per;
  if (keep <= 0 || per === undefined) return undefined;
  // A missing label is the empty value, as in Prometheus.
  const values = per.map((name) => labels[name] ?? '');
  const familyLabels: Record<string, string> = {};
  per.forEach((name, i) => {
    familyLabels[name] = values[i] ?? '';
  });
  // The rule's position is part of the id: families form among the groups one rule matched.
  return { id: `${index}\u0000${JSON.stringify(values)}`, keep, labels: familyLabels };
}

/** Whether any group can fall under a retention at all (so the sweep can skip the ranking). */
export function retentionInUse(rules: FamilyRules): boolean {
  return (rules.keepLatest?.keep ?? 0) > 0 || (rules.ttlRules ?? []).some((r) => (r.keep ?? 0) > 0);
}

/**
 * A family as ranked. `newest` holds at most `keep` push times, newest first: the whole memory a
 * family costs beyond its id, however many groups it has.
 */
export interface Family {
  readonly ref: FamilyRef;
  readonly newest: number[];
  size: number;
  /** The oldest successful push seen in the family (for inspect). */
  oldestMs: number;
  oldestLabels: Labels | undefined;
}

/**
 * The successful push time a group is ranked by, or undefined for a group that does not take part:
 * excluded or not selected (never deleted), without a usable push_time_seconds, a phantom that
 * never had a successful push (its failure time says nothing about the last run), or pushed in the
 * gateway's future (kept anyway; ranking it could make a real run deletable).
 */
export function rankedPushMs(
  labels: Labels,
  group: { readonly pushTime: string | undefined; readonly pushFailureTime?: string | undefined },
  nowMs: number,
  rules: FamilyRules,
): number | undefined {
  if (rules.excludes.length > 0 && matchesAny(labels, rules.excludes)) return undefined;
  if (rules.selectors.length > 0 && !matchesAny(labels, rules.selectors)) return undefined;
  const age = groupAge({ pushTime: group.pushTime, pushFailureTime: group.pushFailureTime }, nowMs);
  return age.ok && age.source === 'push_time' ? age.lastPushMs : undefined;
}

export class FamilyRanker {
  readonly families = new Map<string, Family>();

  /** `trackOldest`: remember each family's oldest group (inspect), which keeps its labels alive. */
  constructor(
    private readonly rules: FamilyRules,
    private readonly trackOldest = false,
  ) {}

  /** Feeds one listed group; returns its family, if it has one and takes part in the ranking. */
  see(
    labels: Labels,
    group: { readonly pushTime: string | undefined; readonly pushFailureTime?: string | undefined },
    nowMs: number,
  ): FamilyRef | undefined {
    const pushMs = rankedPushMs(labels, group, nowMs, this.rules);
    if (pushMs === undefined) return undefined;
    const ref = familyOf(labels, this.rules);
    if (!ref) return undefined;
    let family = this.families.get(ref.id);
    if (!family) {
      family = {
        ref,
        newest: [],
        size: 0,
        oldestMs: pushMs,
        oldestLabels: this.trackOldest ? labels : undefined,
      };
      this.families.set(ref.id, family);
    }
    family.size++;
    if (pushMs < family.oldestMs) {
      family.oldestMs = pushMs;
      if (this.trackOldest) family.oldestLabels = labels;
    }
    insertNewest(family.newest, pushMs, ref.keep);
    return ref;
  }

  /**
   * Whether a group (by its labels and raw push_time_seconds) is one of its family's newest
   * `keep`; undefined when it is in no ranked family. Ties at the boundary are all kept (when
   * unsure, keep): with keep=1 and two runs pushed at the same instant, both stay. A group the
   * ranking never saw as a run (a phantom, push_time_seconds 0) is never protected.
   */
  latestOf(
    labels: Labels,
    pushTime: string | undefined,
  ): { latest: boolean; keep: number } | undefined {
    const ref = familyOf(labels, this.rules);
    const family = ref && this.families.get(ref.id);
    if (!family) return undefined;
    const seconds = pushTime === undefined ? Number.NaN : parseGoFloat(pushTime);
    if (!Number.isFinite(seconds) || seconds <= 0) return { latest: false, keep: family.ref.keep };
    const pushMs = seconds * 1000;
    const boundary = family.newest[family.newest.length - 1];
    const latest =
      family.newest.length < family.ref.keep || (boundary !== undefined && pushMs >= boundary);
    return { latest, keep: family.ref.keep };
  }
}

/** Keeps `newest` sorted newest first and at most `keep` long; equal times each take a place. */
function insertNewest(newest: number[], pushMs: number, keep: number): void {
  if (newest.length >= keep && pushMs <= (newest[newest.length - 1] ?? Number.NEGATIVE_INFINITY))
    return;
  let i = newest.length;
  while (i > 0 && (newest[i - 1] ?? 0) < pushMs) i--;
  newest.splice(i, 0, pushMs);
  if (newest.length > keep) newest.pop();
}

/** Families by size, largest first, at most `limit` (inspect shows the top ones). */
export function largestFamilies(ranker: FamilyRanker, limit: number): Family[] {
  const top: Family[] = [];
  for (const f of ranker.families.values()) {
    top.push(f);
    if (top.length > limit * 2) trim(top, limit);
  }
  trim(top, limit);
  return top;
}

function trim(list: Family[], limit: number): void {
  list.sort((a, b) => b.size - a.size || (a.ref.id < b.ref.id ? -1 : 1));
  list.length = Math.min(list.length, limit);
}

/** What `pgsweep inspect --per` shows: how the groups split into families (bounded). */
export interface FamilySummary {
  readonly per: readonly string[];
  readonly families: number;
  /** Groups in families: those with a successful push. */
  readonly groups: number;
  /** The largest families, with the oldest group of each. */
  readonly largest: ReadonlyArray<{
    readonly labels: Labels;
    readonly size: number;
    readonly oldestMs: number;
    readonly oldest: Labels | undefined;
  }>;
}

export function summarizeFamilies(
  ranker: FamilyRanker,
  per: readonly string[],
  limit: number,
): FamilySummary {
  let groups = 0;
  for (const f of ranker.families.values()) groups += f.size;
  return {
    per,
    families: ranker.families.size,
    groups,
    largest: largestFamilies(ranker, limit).map((f) => ({
      labels: f.ref.labels,
      size: f.size,
      oldestMs: f.oldestMs,
      oldest: f.oldestLabels,
    })),
  };
}
