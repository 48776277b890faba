/**
 * `pgsweep inspect`: what a gateway holds, built group by group as the listing streams in.
 * Pure: takes listed groups, the gateway's clock and the scrape's per-job counts; returns a report.
 * Ages follow src/core/age.ts (push_time_seconds, or the failure time for never-succeeded groups).
 */

import { parseGoFloat } from '../wire/go-float.ts';
import { compareText, type Labels } from '../wire/labels.ts';
import type { ListedGroup } from '../wire/listing.ts';
import { groupAge } from './age.ts';
import { FamilyRanker, type FamilySummary, summarizeFamilies } from './families.ts';

export const AGE_BUCKETS: ReadonlyArray<{ readonly bucket: string; readonly belowMs: number }> = [
  { bucket: '<15m', belowMs: 15 * 60_000 },
  { bucket: '<1h', belowMs: 3_600_000 },
  { bucket: '<6h', belowMs: 6 * 3_600_000 },
  { bucket: '<1d', belowMs: 86_400_000 },
  { bucket: '<7d', belowMs: 7 * 86_400_000 },
  { bucket: '>=7d', belowMs: Number.POSITIVE_INFINITY },
];

/**
 * A grouping label is flagged unbounded when it has at least this many distinct values and
 * more distinct values than half the groups carrying it: a new value for most groups, the
 * signature of a per-run label such as run_id. `instance` on a fleet of 12 hosts (12 values over
 * 600 groups) is not flagged; `run_id` (one value per group) is. Below the minimum, a small gateway
 * is not worth a warning whatever its labels.
 */
export const UNBOUNDED_MIN_VALUES = 20;
export const UNBOUNDED_MIN_RATIO = 0.5;
/** Oldest groups listed. */
export const OLDEST_COUNT = 10;
/** Never-succeeded and last-push-failed groups listed (all are counted). */
export const LIST_LIMIT = 100;

export interface GroupRef {
  readonly labels: Labels;
  /** Age by the gateway clock; undefined when the push time is missing or invalid. */
  readonly ageMs?: number;
  readonly lastPushMs?: number;
  /** What the age is measured from. */
  readonly ageFrom?: 'push_time' | 'push_failure_time';
}

export interface JobStats {
  readonly job: string;
  readonly groups: number;
  /** Samples on the scrape page with this job; undefined when the scrape could not be read. */
  readonly series?: number;
}

export interface LabelStats {
  readonly name: string;
  /** Groups whose key has this label. */
  readonly groups: number;
  readonly distinctValues: number;
  readonly unbounded: boolean;
}

export interface InspectReport {
  readonly nowMs: number;
  readonly clockSource: 'gateway-date' | 'local';
  readonly groups: number;
  readonly listingBytes: number;
  /** Total samples on the scrape page (`GET /metrics`), or why they could not be counted. */
  readonly series:
    | { readonly total: number; readonly scrapeBytes: number }
    | { readonly unavailable: string };
  readonly jobs: JobStats[];
  readonly labels: LabelStats[];
  readonly ages: Array<{ readonly bucket: string; readonly groups: number }>;
  /** Groups whose age cannot be told: push time missing, invalid, or in the future. */
  readonly unknownAge: number;
  readonly oldest: GroupRef[];
  /** push_time_seconds is 0: every push to the key was rejected ("phantom" groups). */
  readonly neverSucceeded: { readonly count: number; readonly groups: GroupRef[] };
  /** Groups that once succeeded but whose last push failed (last_push_successful false). */
  readonly lastPushFailed: { readonly count: number; readonly groups: GroupRef[] };
  /** Groups whose exact key cannot be read from the listing (reported with best-effort labels). */
  readonly inexactKeys: number;
  /** With --per: how the groups split into families (families.ts). */
  readonly families?: FamilySummary;
}

/** Families listed in the report, largest first (the table shows fewer). */
export const FAMILY_LIMIT = 100;

export interface ScrapeCounts {
  readonly samplesByJob: ReadonlyMap<string, number>;
  readonly bytes: number;
}

/** Keeps the `limit` groups with the earliest last push, oldest first. */
function keepOldest(list: GroupRef[], ref: GroupRef, limit: number): void {
  const at = ref.lastPushMs ?? Number.NEGATIVE_INFINITY;
  let i = list.length;
  while (i > 0 && (list[i - 1]?.lastPushMs ?? Number.NEGATIVE_INFINITY) > at) i--;
  if (i >= limit) return;
  list.splice(i, 0, ref);
  if (list.length > limit) list.pop();
}

export class InspectAccumulator {
  private count = 0;
  private inexact = 0;
  private unknownAge = 0;
  private readonly ages = AGE_BUCKETS.map(() => 0);
  private readonly jobs = new Map<string, number>();
  private readonly labelGroups = new Map<string, number>();
  private readonly labelValues = new Map<string, Set<string>>();
  private readonly oldest: GroupRef[] = [];
  private readonly never: GroupRef[] = [];
  private neverCount = 0;
  private readonly failed: GroupRef[] = [];
  private failedCount = 0;
  private families: { ranker: FamilyRanker; per: readonly string[] } | undefined;

