/**
 * Against a real Pushgateway: stale groups with every awkward grouping key are deleted exactly,
 * while fresh "trap" siblings that a sloppy URL would hit survive. Then a second run does nothing.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { jsonOf, runCli, sleep } from '../support/cli.ts';
import { type Gateway, keySet, type Labels, startPushgateway } from '../support/pushgateway.ts';

const STALE_WAIT_MS = 3300; // > TTL (2s) + Date's 1s truncation; 2s leaves fresh groups room under load

const manyLabels: Labels = { job: 'wide' };
for (let i = 0; i < 2000; i++) manyLabels[`l${i}`] = `v${i}`;

const stale: Labels[] = [
  { job: 'batch', run_id: '8f14e45f-ceea-467f-a0e6-3d2b5a6f0c11' },
  { job: 'empty_instance', instance: '' },
  { job: 'empty_value', instance: 'i1', shard: '' },
  { job: 'a/b', path: '/var/tmp' },
  { job: 'dots', v: '.' },
  { job: 'dots', v: '..' },
  { job: 'spaces and 50% @home', note: 'line1\nline2', plus: 'a+b', q: '?#&=' },
  { job: 'ünïcödé', city: '日本語テキスト', emoji: '🧹' },
  { job: 'trailing', instance: 'x/' },
  { job: 'big', v: 'x'.repeat(700_000) },
  manyLabels,
];

// Fresh siblings: what a wrong DELETE URL would address instead (prefix match, %2F splitting,
// `..` path cleaning, dropped empty labels).
const traps: Labels[] = [
  { job: 'batch' },
  { job: 'empty_value', instance: 'i1' },
  { job: 'a', b: 'path' },
  { job: 'dots' },
  { job: 'trailing', instance: 'x' },
  { job: 'big', v: 'x' },
];

let gw: Gateway;

before(async () => {
  gw = await startPushgateway();
  for (const labels of stale)
    assert.equal(await gw.push(labels), 200, `push ${JSON.stringify(labels).slice(0, 80)}`);
  await sleep(STALE_WAIT_MS);
  for (const labels of traps) assert.equal(await gw.push(labels), 200);
  assert.equal((await gw.keys()).length, stale.length + traps.length);
});

after(() => gw?.stop());

test('deletes exactly the stale groups, whatever their keys', async () => {
  // --force: 11 of 17 groups is over the default --max-delete-ratio, and that is the point here.
  const result = await runCli(['--url', gw.url, '--ttl', '2s', '--output', 'json', '--force']);
  const doc = jsonOf(result);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(doc.summary.scanned, stale.length + traps.length);
  assert.equal(doc.summary.stale, stale.length);
  assert.equal(doc.summary.deleted, stale.length);
  assert.equal(doc.summary.failed, 0);
  assert.equal(doc.summary.kept, traps.length);
  assert.deepEqual(keySet(await gw.keys()), keySet(traps), 'only the fresh traps remain');
  assert.deepEqual(
    doc.groups.map((g) => g.outcome),
    stale.map(() => 'deleted'),
  );
  assert.equal(result.stderr.includes('    at '), false, 'no stack trace');
});

test('a second run right after finds nothing to do', async () => {
  // Keep the traps within the 2s TTL so only idempotence is under test.
  for (const labels of traps) assert.equal(await gw.push(labels), 200);
  const result = await runCli(['--url', gw.url, '--ttl', '2s', '--output', 'json']);
  assert.equal(result.code, 0, result.stderr);
  const doc = jsonOf(result);
  assert.equal(doc.summary.deleted, 0);
  assert.equal(doc.summary.stale, 0);
  assert.deepEqual(keySet(await gw.keys()), keySet(traps));
});
