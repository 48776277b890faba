/**
 * One sweep of one gateway: list, plan, guard, re-check, delete, confirm. It does I/O through the
 * client and reports through the log, but never prints results or exits: it returns a SweepReport.
 * Each phase has its own file: first-listing, recheck, delete, confirm (sweep-run: what they share).
 */
import { formatDuration } from '../../core/duration.ts';
import { guardVerdict } from '../../core/guards.ts';
import type { Log } from '../../core/log.ts';
import { foldingLog } from '../../core/log-fold.ts';
import type { GroupReport, Outcome, SweepReport, SweepSummary } from '../../core/sweep-report.ts';
import { unmatchedWarning } from '../../core/unmatched.ts';
import { type GatewayClient, TextPageError } from '../../gateway/client.ts';
import { confirm, markInterrupted } from './confirm.ts';
import { archiveStep, deleteAll } from './delete.ts';
import { resolveExactKeys } from './exact-keys.ts';
import { chooseListing, type FirstPlan, planFirstListing } from './first-listing.ts';
import { recheck } from './recheck.ts';
import {
  clockKeeper,
  keepLatest,
  type SweepHooks,
  type SweepOptions,
  type SweepRun,
} from './sweep-run.ts';

export type { SweepHooks, SweepOptions } from './sweep-run.ts';

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
