/**
 * One sweep of one gateway: list, plan, guard, re-check, delete, confirm. It does I/O through the
 * client and reports through the log, but never prints results or exits: it returns a SweepReport.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type ClockSource, DEFAULT_MAX_CLOCK_SKEW_MS, decideClock } from '../../core/clock.ts';
import { mapLimit } from '../../core/concurrency.ts';
import { DuplicateKeys } from '../../core/duplicate-keys.ts';
import { formatDuration } from '../../core/duration.ts';
import { GatewayError } from '../../core/errors.ts';
import { FamilyRanker, type KeepPolicy, retentionInUse } from '../../core/families.ts';
import { type GuardLimits, guardVerdict } from '../../core/guards.ts';
import type { Log } from '../../core/log.ts';
import { foldingLog } from '../../core/log-fold.ts';
import type { Selector } from '../../core/matchers.ts';
import {
  candidateIndex,
  confirmVerdict,
  findCandidate,
  planGroup,
  type RecheckVerdict,
  type Rules,
  recheckVerdict,
} from '../../core/plan.ts';
import {
  type GroupReport,
  isNotable,
  type Outcome,
  type OutcomeReason,
  type Progress,
  type SweepReport,
  type SweepSummary,
} from '../../core/sweep-report.ts';
import { MatcherUse, unmatchedWarning, watchedMatchers } from '../../core/unmatched.ts';
import {
  BARRIER_PATH,
  type GatewayClient,
  type Listing,
  type Probe,
  TextPageError,
} from '../../gateway/client.ts';
import { formatLabels, groupPath, labelsOfPath } from '../../wire/grouping-key.ts';
import type { Labels } from '../../wire/labels.ts';
import type { ListedGroup, ListingFormat, ListingMode } from '../../wire/listing.ts';
import type { Archive } from './archive.ts';
import { resolveExactKeys } from './exact-keys.ts';
import { DeletePacer } from './pacer.ts';
import { TrackedGroup } from './tracked-group.ts';
import { WriteWindow } from './write-window.ts';

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
interface SweepRun {
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

export async function sweep(
  client: GatewayClient,
  options: SweepOptions,
  log: Log,
  hooks: SweepHooks = {},
): Promise<SweepReport> {
  // Per-group lines are folded: the first few of a kind, then one line with the count.
  const folding = foldingLog(log);
  try {
    return await sweepFolded(client, options, folding.log, hooks);
  } finally {
    folding.flush();
  }
}

async function sweepFolded(
  client: GatewayClient,
  options: SweepOptions,
  log: Log,
  hooks: SweepHooks,
): Promise<SweepReport> {
  const started = performance.now();
  const localNow = hooks.localNow ?? Date.now;
  const stopping = () => hooks.stop?.aborted === true;

  const clockOf = clockKeeper(client.baseUrl, localNow, options, log);
  const choice = chooseListing(options);
  if (choice.why) log.info({ listing: choice.format }, choice.why);
  let format = choice.format;
  let fallback = choice.why;
  let first: FirstPlan;
  try {
    first = await planFirstListing(client, format, clockOf, options, log, hooks);
  } catch (err) {
    // Per run: nothing was acted on yet, so the whole plan is made again from the JSON listing.
    // Never once past the first listing: the re-check and confirmation read what it read.
    if (!(err instanceof TextPageError) || options.listing !== 'auto' || stopping()) throw err;
    format = 'json';
    fallback = `the text page cannot be used (${err.why}), so this run lists with the JSON API`;
    log.warn({ listing: format }, fallback);
    first = await planFirstListing(client, format, clockOf, options, log, hooks);
  }
  const { nowMs, clockSource, results, scanned, quietlyKept, excluded, unselected, use } = first;
  const unmatched = unmatchedWarning(use.unmatched, scanned);
  if (unmatched) log.warn({}, unmatched);
  const poisoned = await resolveExactKeys(results, options.pages, options.dryRun, log, hooks.stop);
  if (first.ranker) keepLatest(results, first.ranker, 'first');
  // The re-check ranks its own listing: this one's families need not wait for it in memory.
  first.ranker = undefined;
  let candidates = results.filter((t) => t.path !== undefined && t.reason !== 'kept-latest');
  log.info(
    {
      scanned,
      stale: results.filter((t) => t.stale).length,
      candidates: candidates.length,
      excluded,
      unselected,
      ttl: formatDuration(options.ttlMs),
      dryRun: options.dryRun,
    },
    'planned sweep',
  );
  await hooks.afterPlan?.(results);

  const guard = options.guards ? guardVerdict(candidates, scanned, options.guards) : undefined;
  // The guard is in the report (the table's `guard:` line); the CLI logs it when the output is JSON.
  if (guard) {
    if (options.dryRun) log.debug({}, `a real run would stop here: ${guard}`);
    else {
      log.debug({}, guard);
      for (const t of candidates)
        t.update({ outcome: 'kept', reason: 'guard-tripped', detail: guard });
      candidates = [];
    }
  }

  const run: SweepRun = {
    client,
    options,
    log,
    hooks,
    localNow,
    clockOf,
    format,
    ...(options.archive
      ? {
          beforeDelete: archiveStep(
            options.archive,
            client.baseUrl,
            () => nowMs + (performance.now() - started),
          ),
        }
      : {}),
  };
  if (!options.dryRun && candidates.length > 0 && !stopping()) {
    if (options.recheck) candidates = await recheck(run, candidates);
    const deleted = await deleteAll(run, candidates);
    await confirm(run, deleted.queued, deleted.applied);
  }

  const interrupted = stopping();
  if (interrupted) markInterrupted(results);
  const summary = summarise(
    results,
    { scanned, quietlyKept, excluded, unselected },
    options.dryRun,
    performance.now() - started,
  );
  return {
    gateway: client.baseUrl,
    nowMs,
    clockSource,
    listing: format,
    ...(fallback ? { listingFallback: fallback } : {}),
    ttlMs: options.ttlMs,
    ...(guard ? { guard } : {}),
    ...(poisoned ? { poisoned } : {}),
    interrupted,
    groups: results,
    summary,
  };
}

/**
 * Candidates among their family's newest are kept (and no longer stale: the retention wants them).
 * Every candidate in a family is marked, so the guards know its age past the TTL is routine.
 */
