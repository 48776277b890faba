/**
 * The GET-to-DELETE race against a real Pushgateway: a job that pushes between pgsweep's listing
 * and its DELETE keeps its fresh data, because the re-check listing shows a new push time.
 * The push is injected at that exact moment through the sweep's afterPlan hook.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type SweepOptions, sweep } from '../../src/commands/sweep/sweep.ts';
import type { Log } from '../../src/core/log.ts';
import { parseBaseUrl } from '../../src/gateway/base-url.ts';
import { createClient } from '../../src/gateway/client.ts';
import { sleep } from '../support/cli.ts';
import { type Gateway, keySet, startPushgateway } from '../support/pushgateway.ts';

let gw: Gateway;
const racer = { job: 'racer', run_id: 'r1' };
const idle = { job: 'idle', run_id: 'r2' };

const options = (recheck: boolean): SweepOptions => ({
  ttlMs: 1000,
  selectors: [],
  excludes: [],
  dryRun: false,
  recheck,
  concurrency: 4,
  confirmTimeoutMs: 5000,
});

before(async () => {
  gw = await startPushgateway();
});

after(() => gw?.stop());

/** Info lines the sweep logged, by message. */
const infos: Array<{ msg: string; fields: Record<string, unknown> }> = [];
const log: Log = {
  debug() {},
  info(fields, msg) {
    infos.push({ msg, fields });
  },
  warn() {},
  error() {},
};

async function raceOnce(recheck: boolean) {
  infos.length = 0;
  assert.equal(await gw.push(racer), 200);
  assert.equal(await gw.push(idle), 200);
  await sleep(2300);
  const client = createClient({ url: parseBaseUrl(gw.url), timeoutMs: 5000, connections: 4 });
  try {
    return await sweep(client, options(recheck), log, {
      afterPlan: async (plan) => {
        assert.equal(plan.filter((t) => t.path !== undefined).length, 2);
        assert.equal(await gw.push(racer, 'pgsweep_test_value 2\n'), 200);
      },
    });
  } finally {
    await client.close();
  }
}

test('a group re-pushed during the sweep is kept with its new data', async () => {
  const report = await raceOnce(true);
  const racerReport = report.groups.find((g) => g.labels.job === 'racer');
  assert.equal(racerReport?.outcome, 'kept');
  assert.equal(racerReport?.reason, 'repushed');
  assert.equal(report.summary.deleted, 1);
  assert.equal(report.summary.failed, 0);
  assert.deepEqual(keySet(await gw.keys()), keySet([racer]));
  const listed = await gw.listing();
  const family = listed[0]?.pgsweep_test_value as { metrics: Array<{ value: string }> } | undefined;
  const value = family?.metrics[0]?.value;
  assert.equal(value, '2');
  // One info line says what the re-check cost and spared (the benchmark reads it as a phase).
  const line = infos.find((l) => l.msg === 're-checked candidates');
  assert.deepEqual(
    { ...line?.fields, ms: typeof line?.fields.ms },
    {
      candidates: 2,
      kept: 1,
      ms: 'number',
    },
  );
});

test('without the re-check the same race loses the fresh push (why --no-recheck is opt-in)', async () => {
  const report = await raceOnce(false);
  assert.equal(report.summary.deleted, 2);
  assert.deepEqual(await gw.keys(), []);
});
