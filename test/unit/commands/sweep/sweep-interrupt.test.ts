/**
 * A sweep stopped by SIGINT/SIGTERM (the `stop` and `abandon` signals): it starts nothing new, and
 * reports nothing as deleted that a listing did not confirm.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SweepReport } from '../../../../src/core/sweep-report.ts';
import { groupPath } from '../../../../src/wire/grouping-key.ts';
import type { Labels } from '../../../../src/wire/labels.ts';
import { FakeGateway, HOUR, reported, runSweep, verdictOf } from '../../../support/fake-client.ts';

const job = (i: number): Labels => ({ job: 'batch', instance: `i${i}` });

function staleGateway(count: number): FakeGateway {
  const gw = new FakeGateway();
  for (let i = 0; i < count; i++) gw.seed(job(i), 2 * HOUR);
  return gw;
}

/** The invariants of any interrupted sweep. */
function assertInterrupted(report: SweepReport): void {
  assert.equal(report.interrupted, true);
  assert.equal(report.summary.deleted, 0, 'nothing unconfirmed is reported deleted');
  assert.equal(report.summary.failed, 0, 'an interrupted candidate is not a failure');
  for (const g of report.groups) assert.equal(g.reason, 'interrupted', JSON.stringify(g));
}

describe('sweep: interruption', { timeout: 10_000 }, () => {
  it('stopped mid-delete: accepted DELETEs are `sent`, the rest kept, no new request', async () => {
    const gw = staleGateway(5);
    const stop = new AbortController();
    gw.onDelete = (_path, n) => {
      if (n === 2) stop.abort();
      return { status: 202 };
    };
    const { report } = await runSweep(gw, { concurrency: 1 }, { stop: stop.signal });
    assertInterrupted(report);
    assert.deepEqual(gw.calls.deletes, [groupPath(job(0)), groupPath(job(1))]);
    assert.equal(gw.calls.lists, 2, 'no confirmation listing after the stop');
    for (const i of [0, 1]) {
      assert.equal(verdictOf(report, job(i)), 'sent/interrupted');
      assert.match(
        reported(report, job(i))?.detail ?? '',
        /accepted \(202\).*stopped before confirming/,
      );
    }
    for (const i of [2, 3, 4]) assert.equal(verdictOf(report, job(i)), 'kept/interrupted');
    assert.equal(report.summary.sent, 2);
  });

  it('abandoned in flight: a DELETE never answered is `sent` (may have applied), not failed', async () => {
    const gw = staleGateway(4);
    const stop = new AbortController();
    const abandon = new AbortController();
    gw.onDelete = (_path, n) => {
      if (n === 2)
        setImmediate(() => {
          stop.abort();
          abandon.abort();
        });
      return new Promise<never>(() => {}); // the gateway never answers
    };
    const { report } = await runSweep(
      gw,
      { concurrency: 2 },
      { stop: stop.signal, abandon: abandon.signal },
    );
    assertInterrupted(report);
    assert.equal(gw.groupDeletes.length, 2);
    for (const i of [0, 1]) {
      assert.equal(verdictOf(report, job(i)), 'sent/interrupted');
      assert.match(reported(report, job(i))?.detail ?? '', /before the gateway answered/);
    }
    for (const i of [2, 3]) assert.equal(verdictOf(report, job(i)), 'kept/interrupted');
  });

  it('stopped during the re-check: nothing is sent, every candidate is kept', async () => {
    const gw = staleGateway(3);
    const stop = new AbortController();
    gw.onList = (n) => {
      if (n === 2) stop.abort();
    };
    const { report } = await runSweep(gw, {}, { stop: stop.signal });
    assertInterrupted(report);
    assert.deepEqual(gw.calls.deletes, []);
    for (const i of [0, 1, 2]) assert.equal(verdictOf(report, job(i)), 'kept/interrupted');
  });

  it('stopped during the confirmation: applied deletes are still only `sent`', async () => {
    const gw = staleGateway(3);
    const stop = new AbortController();
    gw.onList = (n) => {
      if (n === 3) stop.abort();
    };
    const { report, at } = await runSweep(gw, {}, { stop: stop.signal });
    assertInterrupted(report);
    assert.deepEqual(at('error'), [], 'no group is called still listed: none was checked');
    assert.equal(gw.groupDeletes.length, 3);
    for (const i of [0, 1, 2]) assert.equal(verdictOf(report, job(i)), 'sent/interrupted');
    assert.equal(report.summary.sent, 3);
  });

  it('a dry run stopped after its listing reports the plan, with nothing sent', async () => {
    const gw = staleGateway(2);
    const stop = new AbortController();
    const { report } = await runSweep(
      gw,
      { dryRun: true },
      { stop: stop.signal, afterPlan: () => stop.abort() },
    );
    assert.equal(report.interrupted, true);
    assert.equal(report.summary.wouldDelete, 2);
    assert.deepEqual(gw.calls.deletes, []);
  });
});
