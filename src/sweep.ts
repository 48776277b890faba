/**
 * One sweep of one gateway: list, plan, guard, re-check, delete, confirm. It does I/O through the
 * client and reports through the log, but never prints results or exits: it returns a SweepReport.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { GatewayClient, Listing } from './client.ts';
import { mapLimit } from './concurrency.ts';
import { formatDuration } from './duration.ts';
import { GatewayError } from './errors.ts';
import { formatLabels, groupPath } from './grouping-key.ts';
import { type GuardLimits, guardVerdict } from './guards.ts';
import type { Log } from './log.ts';
import type { Labels } from './matchers.ts';
import {
  confirmState,
  indexByKey,
  type PlannedGroup,
  planSweep,
  type Reason,
  type Rules,
  recheckCandidates,
} from './plan.ts';
import type { TtlSource } from './ttl.ts';

export interface SweepOptions extends Rules {
  readonly dryRun: boolean;
  readonly recheck: boolean;
  readonly concurrency: number;
  /** How long to wait for queued DELETEs to show in the listing. */
  readonly confirmTimeoutMs: number;
  readonly guards?: GuardLimits;
  /** Without a Date header, age groups by the local clock instead of refusing. */
  readonly trustLocalClock?: boolean;
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
  | 'interrupted';

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
  readonly groups: GroupReport[];
  readonly summary: SweepSummary;
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

  const first = await listLogged(client, log, hooks.stop);
  const { nowMs, clockSource } = clockOf(first, localNow, options, log);
  const plan = planSweep(first.groups, nowMs, options);
  const results = new Map<PlannedGroup, GroupReport>();
  for (const p of plan) results.set(p, initialReport(p, options.dryRun));
  for (const p of plan) logDecision(p, results.get(p), log);

  let candidates = plan.filter((p) => p.action === 'delete');
  log.info(
    {
      scanned: plan.length,
      stale: plan.filter((p) => p.stale).length,
      candidates: candidates.length,
    },
    'planned sweep',
  );
  await hooks.afterPlan?.(plan);

  const guard = options.guards
    ? guardVerdict(candidates.length, plan.length, options.guards)
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

  const sent = new Set<PlannedGroup>();
  if (!options.dryRun && candidates.length > 0 && !stopping()) {
    if (options.recheck)
      candidates = await recheck(client, candidates, options, results, localNow, log, hooks.stop);
    const queued = await deleteAll(
      client,
      candidates,
      options.concurrency,
      results,
      log,
      hooks,
      sent,
    );
    await confirm(client, queued, options.confirmTimeoutMs, results, log, hooks.stop);
  }

  const interrupted = stopping();
  if (interrupted) markInterrupted(results, sent);
  const groups = [...results.values()];
  return {
    gateway: client.baseUrl,
    nowMs,
    clockSource,
    ttlMs: options.ttlMs,
    ...(guard ? { guard } : {}),
    interrupted,
    groups,
    summary: summarise(groups, options.dryRun, performance.now() - started),
  };
}

async function listLogged(client: GatewayClient, log: Log, signal?: AbortSignal): Promise<Listing> {
  const t = performance.now();
  const listing = await client.list(signal);
  log.debug(
    { groups: listing.groups.length, bytes: listing.bytes, ms: Math.round(performance.now() - t) },
    'listed groups',
  );
  return listing;
}

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

function logDecision(p: PlannedGroup, r: GroupReport | undefined, log: Log): void {
  if (!r) return;
  const group = formatLabels(r.labels);
  if (p.ttlNote) log.warn({ group }, p.ttlNote);
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

async function recheck(
  client: GatewayClient,
  candidates: PlannedGroup[],
  options: SweepOptions,
  results: Map<PlannedGroup, GroupReport>,
  localNow: () => number,
  log: Log,
  signal?: AbortSignal,
): Promise<PlannedGroup[]> {
  const second = await listLogged(client, log, signal);
  const { nowMs } = clockOf(second, localNow, options, log);
  const verdicts = recheckCandidates(candidates, second.groups, nowMs, options);
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

async function deleteAll(
  client: GatewayClient,
  candidates: PlannedGroup[],
  concurrency: number,
  results: Map<PlannedGroup, GroupReport>,
  log: Log,
  hooks: SweepHooks,
  sent: Set<PlannedGroup>,
): Promise<PlannedGroup[]> {
  const accepted = await mapLimit(candidates, concurrency, async (p) => {
    if (hooks.stop?.aborted) return false; // left as not attempted; marked interrupted later
    // Candidates always carry a key: planGroup only returns 'delete' with one.
    const path = groupPath(p.key ?? p.labels);
    const group = formatLabels(p.labels);
    sent.add(p);
    try {
      const res = await client.deleteGroup(path, hooks.abandon);
      if (res.status === 202) {
        log.debug({ group, attempts: res.attempts }, 'delete queued');
        return true;
      }
      const detail = `DELETE answered ${res.status}${res.body ? `: ${res.body}` : ''}${res.attempts > 1 ? ` (after ${res.attempts} attempts)` : ''}`;
      update(results, p, { outcome: 'failed', reason: 'delete-rejected', detail });
      log.error({ group, status: res.status }, `delete failed: ${detail}`);
    } catch (err) {
      const detail = (err as Error).message;
      update(results, p, { outcome: 'failed', reason: 'delete-error', detail });
      log.error({ group }, `delete failed: ${detail}`);
    }
    return false;
  });
  return candidates.filter((_, i) => accepted[i]);
}

/** DELETE is only queued by the gateway (spec §4.9): poll until each group is gone or re-pushed. */
async function confirm(
  client: GatewayClient,
  queued: PlannedGroup[],
  timeoutMs: number,
  results: Map<PlannedGroup, GroupReport>,
  log: Log,
  signal?: AbortSignal,
): Promise<void> {
  let pending = queued;
  const deadline = performance.now() + timeoutMs;
  let wait = 50;
  while (pending.length > 0 && signal?.aborted !== true) {
    let listing: Listing;
    try {
      listing = await listLogged(client, log, signal);
    } catch (err) {
      if (signal?.aborted) break;
      throw err;
    }
    const byKey = indexByKey(listing.groups);
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
    if (pending.length === 0 || performance.now() + wait > deadline) break;
    await sleep(wait, undefined, signal ? { signal } : {}).catch(() => {});
    wait = Math.min(wait * 2, 1000);
  }
  if (signal?.aborted) return; // markInterrupted explains the rest
  for (const p of pending) {
    const detail = `the gateway accepted the DELETE but still lists the group after ${timeoutMs / 1000}s`;
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
  dryRun: boolean,
  durationMs: number,
): SweepSummary {
  const count = (o: Outcome) => groups.filter((g) => g.outcome === o).length;
  return {
    scanned: groups.length,
    stale: groups.filter((g) => g.stale).length,
    deleted: count('deleted'),
    wouldDelete: count('would-delete'),
    kept: count('kept'),
    skipped: count('skipped'),
    failed: count('failed'),
    durationMs: Math.round(durationMs),
    dryRun,
  };
}