function keepLatest(
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

/**
 * The listing a sweep starts with. `auto` reads the text page, which costs the gateway a fraction
 * of the JSON listing's memory (README: Scale), except with an archive, which records each group's
 * metrics: only the JSON listing carries them. `why` says so when `auto` chose JSON.
 */
export function chooseListing(options: Pick<SweepOptions, 'listing' | 'archive'>): {
  format: ListingFormat;
  why?: string;
} {
  const mode = options.listing ?? 'json';
  if (mode !== 'auto') return { format: mode };
  if (options.archive) {
    return {
      format: 'json',
      why: "listing with the JSON API: --archive-file records each group's metrics, which only it carries",
    };
  }
  return { format: 'text' };
}

/** The first listing, planned group by group as it streams in; only notable groups are kept. */
interface FirstPlan {
  readonly nowMs: number;
  readonly clockSource: ClockSource;
  readonly results: TrackedGroup[];
  readonly scanned: number;
  readonly quietlyKept: number;
  readonly excluded: number;
  readonly unselected: number;
  readonly use: MatcherUse;
  /** Ranks families (--keep-latest); dropped once the plan has used it. */
  ranker: FamilyRanker | undefined;
}

async function planFirstListing(
  client: GatewayClient,
  format: ListingFormat,
  clockOf: SweepRun['clockOf'],
  options: SweepOptions,
  log: Log,
  hooks: SweepHooks,
): Promise<FirstPlan> {
  const first = await client.list(hooks.stop, format);
  const { nowMs, clockSource } = clockOf(first);
  const keys = new DuplicateKeys();
  // Only notable groups are kept, compactly: at 100k stale groups this is most of the memory.
  const results: TrackedGroup[] = [];
  let scanned = 0;
  let quietlyKept = 0;
  let excluded = 0;
  let unselected = 0;
  const own = new Set(options.ownExcludes ?? []);
  const use = new MatcherUse(
    watchedMatchers(
      options.selectors,
      options.excludes.filter((s) => !own.has(s)),
      options.ttlRules ?? [],
    ),
  );
  const ranker = retentionInUse(options) ? new FamilyRanker(options) : undefined;
  const listStarted = performance.now();
  for await (const group of first.groups) {
    if (group.labels && keys.seen(group.labels)) throw listedTwice(client.baseUrl, group.labels);
    scanned++;
    if (scanned % PROGRESS_EVERY === 0) hooks.onProgress?.({ phase: 'list', done: scanned });
    const p = planGroup(group, nowMs, options);
    ranker?.see(p.labels, group, nowMs);
    use.see(p.labels);
    if (p.reason === 'excluded') excluded++;
    else if (p.reason === 'not-selected') unselected++;
    if (p.ttlNote) log.warn({ group: formatLabels(p.labels), reason: 'declared-ttl' }, p.ttlNote);
    const t = new TrackedGroup(p, options.dryRun);
    if (isNotable(t)) {
      results.push(t);
      logDecision(t, log);
    } else quietlyKept++;
  }
  logListing(log, first, listStarted);
  return { nowMs, clockSource, results, scanned, quietlyKept, excluded, unselected, use, ranker };
}

function logListing(log: Log, listing: Listing, started: number): void {
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
function clockKeeper(gateway: string, localNow: () => number, options: SweepOptions, log: Log) {
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
function listedTwice(gateway: string, labels: Labels): GatewayError {
  return new GatewayError(
    `the listing from ${gateway} shows the group ${formatLabels(labels)} twice, which a Pushgateway never does (each key is one entry of its store), so the listing cannot be trusted (a proxy or cache in between?); nothing was deleted`,
  );
}

function logDecision(t: TrackedGroup, log: Log): void {
  // A key that needs the gateway's help is logged once that was asked (resolveExactKeys).
  if (t.outcome === 'skipped' && t.exactKey === undefined)
    log.warn(
      { group: formatLabels(t.labels), reason: t.reason },
      `skipping group: ${t.detail ?? t.reason}`,
    );
  else if (t.reason === 'future-push-time')
    log.warn({ group: formatLabels(t.labels), reason: t.reason }, `keeping group: ${t.detail}`);
}

async function recheck(run: SweepRun, candidates: TrackedGroup[]): Promise<TrackedGroup[]> {
  const { options, log } = run;
  const started = performance.now();
  const verdicts = new Map<TrackedGroup, RecheckVerdict>();
  // Ages at re-check are measured on this listing's own Date (only confirmation needs no clock).
  let nowMs = 0;
  // Families are ranked again on this listing: a run pushed since the first one may have made a
  // candidate one of its family's newest, or (harmlessly) pushed one out.
  const ranker = retentionInUse(options) ? new FamilyRanker(options) : undefined;
  try {
    await streamCandidates(
      run,
      candidates,
      (t, group) => {
        // Two listed groups answer to one candidate (two poisoned keys that look alike): keep it.
        verdicts.set(t, verdicts.has(t) ? 'ambiguous' : recheckVerdict(t, group, nowMs, options));
        // The archive records the freshest state: this listing's.
        if (group.raw !== undefined) t.raw = group.raw;
      },
      (listing) => {
        nowMs = run.clockOf(listing).nowMs;
      },
      ranker && ((group) => ranker.see(group.labels ?? group.displayLabels, group, nowMs)),
    );
  } catch (err) {
    // Stopped while re-checking: nothing was sent; markInterrupted keeps every candidate.
    if (run.hooks.stop?.aborted) return [];
    throw err;
  }
  // Only a group still to be deleted is ranked: one gone or re-pushed keeps that reason.
  if (ranker)
    keepLatest(
      candidates.filter((t) => verdicts.get(t) === 'delete'),
      ranker,
      'recheck',
    );
  const keep: TrackedGroup[] = [];
  for (const t of candidates) {
    if (t.reason === 'kept-latest') continue;
    const verdict = verdicts.get(t) ?? 'gone';
    if (verdict === 'delete') {
      keep.push(t);
      continue;
    }
    const reason: OutcomeReason =
      verdict === 'gone'
        ? 'already-gone'
        : verdict === 'repushed'
          ? 'repushed'
          : verdict === 'ambiguous'
            ? 'key-unrecoverable'
            : 'fresh';
    const detail =
      verdict === 'gone'
        ? 'gone before pgsweep deleted it'
        : verdict === 'repushed'
          ? 're-pushed during the sweep; kept its fresh data'
          : verdict === 'ambiguous'
            ? 'listed more than once at re-check, so which one is stale is unknown'
            : 'no longer stale by the gateway clock at re-check';
    t.update({ outcome: 'kept', reason, detail });
    // The table lists each; the re-check line below counts them.
    log.debug({ group: formatLabels(t.labels), reason }, detail);
  }
  log.info(
    {
      candidates: candidates.length,
      kept: candidates.length - keep.length,
      ms: Math.round(performance.now() - started),
    },
    're-checked candidates',
  );
  return keep;
}

/**
 * Streams a whole listing (so a bad one still throws before anything is acted on) and hands each
 * of `wanted`'s groups found in it to `found`: memory stays proportional to the candidates, not to
 * the gateway. Groups not handed over are not listed.
 */
async function streamCandidates(
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
const PROGRESS_EVERY = 1000;

/** How often the gateway's health is checked while deletes are going out. */
const HEALTH_POLL_MS = 500;

async function deleteAll(run: SweepRun, candidates: TrackedGroup[]): Promise<Deleted> {
  const { client, options, log, hooks } = run;
  const concurrency = options.concurrency;
  const pacer = new DeletePacer(concurrency);
  const window = new WriteWindow(() => client.barrier(hooks.abandon));
  const watcher = watchHealth(client, pacer, log, hooks.stop);
  const started = performance.now();
  let done = 0;
  const accepted = await mapLimit(candidates, concurrency, async (p) => {
    await pacer.acquire(hooks.stop);
    if (hooks.stop?.aborted) return false; // left as not attempted; marked interrupted later
    // Only the DELETE requests' own time says whether the gateway is congested: waiting for the
    // write window (a barrier behind a slow checked push) is the window doing its job.
    const timing = { requestMs: 0 };
    let pushedBack = true;
    try {
      const result = await deleteOne(run, p, window, timing);
      pushedBack = result.pushedBack;
      return result.ok;
    } finally {
      pacer.release(timing.requestMs, pushedBack);
      done++;
      hooks.onProgress?.({ phase: 'delete', done, total: candidates.length });
    }
  });
  await watcher.stop();
  const queued = candidates.filter((_, i) => accepted[i]);
  const applied = !hooks.stop?.aborted && (await window.drain());
  const { congestionEvents, minWindow } = pacer.stats();
  log.info(
    {
      deletes: candidates.length,
      ms: Math.round(performance.now() - started),
      barriers: window.barriersSent,
      congestionEvents,
      minWindow,
    },
    congestionEvents > 0
      ? 'deletes sent; slowed down when the gateway queue filled'
      : 'deletes sent',
  );
  if (window.unusable !== undefined) {
    log.warn(
      {},
      `write barriers do not work on this gateway (${window.unusable}); pacing deletes by latency and /-/healthy, and confirming them by listing`,
    );
  }
  if (window.leftGroup) await removeBarrierGroup(client, log, hooks.abandon);
  return { queued, applied };
}

/** What deleteAll sent: the groups whose DELETE was queued, and whether a barrier proved them applied. */
interface Deleted {
  readonly queued: TrackedGroup[];
  readonly applied: boolean;
}

/** Each barrier leaves a phantom group behind (see BARRIER_PATH); remove it. */
async function removeBarrierGroup(client: GatewayClient, log: Log, signal?: AbortSignal) {
  const warn = (why: string) =>
    log.warn({}, `could not remove the write-barrier group {job="pgsweep_barrier"}: ${why}`);
  try {
    const res = await client.deleteGroup(BARRIER_PATH, signal);
    if (res.status !== 202) warn(`answered ${res.status}`);
  } catch (err) {
    warn((err as Error).message);
  }
}

/** Polls /-/healthy while deletes go out; a full write queue (500) pauses them. */
function watchHealth(client: GatewayClient, pacer: DeletePacer, log: Log, signal?: AbortSignal) {
  // Stopping ends the wait between polls at once, so a short sweep does not sit out a poll interval.
  const stopped = new AbortController();
  const done = signal ? AbortSignal.any([signal, stopped.signal]) : stopped.signal;
  let warned = false;
  const loop = (async () => {
    while (!done.aborted) {
      const status = await client.healthy(signal);
      if (status === 500) {
        pacer.congested();
        if (!warned)
          log.warn({}, "the gateway's write queue is full (/-/healthy 500); pausing deletes");
        warned = true;
      }
      await sleep(HEALTH_POLL_MS, undefined, { signal: done }).catch(() => {});
    }
  })();
  return {
    async stop() {
      stopped.abort();
      await loop;
    },
  };
}

/** One group's DELETE (two for an ambiguous text-listing key); records failures on the group. */
async function deleteOne(
  run: SweepRun,
  t: TrackedGroup,
  window: WriteWindow,
  timing: { requestMs: number },
): Promise<{ ok: boolean; pushedBack: boolean }> {
  const { client, log, hooks, beforeDelete } = run;
  // Candidates always have a path: only a planned delete gets one.
  const path = t.path ?? '';
  // Text listing: the key is `key` or `key`+instance="". Both cannot exist at once (together they
  // make /metrics fail, so this listing could not have been read), so one DELETE is a no-op.
  // A fresh group could only be hit if a job re-pushed the *other* key form in between; jobs
  // push one form, so that is the same narrow race as any re-push (README: Scale).
  const paths = t.ambiguousInstance
    ? [groupPath({ ...labelsOfPath(path), instance: '' }), path]
    : [path];
  try {
    beforeDelete?.(t);
  } catch (err) {
    const detail = `not deleted: its archive line could not be written (${(err as Error).message})`;
    t.update({ outcome: 'failed', reason: 'archive-failed', detail });
    log.error({ group: formatLabels(t.labels) }, detail);
    return { ok: false, pushedBack: false };
  }
  const send = async (p: string) => {
    await window.acquire(hooks.abandon);
    let queued = false;
    const started = performance.now();
    try {
      // Given up while waiting for the write window: this DELETE never goes out.
      if (hooks.abandon?.aborted) throw new Error('not sent: pgsweep is stopping');
      t.sent = true;
      const res = await client.deleteGroup(p, hooks.abandon);
      queued = res.status === 202;
      return res;
    } finally {
      timing.requestMs = Math.max(timing.requestMs, performance.now() - started);
      window.written(queued);
    }
  };
  try {
    let res = await send(paths[0] ?? '');
    for (const p of paths.slice(1)) {
      if (res.status !== 202) break;
      res = await send(p);
    }
    // A retried or 5xx/429 answer means the gateway is struggling: the pacer slows down.
    const pushedBack = res.attempts > 1 || res.status === 429 || res.status >= 500;
    if (res.status === 202) {
      log.debug({ path, attempts: res.attempts }, 'delete queued');
      return { ok: true, pushedBack };
    }
    const detail = `DELETE answered ${res.status}${res.body ? `: ${res.body}` : ''}${res.attempts > 1 ? ` (after ${res.attempts} attempts)` : ''}`;
    t.update({ outcome: 'failed', reason: 'delete-rejected', detail });
    log.error({ group: formatLabels(t.labels), status: res.status }, `delete failed: ${detail}`);
    return { ok: false, pushedBack };
  } catch (err) {
    if (hooks.abandon?.aborted) {
      // Never sent: markInterrupted reports it kept.
      if (!t.sent) return { ok: false, pushedBack: false };
      // Abandoned in flight: the gateway may have applied it; "failed" could be false.
      t.update({ outcome: 'sent', reason: 'interrupted', detail: SENT_UNANSWERED });
      log.warn({ group: formatLabels(t.labels) }, SENT_UNANSWERED);
      return { ok: false, pushedBack: false };
    }
    const detail = (err as Error).message;
    t.update({ outcome: 'failed', reason: 'delete-error', detail });
    log.error({ group: formatLabels(t.labels) }, `delete failed: ${detail}`);
    return { ok: false, pushedBack: true };
  }
}

/** Writes a group's archive line; throws (so the group is kept) if that fails. */
function archiveStep(
  archive: Archive,
  gateway: string,
  now: () => number,
): (t: TrackedGroup) => void {
  return (t) => {
    if (t.raw === undefined) throw new Error("the listing did not keep this group's state");
    archive.record({ gateway, labels: t.labels, pushTime: t.pushTime, raw: t.raw }, now());
  };
}

/**
 * DELETE is only queued by the gateway (spec §4.9): check the listing until each group is gone or
 * re-pushed. When a write barrier has proven the queue applied, one listing decides: by then it
 * holds only what the sweep left, so it is cheap, and a group still there was never deleted (say,
 * a proxy answered for the gateway). Without a barrier, poll until the deadline.
 */
async function confirm(run: SweepRun, queued: TrackedGroup[], applied: boolean): Promise<void> {
  const { log } = run;
  const timeoutMs = run.options.confirmTimeoutMs;
  const signal = run.hooks.stop;
  let pending = queued;
  const deadline = performance.now() + timeoutMs;
  let wait = 50;
  while (pending.length > 0 && signal?.aborted !== true) {
    const repushed = new Set<TrackedGroup>();
    const still = new Set<TrackedGroup>();
    try {
      await streamCandidates(run, pending, (t, group) => {
        if (confirmVerdict(t, group) === 'pending') still.add(t);
        else repushed.add(t);
      });
    } catch (err) {
      if (signal?.aborted) break;
      if (!(err instanceof GatewayError)) throw err;
      // The DELETEs are out: keep the report and say what is not known, instead of losing it.
      const detail = `the gateway accepted the DELETE, but the listing to confirm it failed: ${err.message}`;
      for (const t of pending) t.update({ outcome: 'failed', reason: 'not-confirmed', detail });
      log.error({ groups: pending.length }, `deletes not confirmed: ${err.message}`);
      return;
    }
    for (const t of pending) {
      if (still.has(t)) continue;
      t.update(
        repushed.has(t)
          ? {
              outcome: 'kept',
              reason: 'repushed',
              detail: 're-pushed right after the delete; the new data is kept',
            }
          : { outcome: 'deleted', reason: 'stale' },
      );
    }
    pending = pending.filter((t) => still.has(t));
    if (applied || pending.length === 0 || performance.now() + wait > deadline) break;
    await sleep(wait, undefined, signal ? { signal } : {}).catch(() => {});
    wait = Math.min(wait * 2, 1000);
  }
  if (signal?.aborted) return; // markInterrupted explains the rest
  for (const t of pending) {
    const detail = applied
      ? 'the gateway accepted the DELETE but still lists the group after applying every write queued before a later push'
      : `the gateway accepted the DELETE but still lists the group after ${timeoutMs / 1000}s`;
    t.update({ outcome: 'failed', reason: 'not-confirmed', detail });
    log.error({ group: formatLabels(t.labels) }, detail);
  }
}

/** What a DELETE the gateway accepted, but pgsweep did not see applied, is reported as. */
const SENT_UNCONFIRMED = 'DELETE accepted (202); pgsweep stopped before confirming it';
const SENT_UNANSWERED =
  'DELETE sent; pgsweep stopped before the gateway answered, so it may or may not have been applied';

/**
 * After SIGINT/SIGTERM: candidates never sent are kept; those whose DELETE the gateway accepted
 * but that were not confirmed yet are `sent` (the gateway will most likely apply it), never failed.
 */
function markInterrupted(results: readonly TrackedGroup[]): void {
  for (const t of results) {
    if (t.path === undefined || t.outcome !== 'failed' || t.reason !== 'not-confirmed') continue;
    t.update(
      t.sent
        ? { outcome: 'sent', reason: 'interrupted', detail: SENT_UNCONFIRMED }
        : {
            outcome: 'kept',
            reason: 'interrupted',
            detail: 'not deleted: pgsweep was stopped first',
          },
    );
  }
}

function summarise(
  groups: readonly GroupReport[],
  counted: { scanned: number; quietlyKept: number; excluded: number; unselected: number },
  dryRun: boolean,
  durationMs: number,
): SweepSummary {
  const count = (o: Outcome) => groups.filter((g) => g.outcome === o).length;
  return {
    scanned: counted.scanned,
    stale: groups.filter((g) => g.stale).length,
    deleted: count('deleted'),
    wouldDelete: count('would-delete'),
    kept: count('kept') + counted.quietlyKept,
    excluded: counted.excluded,
    unselected: counted.unselected,
    skipped: count('skipped'),
    keptLatest: groups.filter((g) => g.reason === 'kept-latest').length,
    failed: count('failed'),
    sent: count('sent'),
    durationMs: Math.round(durationMs),
    dryRun,
  };
}
