/**
 * What a sweep reports: each notable group's outcome and the summary. Shared by the sweep that
 * fills it in, the formatters that print it and the self-metrics that push it. Pure data.
 */

import type { Labels } from '../wire/labels.ts';
import type { ListingFormat } from '../wire/listing.ts';
import type { ClockSource } from './clock.ts';
import type { Reason } from './plan.ts';
import type { TtlSource } from './ttl.ts';

export interface Progress {
  readonly phase: 'list' | 'recheck' | 'delete' | 'confirm';
  readonly done: number;
  /** Unknown while listing: the gateway does not say how many groups it has. */
  readonly total?: number;
}

/** Where a sweep's progress goes (the CLI draws it on stderr). */
export interface ProgressReporter {
  readonly onProgress: (p: Progress) => void;
  /** Clears the terminal line, if one was drawn. */
  done(): void;
}

/** `sent`: the DELETE went out but pgsweep was stopped before it could confirm the result. */
export type Outcome = 'deleted' | 'would-delete' | 'kept' | 'skipped' | 'failed' | 'sent';

export type OutcomeReason =
  | Reason
  | 'already-gone'
  | 'repushed'
  | 'delete-rejected'
  | 'delete-error'
  | 'not-confirmed'
  | 'guard-tripped'
  | 'interrupted'
  | 'archive-failed'
  | 'kept-latest';

export interface GroupReport {
  readonly labels: Labels;
  readonly outcome: Outcome;
  readonly reason: OutcomeReason;
  readonly detail?: string | undefined;
  readonly stale: boolean;
  readonly ageMs?: number | undefined;
  readonly lastPushMs?: number | undefined;
  readonly ttlMs?: number | undefined;
  readonly ttlSource?: TtlSource | undefined;
}

export interface SweepSummary {
  readonly scanned: number;
  readonly stale: number;
  readonly deleted: number;
  readonly wouldDelete: number;
  readonly kept: number;
  /** Of the kept: matched an --exclude, or no --selector. */
  readonly excluded: number;
  readonly unselected: number;
  readonly skipped: number;
  /** Of the kept: past their TTL, but among the newest of their family (--keep-latest). */
  readonly keptLatest: number;
  readonly failed: number;
  /** DELETEs sent whose result pgsweep did not see confirmed (it was interrupted). */
  readonly sent: number;
  readonly durationMs: number;
  readonly dryRun: boolean;
}

export interface SweepReport {
  readonly gateway: string;
  readonly nowMs: number;
  readonly clockSource: ClockSource;
  /** The listing every listing of this sweep read, and why `auto` chose JSON, if it did. */
  readonly listing?: ListingFormat;
  readonly listingFallback?: string;
  readonly ttlMs: number;
  /** Why a guard stopped (or, in a dry run, would stop) the deletes. */
  readonly guard?: string;
  /** Why the sweep fails (or, in a dry run, would fail): stale keys with invalid UTF-8 were left. */
  readonly poisoned?: string;
  readonly interrupted: boolean;
  /** Only the notable groups (see isNotable); the summary counts them all. */
  readonly groups: readonly GroupReport[];
  readonly summary: SweepSummary;
}

/**
 * Groups worth keeping and listing one by one: everything stale, skipped, failed or kept for a
 * warning. Fresh and unselected groups are only counted, so memory and output stay small.
 */
export function isNotable(g: Pick<GroupReport, 'stale' | 'outcome' | 'reason'>): boolean {
  return (
    g.stale ||
    g.outcome === 'skipped' ||
    g.outcome === 'failed' ||
    g.outcome === 'sent' ||
    g.reason === 'future-push-time' ||
    g.reason === 'kept-latest' ||
    g.reason === 'interrupted'
  );
}
