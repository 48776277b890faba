/** The sweep's plan and guard phases, against an in-memory gateway (test/support/fake-client.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../../../src/core/errors.ts';
import type { GuardLimits } from '../../../../src/core/guards.ts';
import { parseSelector } from '../../../../src/core/matchers.ts';
import { groupPath } from '../../../../src/wire/grouping-key.ts';
import {
  FakeGateway,
  HOUR,
  listed,
  MINUTE,
  NOW_MS,
  pushTimeAgo,
  reported,
  runSweep,
  verdictOf,
} from '../../../support/fake-client.ts';

/** One group of each kind the plan tells apart. */
function mixedGateway(): FakeGateway {
  return new FakeGateway()
    .seed({ job: 'old' }, 2 * HOUR)
    .seed({ job: 'new' }, 10 * MINUTE)
    .seed({ job: 'batch', team: 'infra' }, 3 * HOUR)
    .seedGroup(listed({ job: 'nopush' }, undefined))
    .seedGroup(listed({ job: 'future' }, pushTimeAgo(-HOUR)))
    .seedGroup({
      labels: undefined,
      displayLabels: { job: 'hidden' },
      keySource: undefined,
      pushTime: pushTimeAgo(5 * HOUR),
      pushFailureTime: '0',
      keyError: 'a pushed metric named "labels" hides the grouping key',
    });
}

const excludeInfra = { excludes: [parseSelector('{team="infra"}')] };

describe('sweep: plan', { timeout: 10_000 }, () => {
  it('reports a decision for every notable group and counts the rest (dry run sends nothing)', async () => {
    const gw = mixedGateway();
    const { report } = await runSweep(gw, { ...excludeInfra, dryRun: true });
    assert.equal(verdictOf(report, { job: 'old' }), 'would-delete/stale');
    assert.equal(verdictOf(report, { job: 'nopush' }), 'skipped/missing-push-time');
    assert.equal(verdictOf(report, { job: 'future' }), 'kept/future-push-time');
    assert.equal(verdictOf(report, { job: 'hidden' }), 'skipped/key-unrecoverable');
    // Fresh and excluded groups are counted, not listed one by one.
    assert.equal(reported(report, { job: 'new' }), undefined);
    assert.equal(reported(report, { job: 'batch', team: 'infra' }), undefined);
    assert.deepEqual(
      { ...report.summary, durationMs: 0 },
      {
        scanned: 6,
        stale: 2,
        deleted: 0,
        wouldDelete: 1,
        kept: 3,
        keptLatest: 0,
        excluded: 1,
        unselected: 0,
        skipped: 2,
        failed: 0,
        sent: 0,
        durationMs: 0,
        dryRun: true,
      },
    );
    assert.equal(report.nowMs, NOW_MS);
    assert.equal(report.clockSource, 'gateway-date');
    assert.deepEqual(gw.calls.deletes, [], 'a dry run deletes nothing');
    assert.equal(gw.calls.lists, 1, 'a dry run lists once');
  });

  it('deletes only the stale group with an exact key in a real run', async () => {
    const gw = mixedGateway();
    const { report, at } = await runSweep(gw, excludeInfra);
    assert.deepEqual(gw.groupDeletes, [groupPath({ job: 'old' })]);
    assert.equal(verdictOf(report, { job: 'old' }), 'deleted/stale');
    assert.equal(verdictOf(report, { job: 'hidden' }), 'skipped/key-unrecoverable');
    assert.equal(report.summary.deleted, 1);
    assert.equal(report.summary.skipped, 2);
    assert.equal(gw.has({ job: 'old' }), false);
    assert.equal(gw.has({ job: 'batch', team: 'infra' }), true, 'the excluded group stays');
    assert.ok(
      at('warn').some((m) => m.includes('skipping group')),
      'a skipped key is warned about',
    );
  });

  it('counts groups outside the selectors as unselected and never deletes them', async () => {
    const gw = new FakeGateway().seed({ job: 'a' }, 2 * HOUR).seed({ job: 'b' }, 2 * HOUR);
    const { report } = await runSweep(gw, { selectors: [parseSelector('{job="a"}')] });
    assert.deepEqual(gw.groupDeletes, [groupPath({ job: 'a' })]);
    assert.equal(report.summary.unselected, 1);
    assert.equal(report.summary.kept, 1);
  });

  it('refuses a listing that shows one key twice, before deleting anything', async () => {
    const gw = new FakeGateway().seed({ job: 'a' }, 2 * HOUR);
    gw.rewriteList = (_n, groups) => [...groups, ...groups];
    await assert.rejects(runSweep(gw), (err: Error) => {
      assert.ok(err instanceof GatewayError);
      assert.match(err.message, /shows the group \{job="a"\} twice.*nothing was deleted/);
      return true;
    });
    assert.deepEqual(gw.calls.deletes, []);
  });

  it('refuses to age groups when the gateway clock and the local clock disagree', async () => {
    const gw = new FakeGateway().seed({ job: 'a' }, 2 * HOUR);
    await assert.rejects(
      runSweep(gw, {}, { localNow: () => NOW_MS + HOUR }),
      /differ by 1h.*nothing was deleted/,
    );
    assert.deepEqual(gw.calls.deletes, []);
  });
});

