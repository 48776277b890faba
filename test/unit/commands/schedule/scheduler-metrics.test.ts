/** Schedule mode's deadline: a run still going at the next tick is overdue, on /healthz and /metrics. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  SchedulerMetrics,
  startMetricsServer,
} from '../../../../src/commands/schedule/scheduler-metrics.ts';

function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
}

describe('SchedulerMetrics: overdue runs', () => {
  it('a run becomes overdue at the first tick it makes the scheduler skip, once', () => {
    let now = 10_000;
    const m = new SchedulerMetrics(() => now);
    assert.equal(m.overdue(), undefined);
    assert.equal(sample(m.render(), 'pgsweep_run_seconds'), 0);
    m.runStarted();
    now = 12_500;
    assert.equal(m.overdue(), undefined, 'not before its next tick');
    assert.equal(sample(m.render(), 'pgsweep_run_overdue'), 0);
    assert.equal(sample(m.render(), 'pgsweep_run_seconds'), 2.5);
    m.skippedTick(13_000);
    now = 14_000;
    m.skippedTick(14_000);
    assert.equal(
      m.overdue(),
      'overdue: the sweep started 1970-01-01T00:00:10.000Z is still running after 4s, past its next tick at 1970-01-01T00:00:13.000Z',
    );
    let text = m.render();
    assert.equal(sample(text, 'pgsweep_run_overdue'), 1);
    assert.equal(sample(text, 'pgsweep_overdue_runs_total'), 1, 'counted once per run');
    assert.equal(sample(text, 'pgsweep_skipped_ticks_total'), 2);
    m.record({ success: false, endedMs: now, durationMs: 4000, deleted: 0, failed: 0, stale: 0 });
    assert.equal(m.overdue(), undefined, 'healthy again once the run ended');
    text = m.render();
    assert.equal(sample(text, 'pgsweep_run_overdue'), 0);
    assert.equal(sample(text, 'pgsweep_overdue_runs_total'), 1);
    assert.equal(sample(text, 'pgsweep_run_seconds'), 0);
    m.skippedTick(15_000);
    assert.equal(sample(m.render(), 'pgsweep_overdue_runs_total'), 1, 'no run, nothing overdue');
  });

  it('/healthz answers 503 with the reason, 200 otherwise', async () => {
    let reason: string | undefined;
    const server = await startMetricsServer(
      { host: '127.0.0.1', port: 0, text: '127.0.0.1:0' },
      new SchedulerMetrics(),
      () => reason,
    );
    try {
      const get = () => fetch(`http://${server.address}/healthz`);
      let res = await get();
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'ok\n');
      reason = 'overdue: stuck';
      res = await get();
      assert.equal(res.status, 503);
      assert.equal(await res.text(), 'overdue: stuck\n');
    } finally {
      await server.close();
    }
  });
});
