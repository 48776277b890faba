/**
 * A notable group as a sweep keeps it while it works, and reports it afterwards. At 100k stale
 * groups these records are most of pgsweep's memory, so they are small and all of one shape (a
 * class, so V8 shares one hidden class): a deletable group is kept as its exact DELETE path, and
 * its labels are decoded from that path only when someone reads them.
 */

import {
  type ExactKeyNeed,
  exactMatchKey,
  type PlannedGroup,
  type RecheckVerdict,
} from '../../core/plan.ts';
import type { GroupReport, Outcome, OutcomeReason } from '../../core/sweep-report.ts';
import type { TtlSource } from '../../core/ttl.ts';
import { groupPath, labelsOfPath } from '../../wire/grouping-key.ts';
import type { Labels } from '../../wire/labels.ts';

/** What became of a group so far. */
export interface Verdict {
  readonly outcome: Outcome;
  readonly reason: OutcomeReason;
  readonly detail?: string;
}

/** What few groups carry: kept apart so the 100k ordinary records stay small. */
interface Rare {
  exactKey: ExactKeyNeed | undefined;
  detail: string | undefined;
  raw: string | undefined;
  shown: Labels | undefined;
}

const STALE = 1;
const AMBIGUOUS_INSTANCE = 2;
const SENT = 4;
const IN_FAMILY = 8;
/** The re-check's verdict sits in the bits above these, as its index in VERDICTS plus one. */
const VERDICT_SHIFT = 4;
const VERDICTS: readonly RecheckVerdict[] = [
  'delete',
  'gone',
  'repushed',
  'not-stale',
  'ambiguous',
];

export class TrackedGroup implements GroupReport {
  /** The exact DELETE path; set when the plan was to delete the group, or by resolve(). */
  path: string | undefined;
  readonly pushTime: string | undefined;
  readonly ageMs: number | undefined;
  readonly lastPushMs: number | undefined;
  readonly ttlMs: number | undefined;
  readonly ttlSource: TtlSource | undefined;
  outcome: Outcome;
  reason: OutcomeReason;
  /** stale, ambiguousInstance, sent, inFamily and the re-check's verdict, as bits. */
  private flags: number;
  private rare: Rare | undefined;

  constructor(p: PlannedGroup, dryRun: boolean) {
    const deletable = p.action === 'delete' && p.key !== undefined;
    this.path = deletable && p.key ? groupPath(p.key) : undefined;
    this.pushTime = p.pushTime;
    this.ageMs = p.ageMs;
    this.lastPushMs = p.lastPushMs;
    this.ttlMs = p.ttlMs;
    this.ttlSource = p.ttlSource;
    this.flags = (p.stale ? STALE : 0) | (p.ambiguousInstance ? AMBIGUOUS_INSTANCE : 0);
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
    const shown = deletable ? undefined : p.labels;
    this.rare =
      p.exactKey !== undefined ||
      p.detail !== undefined ||
      p.raw !== undefined ||
      shown !== undefined
        ? { exactKey: p.exactKey, detail: p.detail, raw: p.raw, shown }
        : undefined;
  }

  private get extra(): Rare {
    this.rare ??= { exactKey: undefined, detail: undefined, raw: undefined, shown: undefined };
    return this.rare;
  }

  get stale(): boolean {
    return (this.flags & STALE) !== 0;
  }

  /** Text listing: the key may also carry `instance=""` (see exposition.ts). */
  get ambiguousInstance(): boolean {
    return (this.flags & AMBIGUOUS_INSTANCE) !== 0;
  }

  /** Its DELETE was sent. */
  get sent(): boolean {
    return (this.flags & SENT) !== 0;
  }

  set sent(value: boolean) {
    this.setFlag(SENT, value);
  }

  /** In a --keep-latest family: its age past the TTL is routine for the guards (guards.ts). */
  get inFamily(): boolean {
    return (this.flags & IN_FAMILY) !== 0;
  }

  set inFamily(value: boolean) {
    this.setFlag(IN_FAMILY, value);
  }

  /**
   * What the re-check made of it, once its listing named it (recheck.ts). Kept in the flags: a
   * Map from 100k candidates to their verdicts was the re-check's largest allocation.
   */
  get verdict(): RecheckVerdict | undefined {
    return VERDICTS[(this.flags >> VERDICT_SHIFT) - 1];
  }

  set verdict(value: RecheckVerdict | undefined) {
    const code = value === undefined ? 0 : VERDICTS.indexOf(value) + 1;
    this.flags = (this.flags & ((1 << VERDICT_SHIFT) - 1)) | (code << VERDICT_SHIFT);
  }

  private setFlag(bit: number, value: boolean): void {
    this.flags = value ? this.flags | bit : this.flags & ~bit;
  }

  /** Skipped only because its key needs the gateway's help to be exact (see exact-keys.ts). */
  get exactKey(): ExactKeyNeed | undefined {
    return this.rare?.exactKey;
  }

  get detail(): string | undefined {
    return this.rare?.detail;
  }

  set detail(value: string | undefined) {
    if (value !== undefined || this.rare) this.extra.detail = value;
  }

  /** Its freshest listed JSON, kept only for the archive. */
  get raw(): string | undefined {
    return this.rare?.raw;
  }

  set raw(value: string | undefined) {
    if (value !== undefined || this.rare) this.extra.raw = value;
  }

  /** How later listings find it: by its path, or by its listed form once resolve() made it exact. */
  get matchKey(): string | undefined {
    return this.exactKey !== undefined && this.path !== undefined
      ? exactMatchKey(this.labels)
      : this.path;
  }

  get labels(): Labels {
    return this.rare?.shown ?? labelsOfPath(this.path ?? '');
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
    this.setFlag(STALE, false);
  }

  update(change: Verdict): void {
    this.outcome = change.outcome;
    this.reason = change.reason;
    if (change.detail !== undefined) this.detail = change.detail;
  }
}
