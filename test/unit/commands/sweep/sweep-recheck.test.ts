/** The sweep's re-check: a second listing, just before the DELETEs, narrows the GET-to-DELETE race. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../../../src/core/errors.ts';
import { groupPath } from '../../../../src/wire/grouping-key.ts';
import {
  FakeGateway,
  HOUR,
  listed,
  MINUTE,
  pushTimeAgo,
  runSweep,
  verdictOf,
} from '../../../support/fake-client.ts';

const A = { job: 'a' };
const B = { job: 'b' };

function twoStale(): FakeGateway {
  return new FakeGateway().seed(A, 2 * HOUR).seed(B, 3 * HOUR);
}

describe('sweep: re-check', { timeout: 10_000 }, () => {
  it('keeps a group re-pushed between the first listing and the re-check', async () => {
    const gw = twoStale();
    const { report } = await runSweep(gw, {}, { afterPlan: () => void gw.seed(A, 0) });
    assert.equal(verdictOf(report, A), 'kept/repushed');
    assert.deepEqual(gw.groupDeletes, [groupPath(B)], 'only the untouched group is deleted');
    assert.equal(gw.has(A), true);
    assert.equal(verdictOf(report, B), 'deleted/stale');
    assert.equal(report.summary.failed, 0, 'a re-push is not a failure');
  });

  it('sends no DELETE for a group gone before the re-check', async () => {
    const gw = twoStale();
    gw.onList = (n) => {
      if (n === 2) gw.remove(A);
    };
    const { report } = await runSweep(gw);
    assert.equal(verdictOf(report, A), 'kept/already-gone');
    assert.deepEqual(gw.groupDeletes, [groupPath(B)]);
    assert.equal(report.summary.deleted, 1);
    assert.equal(report.summary.failed, 0);
  });

  it("judges staleness again by the re-check listing's own clock", async () => {
    const gw = new FakeGateway().seed(A, HOUR + MINUTE).seed(B, 3 * HOUR);
    gw.onList = (n) => {
      // The gateway's clock stepped back two minutes: A is no longer past its 1h TTL.
      if (n === 2) gw.nowMs -= 2 * MINUTE;
    };
    const { report } = await runSweep(gw);
    assert.equal(verdictOf(report, A), 'kept/fresh');
    assert.deepEqual(gw.groupDeletes, [groupPath(B)]);
  });

  it('fails, deleting nothing, when the re-check listing shows a key twice', async () => {
    const gw = twoStale();
    // One copy as planned, one re-pushed: judging either alone could delete fresh data.
    gw.rewriteList = (n, groups) => (n === 2 ? [...groups, listed(A, pushTimeAgo(0))] : groups);
    await assert.rejects(runSweep(gw), (err: Error) => {
      assert.ok(err instanceof GatewayError);
      assert.match(err.message, /shows the group \{job="a"\} twice/);
      return true;
    });
    assert.equal(gw.calls.lists, 2);
    assert.deepEqual(gw.calls.deletes, []);
    assert.equal(gw.has(A) && gw.has(B), true);
  });

  it('fails, deleting nothing, when the re-check listing fails', async () => {
    const gw = twoStale();
    gw.onList = (n) => {
      if (n === 2) throw new GatewayError('the listing was cut off');
    };
    await assert.rejects(runSweep(gw), /cut off/);
    assert.deepEqual(gw.calls.deletes, []);
  });

  it('without the re-check, a group re-pushed after the plan is deleted (what --no-recheck risks)', async () => {
    const gw = twoStale();
    const { report } = await runSweep(
      gw,
      { recheck: false },
      { afterPlan: () => void gw.seed(A, 0) },
    );
    assert.equal(gw.calls.lists, 2, 'the first listing and the confirmation only');
    assert.deepEqual(gw.groupDeletes.sort(), [groupPath(A), groupPath(B)].sort());
    assert.equal(report.summary.failed, 0);
  });
});
