/**
 * The re-check: a second listing just before deleting, so a group re-pushed meanwhile (or listed
 * again with another key) is kept. Families are ranked again on it (--keep-latest).
 */
import { FamilyRanker, retentionInUse } from '../../core/families.ts';
import { recheckVerdict } from '../../core/plan.ts';
import type { OutcomeReason } from '../../core/sweep-report.ts';
import { formatLabels } from '../../wire/grouping-key.ts';
import { keepLatest, type SweepRun, streamCandidates } from './sweep-run.ts';
import type { TrackedGroup } from './tracked-group.ts';

export async function recheck(run: SweepRun, candidates: TrackedGroup[]): Promise<TrackedGroup[]> {
  const { options, log } = run;
  const started = performance.now();
  // A verdict left from an earlier re-check of the same groups must not count as seen here.
  for (const t of candidates) t.verdict = undefined;
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
        t.verdict =
          t.verdict !== undefined ? 'ambiguous' : recheckVerdict(t, group, nowMs, options);
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
      candidates.filter((t) => t.verdict === 'delete'),
      ranker,
      'recheck',
    );
  const keep: TrackedGroup[] = [];
  for (const t of candidates) {
    if (t.reason === 'kept-latest') continue;
    const verdict = t.verdict ?? 'gone';
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
