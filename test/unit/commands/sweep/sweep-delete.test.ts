/** The sweep's delete and confirm phases, against an in-memory gateway. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Archive } from '../../../../src/commands/sweep/archive.ts';
import { GatewayError } from '../../../../src/core/errors.ts';
import type { SweepReport } from '../../../../src/core/sweep-report.ts';
import { BARRIER_PATH } from '../../../../src/gateway/client.ts';
import { groupPath } from '../../../../src/wire/grouping-key.ts';
import type { Labels } from '../../../../src/wire/labels.ts';
import {
  FakeGateway,
  HOUR,
  listed,
  pushTimeAgo,
  reported,
  runSweep,
  verdictOf,
} from '../../../support/fake-client.ts';

const job = (i: number): Labels => ({ job: 'batch', instance: `i${i}` });

/** A gateway of `count` stale groups, job(0)..job(count-1). */
function staleGateway(count: number): FakeGateway {
  const gw = new FakeGateway();
  for (let i = 0; i < count; i++) gw.seed(job(i), 2 * HOUR);
  return gw;
}

/** Every candidate ends deleted, or failed with a reason: none is lost. */
function assertAccounted(report: SweepReport, count: number): void {
  assert.equal(report.groups.length, count);
  for (const g of report.groups)
    assert.ok(
      g.outcome === 'deleted' || (g.outcome === 'failed' && g.detail),
      `${JSON.stringify(g.labels)}: ${g.outcome}/${g.reason}`,
    );
  assert.equal(report.summary.deleted + report.summary.failed, count);
}

describe('sweep: delete', { timeout: 10_000 }, () => {
  it('reports each rejected or failed DELETE with its cause, and deletes the rest', async () => {
    const gw = staleGateway(5);
    gw.onDelete = (path) => {
      if (path === groupPath(job(0))) return { status: 404, body: 'not found' };
      if (path === groupPath(job(1))) return { status: 503, attempts: 3 };
      if (path === groupPath(job(2))) throw new GatewayError('connection reset by the gateway');
      return { status: 202 };
    };
    const { report, lines, at } = await runSweep(gw);
    assert.equal(verdictOf(report, job(0)), 'failed/delete-rejected');
    assert.equal(reported(report, job(0))?.detail, 'DELETE answered 404: not found');
    assert.equal(reported(report, job(1))?.detail, 'DELETE answered 503 (after 3 attempts)');
    assert.equal(verdictOf(report, job(2)), 'failed/delete-error');
    assert.equal(reported(report, job(2))?.detail, 'connection reset by the gateway');
    assert.equal(verdictOf(report, job(3)), 'deleted/stale');
    assert.equal(verdictOf(report, job(4)), 'deleted/stale');
    assert.equal(report.summary.failed, 3);
    assertAccounted(report, 5);
    assert.equal(at('error').filter((m) => m.startsWith('delete failed')).length, 3);
    // A retried or 5xx answer is the gateway pushing back: the pacer slows down.
    const sent = lines.find((l) => l.msg.startsWith('deletes sent'));
    assert.ok((sent?.obj.congestionEvents as number) >= 1, JSON.stringify(sent?.obj));
    assert.equal(gw.has(job(0)) && gw.has(job(1)) && gw.has(job(2)), true);
  });

  it('pacing under congestion slows the deletes down but loses none', async () => {
    const count = 40;
    const gw = staleGateway(count);
    gw.health = 500; // the write queue is full from the start
    let inFlight = 0;
    let most = 0;
    gw.onDelete = async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      return { status: 202 };
    };
    const { report, lines, at } = await runSweep(gw, { concurrency: 8 });
    const paths = gw.groupDeletes;
    assert.equal(paths.length, count, 'one DELETE per candidate');
    assert.equal(new Set(paths).size, count, 'none sent twice');
    assert.ok(most <= 8, `${most} DELETEs in flight at once`);
    assertAccounted(report, count);
    assert.equal(report.summary.deleted, count);
    const sent = lines.find((l) => l.msg.startsWith('deletes sent'));
    assert.ok((sent?.obj.congestionEvents as number) >= 1, JSON.stringify(sent?.obj));
    assert.ok((sent?.obj.minWindow as number) < 8, 'the window shrank');
    assert.ok(at('warn').some((m) => m.includes('write queue is full')));
  });

  it('a DELETE that needed retries counts as the gateway pushing back', async () => {
    const gw = staleGateway(2);
    gw.onDelete = () => ({ status: 202, attempts: 2 });
    const { report, lines } = await runSweep(gw, { concurrency: 2 });
    assert.equal(report.summary.deleted, 2);
    const sent = lines.find((l) => l.msg.startsWith('deletes sent'));
    assert.ok((sent?.obj.congestionEvents as number) >= 1, JSON.stringify(sent?.obj));
    assert.equal(sent?.obj.minWindow, 1);
  });

  it('keeps a group whose archive line cannot be written, and sends no DELETE for it', async () => {
    const gw = new FakeGateway();
    for (const i of [0, 1])
      gw.seedGroup({ ...listed(job(i), pushTimeAgo(2 * HOUR)), raw: `{"instance":"i${i}"}` });
    const archived: string[] = [];
    const archive: Archive = {
      record(group) {
        if (group.labels.instance === 'i0') throw new Error('no space left on device');
        archived.push(group.raw);
      },
      close() {},
    };
    const { report } = await runSweep(gw, { archive });
    assert.equal(verdictOf(report, job(0)), 'failed/archive-failed');
    assert.match(reported(report, job(0))?.detail ?? '', /no space left on device/);
    assert.deepEqual(gw.groupDeletes, [groupPath(job(1))]);
    assert.deepEqual(archived, ['{"instance":"i1"}']);
  });
});

