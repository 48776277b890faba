/**
 * The confirmation: a last listing proves each accepted DELETE applied. What pgsweep was stopped
 * before seeing is reported as sent or kept, never as deleted.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayError } from '../../core/errors.ts';
import { confirmVerdict } from '../../core/plan.ts';
import { formatLabels } from '../../wire/grouping-key.ts';
import { type SweepRun, streamCandidates } from './sweep-run.ts';
import type { TrackedGroup } from './tracked-group.ts';

/**
 * DELETE is only queued by the gateway (spec §4.9): check the listing until each group is gone or
 * re-pushed. When a write barrier has proven the queue applied, one listing decides: by then it
 * holds only what the sweep left, so it is cheap, and a group still there was never deleted (say,
 * a proxy answered for the gateway). Without a barrier, poll until the deadline.
 */
export async function confirm(
  run: SweepRun,
  queued: TrackedGroup[],
  applied: boolean,
): Promise<void> {
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

export const SENT_UNANSWERED =
  'DELETE sent; pgsweep stopped before the gateway answered, so it may or may not have been applied';

/**
 * After SIGINT/SIGTERM: candidates never sent are kept; those whose DELETE the gateway accepted
 * but that were not confirmed yet are `sent` (the gateway will most likely apply it), never failed.
 */
export function markInterrupted(results: readonly TrackedGroup[]): void {
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
