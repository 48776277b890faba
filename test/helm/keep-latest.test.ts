/**
 * The chart's retention values (sweep.keepLatest, sweep.per, keep/per in rules) rendered by the
 * real helm binary into CronJob arguments, and those arguments run against a real Pushgateway.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sleep } from '../support/cli.ts';
import { keySet, startPushgateway } from '../support/pushgateway.ts';
import { cleanupHelm, containerOf, cronJobOf, ROOT, render, setupHelm } from './helm.ts';

before(setupHelm);
after(cleanupHelm);

test('keep-latest: keepLatest, per and rule keep/per become flags pgsweep accepts', async () => {
  const args = containerOf(cronJobOf(await render({ values: ['keep-latest-values.yaml'] }))).args;
  assert.deepEqual(args, [
    '--url=http://pushgateway-prometheus-pushgateway:9091',
    '--ttl=2h',
    '--log-level=info',
    '--output=json',
    '--rule={job=~"etl_.*"}=2h,keep=2,per=job',
    '--rule={job="adhoc"}=30m,keep=0',
    '--keep-latest=1',
    '--per=job,task_id',
  ]);

  // The same arguments against a real gateway (a 1s TTL so the pushes are stale at once).
  const gw = await startPushgateway();
  try {
    const runs = ['r1', 'r2'].map((run_id) => ({ job: 'dag', task_id: 't', run_id }));
    for (const r of runs) {
      assert.equal(await gw.push(r), 200);
      await sleep(20);
    }
    await sleep(2300);
    const live = (args ?? []).map((a) =>
      a.startsWith('--url=') ? `--url=${gw.url}` : a === '--ttl=2h' ? '--ttl=1s' : a,
    );
    const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'pgsweep.js'), ...live], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { summary: { deleted: number } }).summary.deleted, 1);
    assert.deepEqual(keySet(await gw.keys()), keySet([runs[1] ?? {}]));
  } finally {
    await gw.stop();
  }
});

test('keep-latest: the schema takes a keep up to 1000, and rejects more or a bad label name', async () => {
  const top = await render({
    values: ['minimal-values.yaml'],
    set: ['sweep.keepLatest=1000', 'sweep.per={job}'],
  });
  assert.ok(containerOf(cronJobOf(top)).args?.includes('--keep-latest=1000'));
  for (const set of ['sweep.keepLatest=1001', 'sweep.per={job,9x}']) {
    await assert.rejects(
      render({ values: ['minimal-values.yaml'], set: [set] }),
      /keepLatest|per/,
      set,
    );
  }
});
