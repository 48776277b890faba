/** Schedule mode and self-metrics, the pure parts: settings, exposition, success, scheduling. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextTick, runScheduler } from '../../../../src/commands/schedule/scheduler.ts';
import { SchedulerMetrics } from '../../../../src/commands/schedule/scheduler-metrics.ts';
import { resolveConfig } from '../../../../src/config/config.ts';
import { parseConfigFile } from '../../../../src/config/config-file.ts';
import { parseListen, parseSchedule } from '../../../../src/config/operate-config.ts';
import { UsageError } from '../../../../src/core/errors.ts';
import { matchesAny } from '../../../../src/core/matchers.ts';
import type { SweepReport } from '../../../../src/core/sweep-report.ts';
import {
  pushGauges,
  pushRequest,
  renderExposition,
  selfExclude,
} from '../../../../src/output/self-metrics.ts';
import { type GatewayRun, gatewaySucceeded } from '../../../../src/output/sweep.ts';

describe('operate settings', () => {
  it('defaults: no push, host name as instance, no schedule', () => {
    const c = resolveConfig({ ttl: '2h' }, {});
    assert.equal(c.operate.pushMetrics, false);
    assert.ok(c.operate.instance.length > 0);
    assert.equal(c.operate.schedule, undefined);
    assert.equal(c.operate.listen, undefined);
  });
  it('flag beats env beats file', () => {
    const file = parseConfigFile(
      'ttl: 2h\npushMetrics: true\ninstance: from-file\nschedule: "0 * * * *"\ntimezone: Europe/Berlin\nlisten: ":9099"\n',
      'c.yaml',
    );
    const fromFile = resolveConfig({}, {}, file);
    assert.equal(fromFile.operate.pushMetrics, true);
    assert.equal(fromFile.operate.instance, 'from-file');
    assert.deepEqual(fromFile.operate.schedule, {
      expression: '0 * * * *',
      timezone: 'Europe/Berlin',
    });
    assert.deepEqual(fromFile.operate.listen, { host: undefined, port: 9099, text: ':9099' });
    const env = resolveConfig({}, { PGSWEEP_PUSH_METRICS: 'false', PGSWEEP_INSTANCE: 'env' }, file);
    assert.equal(env.operate.pushMetrics, false);
    assert.equal(env.operate.instance, 'env');
    const flag = resolveConfig(
      { ttl: '2h', instance: 'flag', pushMetrics: true },
      { PGSWEEP_INSTANCE: 'env' },
    );
    assert.equal(flag.operate.instance, 'flag');
    assert.equal(flag.operate.pushMetrics, true);
  });
  it('rejects a non-boolean PGSWEEP_PUSH_METRICS and unknown file keys stay errors', () => {
    assert.throws(
      () => resolveConfig({ ttl: '2h' }, { PGSWEEP_PUSH_METRICS: 'maybe' }),
      (e: unknown) => e instanceof UsageError && /PGSWEEP_PUSH_METRICS="maybe"/.test(e.message),
    );
    assert.throws(() => parseConfigFile('pushMetric: true\n', 'c.yaml'), /unknown setting/);
  });
  it('inspect and doctor ignore the sweep-only settings', () => {
    const c = resolveConfig({}, { PGSWEEP_SCHEDULE: 'nonsense' }, undefined, 'inspect');
    assert.equal(c.operate.schedule, undefined);
  });
  it('parses 5 and 6 field schedules, rejects others', () => {
    assert.equal(parseSchedule('*/15 * * * *', undefined).ok, true);
    assert.equal(parseSchedule('*/5 * * * * *', 'UTC').ok, true);
    assert.equal(parseSchedule('* * * * * * *', undefined).ok, false);
    assert.equal(parseSchedule('@daily', undefined).ok, false);
    assert.equal(parseSchedule('0 25 * * *', undefined).ok, false);
    assert.equal(parseSchedule('0 * * * *', 'Not/AZone').ok, false);
  });
  it('parses listen addresses', () => {
    assert.deepEqual(parseListen(':9099'), {
      ok: true,
      value: { host: undefined, port: 9099, text: ':9099' },
    });
    assert.deepEqual(parseListen('127.0.0.1:0').ok && parseListen('127.0.0.1:0'), {
      ok: true,
      value: { host: '127.0.0.1', port: 0, text: '127.0.0.1:0' },
    });
    const v6 = parseListen('[::1]:9099');
    assert.equal(v6.ok && v6.value.host, '::1');
    for (const bad of ['9099', 'host:', 'host:70000', 'a:b:1', ''])
      assert.equal(parseListen(bad).ok, false, bad);
  });
});