  constructor(
    private readonly nowMs: number,
    private readonly clockSource: 'gateway-date' | 'local',
  ) {}

  /** Also split the groups into families by these labels (inspect --per). */
  trackFamilies(per: readonly string[]): void {
    const rules = { selectors: [], excludes: [], keepLatest: { keep: 1, per } };
    const ranker = new FamilyRanker(rules, true);
    this.families = { ranker, per };
  }

  add(group: ListedGroup): void {
    this.count++;
    const labels = group.labels ?? group.displayLabels;
    this.families?.ranker.see(labels, group, this.nowMs);
    if (!group.labels) this.inexact++;
    const job = labels.job ?? '(no job)';
    this.jobs.set(job, (this.jobs.get(job) ?? 0) + 1);
    for (const [name, value] of Object.entries(labels)) {
      this.labelGroups.set(name, (this.labelGroups.get(name) ?? 0) + 1);
      let values = this.labelValues.get(name);
      if (!values) {
        values = new Set();
        this.labelValues.set(name, values);
      }
      values.add(value);
    }

    const age = groupAge(group, this.nowMs);
    const ref: GroupRef = age.ok
      ? { labels, ageMs: age.ageMs, lastPushMs: age.lastPushMs, ageFrom: age.source }
      : { labels };
    if (age.ok) {
      const i = AGE_BUCKETS.findIndex((b) => age.ageMs < b.belowMs);
      this.ages[i] = (this.ages[i] ?? 0) + 1;
      keepOldest(this.oldest, ref, OLDEST_COUNT);
    } else this.unknownAge++;

    const pushed = group.pushTime === undefined ? Number.NaN : parseGoFloat(group.pushTime);
    const failedAt =
      group.pushFailureTime === undefined ? Number.NaN : parseGoFloat(group.pushFailureTime);
    if (pushed === 0) {
      this.neverCount++;
      keepOldest(this.never, ref, LIST_LIMIT);
    } else if (pushed > 0 && failedAt > pushed) {
      // The gateway's own rule for last_push_successful: the failure time is after the push time.
      this.failedCount++;
      keepOldest(this.failed, ref, LIST_LIMIT);
    }
  }

  finish(listingBytes: number, scrape: ScrapeCounts | { unavailable: string }): InspectReport {
    const byJob = 'samplesByJob' in scrape ? scrape.samplesByJob : undefined;
    const jobs: JobStats[] = [...this.jobs]
      .map(([job, groups]) => ({
        job,
        groups,
        ...(byJob ? { series: byJob.get(job) ?? 0 } : {}),
      }))
      .sort(
        (a, b) =>
          b.groups - a.groups || (b.series ?? 0) - (a.series ?? 0) || compareText(a.job, b.job),
      );
    const labels: LabelStats[] = [...this.labelValues]
      .map(([name, values]) => {
        const groups = this.labelGroups.get(name) ?? 0;
        return {
          name,
          groups,
          distinctValues: values.size,
          unbounded: isUnbounded(values.size, groups),
        };
      })
      .sort((a, b) => b.distinctValues - a.distinctValues || compareText(a.name, b.name));
    let total = 0;
    if (byJob) for (const n of byJob.values()) total += n;
    return {
      nowMs: this.nowMs,
      clockSource: this.clockSource,
      groups: this.count,
      listingBytes,
      series: 'samplesByJob' in scrape ? { total, scrapeBytes: scrape.bytes } : scrape,
      jobs,
      labels,
      ages: AGE_BUCKETS.map((b, i) => ({ bucket: b.bucket, groups: this.ages[i] ?? 0 })),
      unknownAge: this.unknownAge,
      oldest: this.oldest,
      neverSucceeded: { count: this.neverCount, groups: this.never },
      lastPushFailed: { count: this.failedCount, groups: this.failed },
      inexactKeys: this.inexact,
      ...(this.families
        ? { families: summarizeFamilies(this.families.ranker, this.families.per, FAMILY_LIMIT) }
        : {}),
    };
  }
}

export function isUnbounded(distinctValues: number, groups: number): boolean {
  return distinctValues >= UNBOUNDED_MIN_VALUES && distinctValues > groups * UNBOUNDED_MIN_RATIO;
}

/** Builds a report from a whole listing at once (tests). */
export function inspectGroups(
  groups: Iterable<ListedGroup>,
  nowMs: number,
  listingBytes: number,
  scrape: ScrapeCounts | { unavailable: string },
  clockSource: 'gateway-date' | 'local' = 'gateway-date',
): InspectReport {
  const acc = new InspectAccumulator(nowMs, clockSource);
  for (const g of groups) acc.add(g);
  return acc.finish(listingBytes, scrape);
}