describe('sweep: confirm', { timeout: 10_000 }, () => {
  it('a write barrier proves the deletes applied: one listing confirms them', async () => {
    const gw = staleGateway(3);
    gw.applyOnList = false; // only the barrier makes the writer apply the queue
    const { report } = await runSweep(gw);
    assert.equal(report.summary.deleted, 3);
    assert.equal(gw.calls.lists, 3, 'first listing, re-check, one confirmation');
    assert.ok(gw.calls.barriers >= 1);
    assert.equal(gw.calls.deletes.at(-1), BARRIER_PATH, "the barrier's group is removed last");
  });

  it('reports a group still listed after the barrier as not confirmed, without polling', async () => {
    const gw = staleGateway(2);
    // Answered 202 but never applied (say, a proxy answered for the gateway).
    gw.onDelete = (path) => ({ status: 202, apply: path !== groupPath(job(0)) });
    const { report, at } = await runSweep(gw, { confirmTimeoutMs: 5000 });
    assert.equal(verdictOf(report, job(0)), 'failed/not-confirmed');
    assert.match(reported(report, job(0))?.detail ?? '', /after applying every write queued/);
    assert.equal(verdictOf(report, job(1)), 'deleted/stale');
    assert.equal(gw.calls.lists, 3, 'the barrier made one confirmation listing enough');
    assert.ok(at('error').some((m) => m.includes('still lists the group')));
  });

  it('a group re-pushed right after its delete is kept, not failed', async () => {
    const gw = staleGateway(2);
    gw.onList = (n) => {
      if (n === 3) gw.seed(job(0), 0);
    };
    const { report } = await runSweep(gw);
    assert.equal(verdictOf(report, job(0)), 'kept/repushed');
    assert.equal(verdictOf(report, job(1)), 'deleted/stale');
    assert.equal(report.summary.failed, 0);
    assert.equal(gw.has(job(0)), true);
  });

  it('without a usable barrier, polls the listing until the deletes show', async () => {
    const gw = staleGateway(2);
    gw.barrierMode = 'unusable';
    gw.applyOnList = false;
    gw.onList = (n) => {
      if (n === 4) gw.applyOnList = true; // the writer catches up by the second confirmation
    };
    const { report, at } = await runSweep(gw);
    assert.equal(report.summary.deleted, 2);
    assert.equal(gw.calls.lists, 4);
    assert.ok(at('warn').some((m) => m.startsWith('write barriers do not work')));
  });

  it('without a usable barrier, reports what is still listed at the deadline', async () => {
    const gw = staleGateway(1);
    gw.barrierMode = 'unusable';
    gw.onDelete = () => ({ status: 202, apply: false });
    const { report } = await runSweep(gw, { confirmTimeoutMs: 200 });
    assert.equal(verdictOf(report, job(0)), 'failed/not-confirmed');
    assert.match(reported(report, job(0))?.detail ?? '', /still lists the group after 0\.2s/);
    assert.ok(gw.calls.lists > 3, 'it polled');
  });

  it('keeps the report when the confirmation listing fails: not confirmed, never deleted', async () => {
    const gw = staleGateway(2);
    gw.onList = (n) => {
      if (n === 3) throw new GatewayError('the listing was cut off');
    };
    const { report } = await runSweep(gw);
    for (const i of [0, 1]) {
      assert.equal(verdictOf(report, job(i)), 'failed/not-confirmed');
      assert.match(reported(report, job(i))?.detail ?? '', /listing to confirm it failed/);
    }
    assert.equal(report.summary.deleted, 0);
  });
});
