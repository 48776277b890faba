/**
 * The first listing: which one `--listing` reads, and each group planned as it streams in. Only
 * notable groups are kept, compactly: at 100k stale groups they are most of the memory.
 */
import type { ClockSource } from '../../core/clock.ts';
import { DuplicateKeys } from '../../core/duplicate-keys.ts';
import { FamilyRanker, retentionInUse } from '../../core/families.ts';
import type { Log } from '../../core/log.ts';
import { planGroup } from '../../core/plan.ts';
import { isNotable } from '../../core/sweep-report.ts';
import { MatcherUse, watchedMatchers } from '../../core/unmatched.ts';
import type { GatewayClient } from '../../gateway/client.ts';
import { formatLabels } from '../../wire/grouping-key.ts';
import type { ListingFormat } from '../../wire/listing.ts';
import {
  listedTwice,
  logListing,
  PROGRESS_EVERY,
  type SweepHooks,
  type SweepOptions,
  type SweepRun,
} from './sweep-run.ts';
import { TrackedGroup } from './tracked-group.ts';

/**
 * The listing a sweep starts with. `auto` reads the text page, which costs the gateway a fraction
 * of the JSON listing's memory (docs/scale.md), except with an archive, which records each group's
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
export interface FirstPlan {
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

export async function planFirstListing(
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
