/**
 * --listing text against a real Pushgateway: keys are read from /metrics, where a key without
 * instance and one with instance="" look alike; both are handled, and fresh groups survive.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { jsonOf, runCli, sleep } from '../support/cli.ts';
import { type Gateway, keySet, type Labels, startPushgateway } from '../support/pushgateway.ts';

let gw: Gateway;
const stale: Labels[] = [
  { job: 'no_instance', run_id: 'r1' },
  { job: 'empty_instance', instance: '', run_id: 'r2' },
  { job: 'with_instance', instance: 'i1', run_id: 'r3' },
  { job: 'odd "quoted"\nvalue', path: '/a/b', v: '..' },
  { job: 'declares', run_id: 'r4' },
];
const fresh: Labels[] = [
  { job: 'no_instance', run_id: 'r9' },
  { job: 'with_instance', instance: 'i2', run_id: 'r3' },
];

const phantomStale: Labels = { job: 'phantom', run_id: 'old' };
const phantomFresh: Labels = { job: 'phantom', run_id: 'new' };
const TIMESTAMPED = 'phantom_metric 1 1\n';

before(async () => {
  gw = await startPushgateway();
  for (const g of stale) {
    const body = g.job === 'declares' ? 'pgsweep_ttl_seconds 3600\n' : undefined;
    assert.equal(await gw.push(g, body), 200);
  }
  // A rejected first push (a sample timestamp) leaves a never-succeeded group: push time 0, aged
  // by its failure time, which the text page lists before the push times.
  assert.equal(await gw.push(phantomStale, TIMESTAMPED), 400);
  await sleep(3300);
  for (const g of fresh) assert.equal(await gw.push(g), 200);
  assert.equal(await gw.push(phantomFresh, TIMESTAMPED), 400);
});
after(() => gw?.stop());

test('a text-listing sweep deletes exactly the stale groups, phantoms by their failure time, and honours declared TTLs', async () => {
  const result = await runCli([
    '--url',
    gw.url,
    '--ttl',
    '2s',
    '--listing',
    'text',
    '--output',
    'json',
  ]);
  assert.equal(result.code, 0, result.stderr);
  const doc = jsonOf(result);
  assert.equal(doc.summary.deleted, 5);
  assert.equal(doc.summary.failed, 0);
  // The harness lists keys from the JSON API, which shows the real keys.
  const declares = stale.find((g) => g.job === 'declares') as Labels;
  assert.deepEqual(keySet(await gw.keys()), keySet([...fresh, declares, phantomFresh]));
});

test('a store the text page cannot render is a clear error, and nothing is deleted', async () => {
  // {job=x} and {job=x, instance=""} together poison /metrics (spec 4.7).
  assert.equal(await gw.push({ job: 'collide' }), 200);
  assert.equal(await gw.push({ job: 'collide', instance: '' }), 400);
  const before = keySet(await gw.keys());
  const result = await runCli(['--url', gw.url, '--ttl', '2s', '--listing', 'text']);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /answered 500.*store is inconsistent.*pgsweep doctor, or sweep with --listing json/,
  );
  assert.deepEqual(keySet(await gw.keys()), before);
});
