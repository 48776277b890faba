/**
 * What every phase of one sweep shares: its options and hooks, the clock of each listing, and the
 * streaming of a later listing against the candidates (re-check and confirmation).
 */
import { type ClockSource, DEFAULT_MAX_CLOCK_SKEW_MS, decideClock } from '../../core/clock.ts';
import { DuplicateKeys } from '../../core/duplicate-keys.ts';
import { GatewayError } from '../../core/errors.ts';
import type { FamilyRanker, KeepPolicy } from '../../core/families.ts';
import type { GuardLimits } from '../../core/guards.ts';
import type { Log } from '../../core/log.ts';
import type { Selector } from '../../core/matchers.ts';
import { candidateIndex, findCandidate, type Rules } from '../../core/plan.ts';
import type { Progress } from '../../core/sweep-report.ts';
import type { GatewayClient, Listing, Probe } from '../../gateway/client.ts';
import { formatLabels } from '../../wire/grouping-key.ts';
import type { Labels } from '../../wire/labels.ts';
import type { ListedGroup, ListingFormat, ListingMode } from '../../wire/listing.ts';
import type { Archive } from './archive.ts';
import type { TrackedGroup } from './tracked-group.ts';

export interface SweepOptions extends Rules {
  readonly dryRun: boolean;
  readonly recheck: boolean;
  readonly concurrency: number;
  /** How long to wait for queued DELETEs to show in the listing. */
  readonly confirmTimeoutMs: number;
  readonly guards?: GuardLimits;
  /** Without a usable Date header, age groups by the local clock instead of refusing. */
  readonly trustLocalClock?: boolean;
  /** Largest accepted difference between Date and the local clock; 0 = no check. Default 30 s. */
  readonly maxClockSkewMs?: number;
  /** Records each group's last state before its DELETE; a failure keeps the group. */
  readonly archive?: Archive;
  /** The web UI and /api/v1/status, opened only when a stale group's key needs them (exact-keys.ts). */
  readonly pages?: () => Probe;
  /** Excludes pgsweep adds itself (its own metrics group): no warning when they match nothing. */
  readonly ownExcludes?: readonly Selector[];
  /** --keep-latest/--per; rules may carry their own (families.ts). */
  readonly keepLatest?: KeepPolicy;
  /** Which listing every listing of the sweep reads (see chooseListing). Default `json`. */
  readonly listing?: ListingMode;
}

export interface SweepHooks {
  /** Called after the plan, before the re-check listing (tests use it to race a push). */
  readonly afterPlan?: (plan: readonly TrackedGroup[]) => Promise<void> | void;
  /** Local clock, for the skew warning and when the gateway sends no Date header. */
  readonly localNow?: () => number;
  /** Aborted on SIGINT/SIGTERM: start no new request. */
  readonly stop?: AbortSignal;
  /** Aborted a little later: give up on requests still in flight. */
  readonly abandon?: AbortSignal;
  /** Called as work completes, for a progress display. */
  readonly onProgress?: (progress: Progress) => void;
}

/** What every phase of one sweep shares. */
export interface SweepRun {
  readonly client: GatewayClient;
  readonly options: SweepOptions;
  readonly log: Log;
  readonly hooks: SweepHooks;
  readonly localNow: () => number;
  /** The clock of a listing (see clockKeeper). */
  readonly clockOf: (listing: Listing) => { nowMs: number; clockSource: ClockSource };
  /** What the first listing ended up reading: the re-check and confirmation read the same. */
  readonly format: ListingFormat;
  /** Runs before each DELETE; throwing keeps the group (the archive). */
  readonly beforeDelete?: (t: TrackedGroup) => void;
}

/**
 * Candidates among their family's newest are kept (and no longer stale: the retention wants them).
 * Every candidate in a family is marked, so the guards know its age past the TTL is routine.
 */
export function keepLatest(
  groups: readonly TrackedGroup[],
  ranker: FamilyRanker,
  listing: 'first' | 'recheck',
): void {
  for (const t of groups) {
    if (t.path === undefined || t.reason === 'kept-latest') continue;
    const family = ranker.latestOf(t.labels, t.pushTime);
    if (family === undefined) continue;
    t.inFamily = true;
    if (family.latest)
      t.keepAsLatest(
        listing === 'first'
          ? `one of the newest ${family.keep} of its family`
          : `became one of the newest ${family.keep} of its family at re-check (a newer run was deleted or a run was re-pushed)`,
      );
  }
}

export function logListing(log: Log, listing: Listing, started: number): void {
  log.debug(
    {
      groups: listing.stats.groups,
      bytes: listing.stats.bytes,
      ms: Math.round(performance.now() - started),
    },
    'listed groups',
  );
}

/**
 * The clock of each listing of one sweep (the first and the re-check), by decideClock's rules: a
 * listing whose Date cannot be trusted throws, so nothing is deleted. Each warning is logged once.
 */
export function clockKeeper(
  gateway: string,
  localNow: () => number,
  options: SweepOptions,
  log: Log,
) {
  const warned = new Set<string>();
  const policy = {
    trustLocalClock: options.trustLocalClock === true,
    maxSkewMs: options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS,
  };
  return (listing: Listing): { nowMs: number; clockSource: ClockSource } => {
    const decision = decideClock(listing.date, localNow(), policy, gateway);
    if (decision.kind === 'refuse') throw new GatewayError(decision.error);
    const { warning } = decision;
    if (warning !== undefined && !warned.has(decision.source)) {
      warned.add(decision.source);
      log.warn({ clock: decision.source }, warning);
    }
    return { nowMs: decision.nowMs, clockSource: decision.source };
  };
}

/** A key listed twice: a Pushgateway cannot do that, so the whole listing is not trusted. */
export function listedTwice(gateway: string, labels: Labels): GatewayError {
  return new GatewayError(
    `the listing from ${gateway} shows the group ${formatLabels(labels)} twice, which a Pushgateway never does (each key is one entry of its store), so the listing cannot be trusted (a proxy or cache in between?); nothing was deleted`,
  );
}

/**
 * Streams a whole listing (so a bad one still throws before anything is acted on) and hands each
 * of `wanted`'s groups found in it to `found`: memory stays proportional to the candidates, not to
 * the gateway. Groups not handed over are not listed.
 */
export async function streamCandidates(
  run: SweepRun,
  wanted: readonly TrackedGroup[],
  found: (t: TrackedGroup, group: ListedGroup) => void,
  /** Called once the listing's headers are in, before any group. */
  onListing?: (listing: Listing) => void,
  /** Called with every listed group, found or not. */
  each?: (group: ListedGroup) => void,
): Promise<void> {
  const { client, log } = run;
  const started = performance.now();
  // Ask first, index while the gateway builds its answer (seconds on a big store).
  const answer = client.list(run.hooks.stop, run.format);
  const index = candidateIndex(wanted, (t) => t.matchKey);
  const listing = await answer;
  onListing?.(listing);
  // A duplicate anywhere makes the whole listing suspect, as in the first listing: a candidate
  // listed twice (once re-pushed, once not) must never be judged on one of its copies.
  const keys = new DuplicateKeys();
  for await (const group of listing.groups) {
    if (group.labels && keys.seen(group.labels)) throw listedTwice(client.baseUrl, group.labels);
    each?.(group);
    const p = findCandidate(index, group);
    if (p) found(p, group);
  }
  logListing(log, listing, started);
}

/** Listing progress is reported every this many groups. */
export const PROGRESS_EVERY = 1000;
