/**
 * Against a real Pushgateway: dry-run, --check, selectors and excludes, env-vs-flag precedence,
 * never-succeeded ("phantom") groups, and keys hidden by a pushed metric named `labels`.
 * Tests run in order and share one gateway; each states the end state it expects.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { jsonOf, runCli, sleep } from '../support/cli.ts';
import { type Gateway, keySet, type Labels, startPushgateway } from '../support/pushgateway.ts';

const STALE_WAIT_MS = 3300;

const etlDev: Labels = { job: 'etl_orders', run_id: 'r1', env: 'dev' };
const etlProd: Labels = { job: 'etl_orders', run_id: 'r2', env: 'prod' };
const reports: Labels = { job: 'reports', run_id: 'r3' };
const phantom: Labels = { job: 'phantom', run_id: 'r4' };
const hiddenExact: Labels = { job: 'hidden', instance: 'h1' };
const hiddenAmbiguous: Labels = { job: 'hidden_ambiguous' };
const lastPushFamily: Labels = { job: 'lps', instance: 'x' };
const fresh: Labels = { job: 'etl_orders', run_id: 'r9', env: 'dev' };

let gw: Gateway;

before(async () => {
  gw = await startPushgateway();
  for (const g of [etlDev, etlProd, reports]) assert.equal(await gw.push(g), 200);
  // A rejected first push (sample timestamps) leaves a group with push_time_seconds 0.
  assert.equal(await gw.push(phantom, 'pgsweep_test_value 1 1700000000000\n'), 400);
  assert.equal(await gw.push(hiddenExact, 'labels 1\n'), 200);
  assert.equal(await gw.push(hiddenAmbiguous, 'labels 1\n'), 200);
  assert.equal(await gw.push(lastPushFamily, 'last_push_successful 1\n'), 200);
  await sleep(STALE_WAIT_MS);
  assert.equal(await gw.push(fresh), 200);
});

after(() => gw?.stop());

// The hidden keys are a JSON-listing matter: the tests that count them read that listing.
const JSON_LISTING = ['--listing', 'json'];

// The harness reads a hidden key from push_time_seconds' series, which adds instance="".
const hiddenAmbiguousAsListed: Labels = { ...hiddenAmbiguous, instance: '' };
const all = () => [
  etlDev,
  etlProd,
  reports,
  phantom,
  hiddenExact,
  hiddenAmbiguousAsListed,
  lastPushFamily,
  fresh,
];

/** Re-push the fresh group so it stays within the 2s TTL however long earlier tests took. */
const refresh = async () => assert.equal(await gw.push(fresh), 200);

test('--dry-run reports what it would delete and deletes nothing', async () => {
  await refresh();
  const result = await runCli([
    ...['--url', gw.url, '--ttl', '2s', '--dry-run', '--output', 'json'],
    ...JSON_LISTING,
  ]);
  assert.equal(result.code, 0, result.stderr);
  const doc = jsonOf(result);
  assert.equal(doc.dryRun, true);
  assert.equal(doc.summary.wouldDelete, 6);
  assert.equal(doc.summary.deleted, 0);
  assert.equal(doc.summary.skipped, 1);
  assert.deepEqual(keySet(await gw.keys()), keySet(all()));
});

test('--check exits 3 when something is stale, deleting nothing', async () => {
  await refresh();
  const result = await runCli(['--url', gw.url, '--ttl', '2s', '--check', ...JSON_LISTING]);
  assert.equal(result.code, 3, result.stderr);
  assert.match(result.stdout, /^check: scanned 8, stale 7, would delete 6/m);
  assert.deepEqual(keySet(await gw.keys()), keySet(all()));
});

test('--check exits 0 when the selected groups are fresh', async () => {
  await refresh();
  const result = await runCli(['--url', gw.url, '--ttl', '1h', '--check']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /stale 0/);
});

test('a false boolean in the environment stays false, and flags beat env', async () => {
  // PGSWEEP_CHECK=false must not turn check mode on; --selector beats PGSWEEP_SELECTOR.
  const result = await runCli(
    ['--url', gw.url, '--selector', '{job="nothing_matches"}', '--output', 'json'],
    {
      PGSWEEP_TTL: '2s',
      PGSWEEP_CHECK: 'false',
      PGSWEEP_DRY_RUN: 'false',
      PGSWEEP_SELECTOR: '{job=~".+"}',
    },
  );
  assert.equal(result.code, 0, result.stderr);
  const doc = jsonOf(result);
  assert.equal(doc.check, false);
  assert.equal(doc.dryRun, false);
  assert.equal(doc.summary.stale, 0);
  assert.equal(doc.summary.kept, 8);
});

test('--selector and --exclude limit the sweep', async () => {
  await refresh();
  const result = await runCli([
    '--url',
    gw.url,
    '--ttl',
    '2s',
    '--selector',
    '{job=~"etl_.*"}',
    '--exclude',
    'env="prod"',
    '--output',
    'json',
  ]);
  assert.equal(result.code, 0, result.stderr);
  const doc = jsonOf(result);
  assert.equal(doc.summary.deleted, 1);
  assert.deepEqual(
    doc.groups.map((g) => g.labels),
    [etlDev],
  );
  assert.deepEqual(keySet(await gw.keys()), keySet(all().filter((g) => g !== etlDev)));
});

test('a full sweep deletes phantoms and recoverable hidden keys, and skips the ambiguous one', async () => {
  await refresh();
  const result = await runCli([
    '--url',
    gw.url,
    '--ttl',
    '2s',
    '--output',
    'json',
    ...JSON_LISTING,
  ]);
  assert.equal(result.code, 0, result.stderr);
  const doc = jsonOf(result);
  const byJob = new Map(doc.groups.map((g) => [g.labels.job, g]));
  assert.equal(byJob.get('phantom')?.outcome, 'deleted');
  assert.equal(byJob.get('hidden')?.outcome, 'deleted');
  assert.equal(byJob.get('lps')?.outcome, 'deleted');
  assert.equal(byJob.get('hidden_ambiguous')?.outcome, 'skipped');
  assert.equal(byJob.get('hidden_ambiguous')?.reason, 'key-unrecoverable');
  assert.match(result.stderr, /skipping group.*labels.*hides the grouping key/);
  assert.equal(byJob.get('reports')?.outcome, 'deleted');
  assert.deepEqual(keySet(await gw.keys()), keySet([hiddenAmbiguousAsListed, fresh]));
  assert.equal(doc.summary.skipped, 1);
  assert.equal(doc.summary.failed, 0);
});