/** `count` groups all pushed `ageMs` ago, plus `fresh` recent ones. */
function gatewayOf(count: number, ageMs: number, fresh = 0): FakeGateway {
  const gw = new FakeGateway();
  for (let i = 0; i < count; i++) gw.seed({ job: 'batch', instance: `i${i}` }, ageMs);
  for (let i = 0; i < fresh; i++) gw.seed({ job: 'live', instance: `i${i}` }, MINUTE);
  return gw;
}

const limits = (over: Partial<GuardLimits> = {}): GuardLimits => ({
  maxDeletes: 0,
  maxDeleteRatio: 0.5,
  minAgeMs: 2 * HOUR,
  force: false,
  ...over,
});

describe('sweep: guards', { timeout: 10_000 }, () => {
  it('the ratio guard keeps every candidate and sends no DELETE', async () => {
    // Pushed 90 minutes ago, under --guard-min-age 2h: a TTL that looks too short.
    const gw = gatewayOf(20, 90 * MINUTE);
    const { report } = await runSweep(gw, { guards: limits() });
    assert.match(report.guard ?? '', /20 pushed less than --guard-min-age 2h.*--max-delete-ratio/);
    assert.deepEqual(gw.calls.deletes, []);
    assert.equal(gw.calls.lists, 1, 'no re-check listing once the guard tripped');
    assert.equal(report.groups.length, 20);
    for (const g of report.groups) assert.equal(`${g.outcome}/${g.reason}`, 'kept/guard-tripped');
    assert.equal(report.summary.deleted, 0);
    assert.equal(report.summary.failed, 0);
  });

  it('counts long-stale groups towards the ratio too', async () => {
    const gw = gatewayOf(20, 5 * HOUR);
    const { report } = await runSweep(gw, { guards: limits({ minAgeMs: 30 * MINUTE }) });
    assert.match(report.guard ?? '', /20 stale for longer than their TTL/);
    assert.deepEqual(gw.calls.deletes, []);
  });

  it('does not count routine deletes past the min-age floor, even of the whole gateway', async () => {
    // Stale by less than one TTL and older than --guard-min-age 30m: what a daily sweep deletes.
    const gw = gatewayOf(20, 90 * MINUTE);
    const { report } = await runSweep(gw, { guards: limits({ minAgeMs: 30 * MINUTE }) });
    assert.equal(report.guard, undefined);
    assert.equal(report.summary.deleted, 20);
    assert.equal(gw.groupDeletes.length, 20);
  });

  it('lets a small share of surprising deletes through', async () => {
    const gw = gatewayOf(20, 90 * MINUTE, 30);
    const { report } = await runSweep(gw, { guards: limits() });
    assert.equal(report.guard, undefined, '20 of 50 is under the 0.5 ratio');
    assert.equal(report.summary.deleted, 20);
  });

  it('--force deletes what the guard would have stopped', async () => {
    const gw = gatewayOf(20, 90 * MINUTE);
    const { report } = await runSweep(gw, { guards: limits({ force: true }) });
    assert.equal(report.guard, undefined);
    assert.equal(report.summary.deleted, 20);
    assert.equal(gw.groupDeletes.length, 20);
  });

  it('--max-deletes is a ceiling on every delete, routine or not', async () => {
    const gw = gatewayOf(20, 90 * MINUTE);
    const { report } = await runSweep(gw, {
      guards: limits({ minAgeMs: 30 * MINUTE, maxDeletes: 5 }),
    });
    assert.match(report.guard ?? '', /more than --max-deletes 5/);
    assert.deepEqual(gw.calls.deletes, []);
  });

  it('a dry run reports the guard but still shows what would be deleted', async () => {
    const gw = gatewayOf(20, 90 * MINUTE);
    const { report } = await runSweep(gw, { guards: limits(), dryRun: true });
    assert.match(report.guard ?? '', /--max-delete-ratio/);
    assert.equal(report.summary.wouldDelete, 20);
    assert.deepEqual(gw.calls.deletes, []);
  });
});
