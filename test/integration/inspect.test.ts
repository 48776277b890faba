/**
 * `pgsweep inspect` against a real Pushgateway, through a recording proxy: the report is right,
 * only GETs are sent, and the gateway is left exactly as it was.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCli, sleep } from '../support/cli.ts';
import { startProxy, type TestServer } from '../support/fake-server.ts';
import {
  type Gateway,
  keySet,
  type Labels,
  rawRequest,
  startPushgateway,
} from '../support/pushgateway.ts';

interface GroupRefJson {
  labels: Labels;
  ageSeconds: number | null;
  lastPush: string | null;
  ageFrom: string | null;
}

interface InspectJson {
  schemaVersion: number;
  command: string;
  gateways: Array<{
    gateway: string;
    ok: boolean;
    now: string;
    clockSource: string;
    groups: number;
    listingBytes: number;
    series: number | null;
    jobs: Array<{ job: string; groups: number; series?: number }>;
    labels: Array<{ name: string; groups: number; distinctValues: number; unbounded: boolean }>;
    ages: Array<{ bucket: string; groups: number }>;
    unknownAge: number;
    oldest: GroupRefJson[];
    neverSucceeded: { count: number; groups: GroupRefJson[] };
    lastPushFailed: { count: number; groups: GroupRefJson[] };
  }>;
}

const RUNS = 25;
let gw: Gateway;
let proxy: TestServer;
let keysBefore: string[];
let pushTimesBefore: string;

async function pushTimes(): Promise<string> {
  const groups = await gw.listing();
  return JSON.stringify(
    groups
      .map((g) => [
        JSON.stringify(g.labels),
        (g.push_time_seconds as { metrics: Array<{ value: string }> }).metrics[0]?.value,
      ])
      .sort(),
  );
}

before(async () => {
  gw = await startPushgateway();
  assert.equal(await gw.push({ job: 'nightly', instance: 'db1' }, 'backup_ok 1\n'), 200);
  // Clearly the oldest, and at least 1 s old even though Date is truncated to whole seconds.
  await sleep(2100);
  for (let i = 0; i < RUNS; i++) {
    const body = 'etl_rows 10\netl_duration_seconds{step="load"} 2.5\n';
    assert.equal(await gw.push({ job: 'etl', run_id: `run-${i}` }, body), 200);
  }
  // A rejected first push leaves a never-succeeded group; a rejected later push a failed one.
  assert.equal(await gw.push({ job: 'ghost' }, 'm 1 1700000000000\n'), 400);
  assert.equal(await gw.push({ job: 'flaky' }, 'm 1\n'), 200);
  assert.equal(await gw.push({ job: 'flaky' }, 'm 1 1700000000000\n'), 400);
  keysBefore = keySet(await gw.keys());
  pushTimesBefore = await pushTimes();
  proxy = await startProxy(gw.port, () => 'forward');
});

after(async () => {
  await proxy?.close();
  await gw?.stop();
});

test('inspect --output json reports what the gateway holds', async () => {
  const result = await runCli(['inspect', '--url', proxy.url, '--output', 'json']);
  assert.equal(result.code, 0, result.stderr);
  const doc = JSON.parse(result.stdout) as InspectJson;
  assert.equal(doc.schemaVersion, 1);
  assert.equal(doc.command, 'inspect');
  const r = doc.gateways[0];
  assert.ok(r?.ok);
  assert.equal(r.clockSource, 'gateway-date');
  assert.equal(r.groups, RUNS + 3);
  const listing = await rawRequest(gw.port, 'GET', '/api/v1/metrics');
  assert.equal(r.listingBytes, Buffer.byteLength(listing.body), 'listing size in bytes');

  // Series as the scrape shows them: 2 pushed + 2 push gauges per etl group.
  assert.deepEqual(r.jobs[0], { job: 'etl', groups: RUNS, series: RUNS * 4 });
  assert.deepEqual(
    r.jobs.find((j) => j.job === 'ghost'),
    { job: 'ghost', groups: 1, series: 2 },
  );
  const scrape = await rawRequest(gw.port, 'GET', '/metrics');
  const jobSamples = scrape.body
    .split('\n')
    .filter((l) => !l.startsWith('#') && l.includes('job="'));
  assert.equal(r.series, jobSamples.length);

  const labels = Object.fromEntries(r.labels.map((l) => [l.name, l]));
  assert.deepEqual(labels.run_id, {
    name: 'run_id',
    groups: RUNS,
    distinctValues: RUNS,
    unbounded: true,
  });
  assert.equal(labels.job?.unbounded, false);
  assert.equal(labels.instance?.distinctValues, 1);

  assert.equal(r.ages[0]?.bucket, '<15m');
  assert.equal(r.ages[0]?.groups, RUNS + 3);
  assert.equal(r.unknownAge, 0);
  assert.deepEqual(r.oldest[0]?.labels, { job: 'nightly', instance: 'db1' });
  assert.equal(r.oldest.length, 10);
  assert.ok((r.oldest[0]?.ageSeconds ?? 0) >= 1, 'ages are measured, not zero');

  assert.equal(r.neverSucceeded.count, 1);
  assert.deepEqual(r.neverSucceeded.groups[0]?.labels, { job: 'ghost' });
  assert.equal(r.neverSucceeded.groups[0]?.ageFrom, 'push_failure_time');
  assert.equal(r.lastPushFailed.count, 1);
  assert.deepEqual(r.lastPushFailed.groups[0]?.labels, { job: 'flaky' });
});

test('inspect prints a table for people', async () => {
  const result = await runCli(['inspect', '--url', proxy.url]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stdout,
    new RegExp(`^${RUNS + 3} groups in a [0-9.]+ KiB listing; \\d+ series on /metrics`, 'm'),
  );
  assert.match(result.stdout, new RegExp(`^etl +${RUNS} +${RUNS * 4}$`, 'm'));
  assert.match(result.stdout, /^run_id +25 +25 +UNBOUNDED/m);
  assert.match(result.stdout, /^NEVER SUCCEEDED: 1 /m);
  assert.match(result.stdout, /^LAST PUSH FAILED: 1 /m);
});

test('inspect deletes nothing: only GETs reach the gateway, and it is unchanged', async () => {
  const methods = new Set(proxy.requests.map((r) => r.method));
  assert.ok(proxy.requests.length >= 4, 'the runs above went through the proxy');
  assert.deepEqual([...methods], ['GET']);
  assert.deepEqual([...new Set(proxy.requests.map((r) => r.path))].sort(), [
    '/api/v1/metrics',
    '/metrics',
  ]);
  assert.deepEqual(keySet(await gw.keys()), keysBefore);
  assert.equal(await pushTimes(), pushTimesBefore, 'no group was touched');
});
