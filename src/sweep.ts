/**
 * One sweep of one gateway: list, plan, guard, re-check, delete, confirm. It does I/O through the
 * client and reports through the log, but never prints results or exits: it returns a SweepReport.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Archive } from './archive.ts';
import { BARRIER_PATH, type DeleteResult, type GatewayClient, type Listing } from './client.ts';
import { mapLimit } from './concurrency.ts';
import { formatDuration } from './duration.ts';
import { GatewayError } from './errors.ts';
import { formatLabels, groupPath, keyId } from './grouping-key.ts';
import { type GuardLimits, guardVerdict } from './guards.ts';
import type { ListedGroup } from './listing.ts';
import type { Log } from './log.ts';
import type { Labels } from './matchers.ts';
import { DeletePacer } from './pacer.ts';
import {
  confirmState,
  type PlannedGroup,
  planGroup,
  type Reason,
  type Rules,
  recheckCandidates,
} from './plan.ts';
import type { TtlSource } from './ttl.ts';
import { WriteWindow } from './write-window.ts';

export interface SweepOptions extends Rules {
  readonly dryRun: boolean;
  readonly recheck: boolean;
  readonly concurrency: number;
  /** How long to wait for queued DELETEs to show in the listing. */
  readonly confirmTimeoutMs: number;
  readonly guards?: GuardLimits;
  /** Without a Date header, age groups by the local clock instead of refusing. */
  readonly trustLocalClock?: boolean;
  /** Records each group's last state before its DELETE; a failure keeps the group. */
  readonly archive?: Archive;
}

export interface SweepHooks {
  /** Called after the plan, before the re-check listing (tests use it to race a push). */
  readonly afterPlan?: (plan: readonly PlannedGroup[]) => Promise<void> | void;
  /** Local clock, for the skew warning and when the gateway sends no Date header. */
  readonly localNow?: () => number;
  /** Aborted on SIGINT/SIGTERM: start no new request. */
  readonly stop?: AbortSignal;
  /** Aborted a little later: give up on requests still in flight. */
  readonly abandon?: AbortSignal;
  /** Called as work completes, for a progress display. */
  readonly onProgress?: (progress: Progress) => void;
}

export interface Progress {
  readonly phase: 'list' | 'recheck' | 'delete' | 'confirm';
  readonly done: number;
  /** Unknown while listing: the gateway does not say how many groups it has. */
  readonly total?: number;
}

/** Warn when the local clock and the gateway's disagree by more than this. */
export const CLOCK_SKEW_WARN_MS = 30_000;

export type Outcome = 'deleted' | 'would-delete' | 'kept' | 'skipped' | 'failed';

export type OutcomeReason =
  | Reason
  | 'already-gone'
  | 'repushed'
  | 'delete-rejected'
  | 'delete-error'
  | 'not-confirmed'
  | 'guard-tripped'
  | 'interrupted'
  | 'archive-failed';

export interface GroupReport {
  readonly labels: Labels;
  readonly outcome: Outcome;
  readonly reason: OutcomeReason;
  readonly detail?: string;
  readonly stale: boolean;
  readonly ageMs?: number;
  readonly lastPushMs?: number;
  readonly ttlMs?: number;
  readonly ttlSource?: TtlSource;
}

export interface SweepSummary {
  readonly scanned: number;
  readonly stale: number;
  readonly deleted: number;
  readonly wouldDelete: number;
  readonly kept: number;
  readonly skipped: number;
  readonly failed: number;
  readonly durationMs: number;
  readonly dryRun: boolean;
}

export interface SweepReport {
  readonly gateway: string;
  readonly nowMs: number;
  readonly clockSource: 'gateway-date' | 'local';
  readonly ttlMs: number;
  /** Why a guard stopped (or, in a dry run, would stop) the deletes. */
  readonly guard?: string;
  readonly interrupted: boolean;
  /** Only the notable groups (see isNotable); the summary counts them all. */
  readonly groups: GroupReport[];
  readonly summary: SweepSummary;
}