describe('self-metrics', () => {
  const report = (over: Partial<SweepReport> = {}, failed = 0): SweepReport => ({
    gateway: 'http://gw/',
    nowMs: 0,
    clockSource: 'gateway-date',
    ttlMs: 1000,
    interrupted: false,
    groups: [],
    summary: {
      scanned: 10,
      stale: 4,
      deleted: 3,
      wouldDelete: 0,
      kept: 6,
      excluded: 0,
      keptLatest: 0,
      unselected: 0,
      skipped: 1,
      failed,
      sent: 0,
      durationMs: 1500,
      dryRun: false,
    },
    ...over,
  });
  it('success means no error, no failed delete, no tripped guard, not interrupted', () => {
    assert.equal(gatewaySucceeded({ gateway: 'g', report: report() }, false), true);
    assert.equal(gatewaySucceeded({ gateway: 'g', report: report({}, 1) }, false), false);
    assert.equal(gatewaySucceeded({ gateway: 'g', error: 'down' }, false), false);
    assert.equal(gatewaySucceeded({ gateway: 'g', report: report({ guard: 'x' }) }, false), false);
    assert.equal(gatewaySucceeded({ gateway: 'g', report: report({ guard: 'x' }) }, true), true);
    assert.equal(
      gatewaySucceeded({ gateway: 'g', report: report({ interrupted: true }) }, false),
      false,
    );
  });
  it('the last success gauge is pushed only on success', () => {
    const names = (run: GatewayRun) =>
      pushGauges(run, false, 1_700_000_000_000, 5).map((g) => g.name);
    assert.ok(
      names({ gateway: 'g', report: report() }).includes('pgsweep_last_success_timestamp_seconds'),
    );
    assert.ok(
      !names({ gateway: 'g', report: report({}, 2) }).includes(
        'pgsweep_last_success_timestamp_seconds',
      ),
    );
    const failed = pushGauges({ gateway: 'g', error: 'down' }, false, 1_700_000_000_000, 2500);
    const get = (n: string) => failed.find((g) => g.name === n)?.value;
    assert.equal(get('pgsweep_success'), 0);
    assert.equal(get('pgsweep_duration_seconds'), 2.5);
    assert.equal(get('pgsweep_groups_scanned'), 0);
    assert.equal(get('pgsweep_last_run_timestamp_seconds'), 1_700_000_000);
  });
  it('renders the text exposition with HELP/TYPE once per name and escaped labels', () => {
    const text = renderExposition([
      { name: 'a_total', help: 'A.', value: 1, type: 'counter', labels: { r: 'x"y\\z\n' } },
      { name: 'a_total', help: 'A.', value: 2, type: 'counter', labels: { r: 'b' } },
      { name: 'b', help: 'B.', value: 0.5 },
    ]);
    assert.equal(
      text,
      '# HELP a_total A.\n# TYPE a_total counter\na_total{r="x\\"y\\\\z\\n"} 1\na_total{r="b"} 2\n# HELP b B.\n# TYPE b gauge\nb 0.5\n',
    );
  });
  it('pushes with POST to the exact group path, and excludes exactly its own group', () => {
    const req = pushRequest('host/1', []);
    assert.equal(req.method, 'POST');
    assert.equal(req.path, 'metrics/job/pgsweep/instance@base64/aG9zdC8x');
    const ex = [selfExclude('me')];
    assert.equal(matchesAny({ job: 'pgsweep', instance: 'me' }, ex), true);
    assert.equal(matchesAny({ job: 'pgsweep', instance: 'other' }, ex), false);
    assert.equal(matchesAny({ job: 'etl', instance: 'me' }, ex), false);
  });
});

describe('scheduler', () => {
  it('computes ticks in the given time zone', () => {
    const at = Date.parse('2024-06-01T00:00:00Z');
    const berlin = nextTick({ expression: '0 3 * * *', timezone: 'Europe/Berlin' }, at);
    assert.equal(new Date(berlin).toISOString(), '2024-06-01T01:00:00.000Z');
    const utc = nextTick({ expression: '0 3 * * *', timezone: undefined }, at);
    assert.equal(new Date(utc).toISOString(), '2024-06-01T03:00:00.000Z');
    assert.equal(nextTick({ expression: '* * * * * *', timezone: undefined }, at), at + 1000);
  });
  it('skips ticks while a run is going and never overlaps', async () => {
    const stop = new AbortController();
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const skipped: Date[] = [];
    const done = runScheduler({
      schedule: { expression: '* * * * * *', timezone: undefined },
      stop: stop.signal,
      onSkip: (t) => skipped.push(t),
      runOnce: async () => {
        runs++;
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setTimeout(r, 2300));
        active--;
      },
    });
    await new Promise((r) => setTimeout(r, 3600));
    stop.abort();
    const stoppedAt = Date.now();
    await done;
    assert.ok(Date.now() - stoppedAt < 2500, 'waits only for the run in flight');
    assert.equal(maxActive, 1);
    assert.ok(skipped.length >= 1, `skipped ${skipped.length}`);
    assert.ok(runs >= 1 && runs <= 2, `runs ${runs}`);
    const times = skipped.map((d) => d.getTime());
    assert.deepEqual(times, [...new Set(times)].sort(), 'each tick skipped once, in order');
  });
  it('stops at once when idle', async () => {
    const stop = new AbortController();
    const done = runScheduler({
      schedule: { expression: '0 0 1 1 *', timezone: undefined },
      stop: stop.signal,
      onSkip: () => assert.fail('no tick'),
      runOnce: async () => assert.fail('no run'),
    });
    stop.abort();
    await done;
  });
  it('metrics: counters accumulate, gauges appear after the first run', () => {
    const m = new SchedulerMetrics();
    assert.doesNotMatch(m.render(), /pgsweep_last_run_timestamp_seconds/);
    assert.match(m.render(), /pgsweep_runs_total\{result="success"\} 0/);
    m.record({ success: true, endedMs: 2000, durationMs: 500, deleted: 3, failed: 0, stale: 3 });
    m.record({ success: false, endedMs: 4000, durationMs: 700, deleted: 1, failed: 2, stale: 5 });
    m.skippedTick(5000);
    const text = m.render();
    for (const line of [
      'pgsweep_runs_total{result="success"} 1',
      'pgsweep_runs_total{result="failure"} 1',
      'pgsweep_groups_deleted_total 4',
      'pgsweep_groups_failed_total 2',
      'pgsweep_skipped_ticks_total 1',
      'pgsweep_last_run_timestamp_seconds 4',
      'pgsweep_last_success_timestamp_seconds 2',
      'pgsweep_last_duration_seconds 0.7',
      'pgsweep_last_groups_stale 5',
    ])
      assert.ok(text.includes(`\n${line}\n`), line);
  });
});
