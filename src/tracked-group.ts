/**
 * A notable group as a sweep keeps it while it works, and reports it afterwards. At 100k stale
 * groups these records are most of pgsweep's memory, so they are small and all of one shape (a
 * class, so V8 shares one hidden class): a deletable group is kept as its exact DELETE path, and
 * its labels are decoded from that path only when someone reads them.
 */
import { groupPath, labelsOfPath } from './grouping-key.ts';
import type { Labels } from './matchers.ts';
import { type ExactKeyNeed, exactMatchKey, type PlannedGroup } from './plan.ts';
import type { GroupReport, Outcome, OutcomeReason } from './sweep.ts';
import type { TtlSource } from './ttl.ts';

/** What became of a group so far. */
export interface Verdict {
  readonly outcome: Outcome;
  readonly reason: OutcomeReason;
  readonly detail?: string;
}

export class TrackedGroup implements GroupReport {
  /** The exact DELETE path; set when the plan was to delete the group, or by resolve(). */
  path: string | undefined;
  /** Skipped only because its key needs the gateway's help to be exact (see exact-keys.ts). */
  readonly exactKey: ExactKeyNeed | undefined;
  readonly pushTime: string | undefined;
  /** False again once kept as one of its family's newest (keepAsLatest). */
  stale: boolean;
  /** In a --keep-latest family: its age past the TTL is routine for the guards (guards.ts). */
  inFamily = false;
  readonly ageMs: number | undefined;
  readonly lastPushMs: number | undefined;
  readonly ttlMs: number | undefined;
  readonly ttlSource: TtlSource | undefined;
  /** Text listing: the key may also carry `instance=""` (see exposition.ts). */
  readonly ambiguousInstance: boolean;
  outcome: Outcome;
  reason: OutcomeReason;
  detail: string | undefined;
  /** Its DELETE was sent. */
  sent = false;
  /** Its freshest listed JSON, kept only for the archive. */
  raw: string | undefined;
  /** Labels of a group without a path (never deleted, so there are few of them). */
  private readonly shown: Labels | undefined;

  constructor(p: PlannedGroup, dryRun: boolean) {
    const deletable = p.action === 'delete' && p.key !== undefined;
    this.path = deletable && p.key ? groupPath(p.key) : undefined;
    this.exactKey = p.exactKey;
    this.shown = deletable ? undefined : p.labels;
    this.pushTime = p.pushTime;
    this.stale = p.stale;
    this.ageMs = p.ageMs;
    this.lastPushMs = p.lastPushMs;
    this.ttlMs = p.ttlMs;
    this.ttlSource = p.ttlSource;
    this.ambiguousInstance = p.ambiguousInstance;
    this.outcome =
      p.action === 'skip'
        ? 'skipped'
        : p.action === 'keep'
          ? 'kept'
          : dryRun
            ? 'would-delete'
            : 'failed';
    // A real-run candidate starts as failed/not-confirmed and is upgraded once confirmed gone.
    this.reason = p.action === 'delete' && !dryRun ? 'not-confirmed' : p.reason;
    this.detail = p.detail;
    this.raw = p.raw;
  }

  /** How later listings find it: by its path, or by its listed form once resolve() made it exact. */
  get matchKey(): string | undefined {
    return this.exactKey !== undefined && this.path !== undefined
      ? exactMatchKey(this.labels)
      : this.path;
  }

  get labels(): Labels {
    return this.shown ?? labelsOfPath(this.path ?? '');
  }

  /**
   * Its exact key was found after the plan: it becomes a candidate like any stale group, deleted
   * by `path` and found in later listings by `matchKey`. Its labels stay as listed.
   */
  resolve(path: string, dryRun: boolean, detail: string): void {
    this.path = path;
    this.outcome = dryRun ? 'would-delete' : 'failed';
    this.reason = dryRun ? 'stale' : 'not-confirmed';
    this.detail = detail;
  }

  /** Past its TTL, but one of the newest of its family (--keep-latest): kept, and not stale. */
  keepAsLatest(detail: string): void {
    this.update({ outcome: 'kept', reason: 'kept-latest', detail });
    this.stale = false;
  }

  update(change: Verdict): void {
    this.outcome = change.outcome;
    this.reason = change.reason;
    if (change.detail !== undefined) this.detail = change.detail;
  }
}