/** What every phase of one sweep shares. */
interface SweepRun {
  readonly client: GatewayClient;
  readonly options: SweepOptions;
  readonly log: Log;
  readonly hooks: SweepHooks;
  readonly localNow: () => number;
  /** The notable groups and what became of them. */
  readonly results: Map<PlannedGroup, GroupReport>;
  /** Candidates whose DELETE was sent. */
  readonly sent: Set<PlannedGroup>;
  /** The freshest listed JSON per candidate, for the archive. */
  readonly latestRaw: Map<PlannedGroup, string>;
  /** Runs before each DELETE; throwing keeps the group (the archive). */
  readonly beforeDelete?: (p: PlannedGroup) => void;
}

export async function sweep(
  client: GatewayClient,
  options: SweepOptions,
  log: Log,
  hooks: SweepHooks = {},
): Promise<SweepReport> {
  const started = performance.now();
  const localNow = hooks.localNow ?? Date.now;
  const stopping = () => hooks.stop?.aborted === true;

  // The plan is built group by group as the listing streams in; only notable groups are kept.
  const first = await client.list(hooks.stop);
  const { nowMs, clockSource } = clockOf(first, localNow, options, log);
  const results = new Map<PlannedGroup, GroupReport>();
  let scanned = 0;
  let quietlyKept = 0;
  const listStarted = performance.now();
  for await (const group of first.groups) {
    scanned++;
    if (scanned % PROGRESS_EVERY === 0) hooks.onProgress?.({ phase: 'list', done: scanned });
    const p = planGroup(group, nowMs, options);
    const report = initialReport(p, options.dryRun);
    if (p.ttlNote) log.warn({ group: formatLabels(p.labels) }, p.ttlNote);
    if (isNotable(report)) {
      results.set(p, report);
      logDecision(report, log);
    } else quietlyKept++;
  }
  logListing(log, first, listStarted);
  const plan = [...results.keys()];

  let candidates = plan.filter((p) => p.action === 'delete');
  log.info(
    { scanned, stale: plan.filter((p) => p.stale).length, candidates: candidates.length },
    'planned sweep',
  );
  await hooks.afterPlan?.(plan);

  const guard = options.guards
    ? guardVerdict(candidates.length, scanned, options.guards)
    : undefined;
  if (guard) {
    if (options.dryRun) log.warn({}, `a real run would stop here: ${guard}`);
    else {
      log.error({}, guard);
      for (const p of candidates)
        update(results, p, { outcome: 'kept', reason: 'guard-tripped', detail: guard });
      candidates = [];
    }
  }

  const latestRaw = new Map<PlannedGroup, string>();
  const run: SweepRun = {
    client,
    options,
    log,
    hooks,
    localNow,
    results,
    sent: new Set<PlannedGroup>(),
    latestRaw,
    ...(options.archive
      ? {
          beforeDelete: archiveStep(
            options.archive,
            client.baseUrl,
            latestRaw,
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
  if (interrupted) markInterrupted(results, run.sent);
  const groups = [...results.values()];
  const summary = summarise(
    groups,
    scanned,
    quietlyKept,
    options.dryRun,
    performance.now() - started,
  );
  return {
    gateway: client.baseUrl,
    nowMs,
    clockSource,
    ttlMs: options.ttlMs,
    ...(guard ? { guard } : {}),
    interrupted,
    groups,
    summary,
  };
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
 * Streams a whole listing (so a bad one still throws) but keeps only the groups whose keys are
 * wanted: memory stays proportional to the candidates, not to the gateway.
 */
async function collectKeys(
  client: GatewayClient,
  wanted: ReadonlySet<string>,
  log: Log,
  signal?: AbortSignal,
): Promise<{ listing: Listing; found: Map<string, ListedGroup> }> {
  const started = performance.now();
  const listing = await client.list(signal);
  const found = new Map<string, ListedGroup>();
  for await (const group of listing.groups) {
    if (!group.labels) continue;
    const id = keyId(group.labels);
    if (wanted.has(id)) found.set(id, group);
  }
  logListing(log, listing, started);
  return { listing, found };
}

const candidateIds = (ps: readonly PlannedGroup[]) =>
  new Set(ps.flatMap((p) => (p.key ? [keyId(p.key)] : [])));

function clockOf(listing: Listing, localNow: () => number, options: SweepOptions, log: Log) {
  const local = localNow();
  if (listing.dateMs === undefined) {
    if (!options.trustLocalClock) {
      throw new GatewayError(
        "the gateway's listing has no Date header, so group ages cannot be measured on its clock; " +
          "pass --trust-local-clock to use this machine's clock (a proxy may be stripping Date)",
      );
    }
    log.warn(
      {},
      'the gateway sent no Date header; ageing groups by the local clock (--trust-local-clock)',
    );
    return { nowMs: local, clockSource: 'local' as const };
  }
  // Date has 1 s resolution, so only larger differences mean anything.
  const skew = local - listing.dateMs;
  if (Math.abs(skew) > CLOCK_SKEW_WARN_MS) {
    log.warn(
      { skewMs: skew },
      `this machine's clock is ${formatDuration(Math.abs(skew))} ${skew > 0 ? 'ahead of' : 'behind'} the gateway's; ages use the gateway's clock`,
    );
  }
  return { nowMs: listing.dateMs, clockSource: 'gateway-date' as const };
}

function initialReport(p: PlannedGroup, dryRun: boolean): GroupReport {
  const outcome: Outcome =
    p.action === 'skip'
      ? 'skipped'
      : p.action === 'keep'
        ? 'kept'
        : dryRun
          ? 'would-delete'
          : 'failed';
  return {
    labels: p.labels,
    outcome,
    // A real-run candidate starts as failed/not-confirmed and is upgraded once confirmed gone.
    reason: p.action === 'delete' && !dryRun ? 'not-confirmed' : p.reason,
    stale: p.stale,
    ...(p.detail === undefined ? {} : { detail: p.detail }),
    ...(p.ageMs === undefined ? {} : { ageMs: p.ageMs }),
    ...(p.lastPushMs === undefined ? {} : { lastPushMs: p.lastPushMs }),
    ...(p.ttlMs === undefined ? {} : { ttlMs: p.ttlMs }),
    ...(p.ttlSource === undefined ? {} : { ttlSource: p.ttlSource }),
  };
}

function logDecision(r: GroupReport, log: Log): void {
  const group = formatLabels(r.labels);
  if (r.outcome === 'skipped')
    log.warn({ group, reason: r.reason }, `skipping group: ${r.detail ?? r.reason}`);
  else if (r.reason === 'future-push-time')
    log.warn({ group, reason: r.reason }, `keeping group: ${r.detail}`);
}

function update(
  results: Map<PlannedGroup, GroupReport>,
  p: PlannedGroup,
  change: Partial<GroupReport>,
): void {
  const prev = results.get(p);
  if (prev) results.set(p, { ...prev, ...change });
}

async function recheck(run: SweepRun, candidates: PlannedGroup[]): Promise<PlannedGroup[]> {
  const { client, options, results, log, latestRaw, localNow } = run;
  const signal = run.hooks.stop;
  const { listing, found } = await collectKeys(client, candidateIds(candidates), log, signal);
  const byId = new Map(candidates.flatMap((p) => (p.key ? [[keyId(p.key), p] as const] : [])));
  const { nowMs } = clockOf(listing, localNow, options, log);
  const verdicts = recheckCandidates(candidates, [...found.values()], nowMs, options);
  // The archive records the freshest state: this listing's, when it has the group.
  for (const [id, group] of found) {
    const p = byId.get(id);
    if (p && group.raw !== undefined) latestRaw.set(p, group.raw);
  }
  const keep: PlannedGroup[] = [];
  for (const [p, verdict] of verdicts) {
    if (verdict === 'delete') {
      keep.push(p);
      continue;
    }
    const reason: OutcomeReason =
      verdict === 'gone' ? 'already-gone' : verdict === 'repushed' ? 'repushed' : 'fresh';
    const detail =
      verdict === 'gone'
        ? 'gone before pgsweep deleted it'
        : verdict === 'repushed'
          ? 're-pushed during the sweep; kept its fresh data'
          : 'no longer stale by the gateway clock at re-check';
    update(results, p, { outcome: 'kept', reason, detail });
    log.info({ group: formatLabels(p.labels), reason }, detail);
  }
  return keep;
}

/** Listing progress is reported every this many groups. */
const PROGRESS_EVERY = 1000;

/** How often the gateway's health is checked while deletes are going out. */
const HEALTH_POLL_MS = 500;

async function deleteAll(run: SweepRun, candidates: PlannedGroup[]): Promise<Deleted> {
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
    const t = performance.now();
    let pushedBack = true;
    try {
      const result = await deleteOne(run, p, window);
      pushedBack = result.pushedBack;
      return result.ok;
    } finally {
      pacer.release(performance.now() - t, pushedBack);
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
  readonly queued: PlannedGroup[];
  readonly applied: boolean;
}

/** Each barrier leaves a phantom group behind (see BARRIER_PATH); remove it. */
async function removeBarrierGroup(client: GatewayClient, log: Log, signal?: AbortSignal) {
  const res = await client.deleteGroup(BARRIER_PATH, signal).catch((err: unknown) => err);
  if (res instanceof Error || (res as DeleteResult).status !== 202) {
    const why = res instanceof Error ? res.message : `answered ${(res as DeleteResult).status}`;
    log.warn({}, `could not remove the write-barrier group {job="pgsweep_barrier"}: ${why}`);
  }
}

/** Polls /-/healthy while deletes go out; a full write queue (500) pauses them. */
function watchHealth(client: GatewayClient, pacer: DeletePacer, log: Log, signal?: AbortSignal) {
  let running = true;
  let warned = false;
  const loop = (async () => {
    while (running && signal?.aborted !== true) {
      const status = await client.healthy(signal);
      if (status === 500) {
        pacer.congested();
        if (!warned)
          log.warn({}, "the gateway's write queue is full (/-/healthy 500); pausing deletes");
        warned = true;
      }
      await sleep(HEALTH_POLL_MS, undefined, signal ? { signal } : {}).catch(() => {});
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** One group's DELETE (two for an ambiguous text-listing key); records failures in `results`. */
async function deleteOne(
  run: SweepRun,
  p: PlannedGroup,
  window: WriteWindow,
): Promise<{ ok: boolean; pushedBack: boolean }> {
  const { client, results, log, hooks, sent, beforeDelete } = run;
  // Candidates always carry a key: planGroup only returns 'delete' with one.
  const key = p.key ?? p.labels;
  // Text listing: the key is `key` or `key`+instance="". Both cannot exist at once (together they
  // make /metrics fail, so this listing could not have been read), so one DELETE is a no-op.
  // A fresh group could only be hit if a job re-pushed the *other* key form in between; jobs
  // push one form, so that is the same narrow race as any re-push (README: Scale).
  const paths = p.ambiguousInstance
    ? [groupPath({ ...key, instance: '' }), groupPath(key)]
    : [groupPath(key)];
  const group = formatLabels(p.labels);
  try {
    beforeDelete?.(p);
  } catch (err) {
    const detail = `not deleted: its archive line could not be written (${(err as Error).message})`;
    update(results, p, { outcome: 'failed', reason: 'archive-failed', detail });
    log.error({ group }, detail);
    return { ok: false, pushedBack: false };
  }
  const send = async (path: string) => {
    await window.acquire(hooks.abandon);
    let queued = false;
    try {
      const res = await client.deleteGroup(path, hooks.abandon);
      queued = res.status === 202;
      return res;
    } finally {
      window.written(queued);
    }
  };
  sent.add(p);
  try {
    let res = await send(paths[0] ?? '');
    for (const path of paths.slice(1)) {
      if (res.status !== 202) break;
      res = await send(path);
    }
    // A retried or 5xx/429 answer means the gateway is struggling: the pacer slows down.
    const pushedBack = res.attempts > 1 || res.status === 429 || res.status >= 500;
    if (res.status === 202) {
      log.debug({ group, attempts: res.attempts }, 'delete queued');
      return { ok: true, pushedBack };
    }
    const detail = `DELETE answered ${res.status}${res.body ? `: ${res.body}` : ''}${res.attempts > 1 ? ` (after ${res.attempts} attempts)` : ''}`;
    update(results, p, { outcome: 'failed', reason: 'delete-rejected', detail });
    log.error({ group, status: res.status }, `delete failed: ${detail}`);
    return { ok: false, pushedBack };
  } catch (err) {
    const detail = (err as Error).message;
    update(results, p, { outcome: 'failed', reason: 'delete-error', detail });
    log.error({ group }, `delete failed: ${detail}`);
    return { ok: false, pushedBack: true };
  }
}

/** Writes a group's archive line; throws (so the group is kept) if that fails. */
function archiveStep(
  archive: Archive,
  gateway: string,
  latestRaw: ReadonlyMap<PlannedGroup, string>,
  now: () => number,
): (p: PlannedGroup) => void {
  return (p) => {
    const raw = latestRaw.get(p) ?? p.raw;
    if (raw === undefined) throw new Error("the listing did not keep this group's state");
    archive.record({ gateway, labels: p.labels, pushTime: p.pushTime, raw }, now());
  };
}

/**
 * DELETE is only queued by the gateway (spec §4.9): check the listing until each group is gone or
 * re-pushed. When a write barrier has proven the queue applied, one listing decides: by then it
 * holds only what the sweep left, so it is cheap, and a group still there was never deleted (say,
 * a proxy answered for the gateway). Without a barrier, poll until the deadline.
 */
async function confirm(run: SweepRun, queued: PlannedGroup[], applied: boolean): Promise<void> {
  const { client, results, log } = run;
  const timeoutMs = run.options.confirmTimeoutMs;
  const signal = run.hooks.stop;
  let pending = queued;
  const deadline = performance.now() + timeoutMs;
  let wait = 50;
  while (pending.length > 0 && signal?.aborted !== true) {
    let byKey: Map<string, ListedGroup>;
    try {
      byKey = (await collectKeys(client, candidateIds(pending), log, signal)).found;
    } catch (err) {
      if (signal?.aborted) break;
      throw err;
    }
    const still: PlannedGroup[] = [];
    for (const p of pending) {
      const state = confirmState(p, byKey);
      if (state === 'pending') still.push(p);
      else if (state === 'gone') update(results, p, { outcome: 'deleted', reason: 'stale' });
      else {
        update(results, p, {
          outcome: 'kept',
          reason: 'repushed',
          detail: 're-pushed right after the delete; the new data is kept',
        });
      }
    }
    pending = still;
    if (applied || pending.length === 0 || performance.now() + wait > deadline) break;
    await sleep(wait, undefined, signal ? { signal } : {}).catch(() => {});
    wait = Math.min(wait * 2, 1000);
  }
  if (signal?.aborted) return; // markInterrupted explains the rest
  for (const p of pending) {
    const detail = applied
      ? 'the gateway accepted the DELETE but still lists the group after applying every write queued before a later push'
      : `the gateway accepted the DELETE but still lists the group after ${timeoutMs / 1000}s`;
    update(results, p, { outcome: 'failed', reason: 'not-confirmed', detail });
    log.error({ group: formatLabels(p.labels) }, detail);
  }
}

/** After SIGINT/SIGTERM: candidates never sent are kept; sent but unconfirmed ones are failures. */
function markInterrupted(
  results: Map<PlannedGroup, GroupReport>,
  sent: ReadonlySet<PlannedGroup>,
): void {
  for (const [p, r] of results) {
    if (p.action !== 'delete' || r.outcome !== 'failed' || r.reason !== 'not-confirmed') continue;
    update(
      results,
      p,
      sent.has(p)
        ? {
            outcome: 'failed',
            reason: 'interrupted',
            detail: 'DELETE sent, but pgsweep stopped before confirming it',
          }
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
  scanned: number,
  quietlyKept: number,
  dryRun: boolean,
  durationMs: number,
): SweepSummary {
  const count = (o: Outcome) => groups.filter((g) => g.outcome === o).length;
  return {
    scanned,
    stale: groups.filter((g) => g.stale).length,
    deleted: count('deleted'),
    wouldDelete: count('would-delete'),
    kept: count('kept') + quietlyKept,
    skipped: count('skipped'),
    failed: count('failed'),
    durationMs: Math.round(durationMs),
    dryRun,
  };
}

/**
 * Groups worth keeping and listing one by one: everything stale, skipped, failed or kept for a
 * warning. Fresh and unselected groups are only counted, so memory and output stay small.
 */
export function isNotable(g: GroupReport): boolean {
  return (
    g.stale ||
    g.outcome === 'skipped' ||
    g.outcome === 'failed' ||
    g.reason === 'future-push-time' ||
    g.reason === 'interrupted'
  );
}
