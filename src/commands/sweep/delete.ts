/**
 * The deletes: paced by the gateway's health and held to its write window, each archived first
 * when asked; a failed DELETE keeps its group and says why.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { mapLimit } from '../../core/concurrency.ts';
import type { Log } from '../../core/log.ts';
import { BARRIER_PATH, type GatewayClient } from '../../gateway/client.ts';
import { formatLabels, groupPath, labelsOfPath } from '../../wire/grouping-key.ts';
import type { Archive } from './archive.ts';
import { SENT_UNANSWERED } from './confirm.ts';
import { DeletePacer } from './pacer.ts';
import type { SweepRun } from './sweep-run.ts';
import type { TrackedGroup } from './tracked-group.ts';
import { WriteWindow } from './write-window.ts';

/** How often the gateway's health is checked while deletes are going out. */
const HEALTH_POLL_MS = 500;

export async function deleteAll(run: SweepRun, candidates: TrackedGroup[]): Promise<Deleted> {
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
  // push one form, so that is the same narrow race as any re-push (docs/scale.md).
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
export function archiveStep(
  archive: Archive,
  gateway: string,
  now: () => number,
): (t: TrackedGroup) => void {
  return (t) => {
    if (t.raw === undefined) throw new Error("the listing did not keep this group's state");
    archive.record({ gateway, labels: t.labels, pushTime: t.pushTime, raw: t.raw }, now());
  };
}
