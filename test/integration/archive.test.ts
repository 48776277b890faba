/**
 * --archive-file against a real Pushgateway: every deleted group's last state (labels, push time,
 * every metric family with its values) is appended as one JSON line first; a group whose line
 * cannot be written is not deleted.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { jsonOf, runCli, sleep } from '../support/cli.ts';
import { type Gateway, keySet, type Labels, startPushgateway } from '../support/pushgateway.ts';

const dir = mkdtempSync(join(tmpdir(), 'pgsweep-archive-'));
let gw: Gateway;
const runs: Labels[] = [
  { job: 'etl', run_id: 'r1' },
  { job: 'etl', run_id: 'r2', instance: '' },
];
const body = (n: number) =>
  `# TYPE etl_rows_loaded gauge\netl_rows_loaded ${n}\n# TYPE etl_step_seconds histogram\netl_step_seconds_bucket{le="1"} 2\netl_step_seconds_bucket{le="+Inf"} 3\netl_step_seconds_sum 4.5\netl_step_seconds_count 3\n`;

async function pushStale(): Promise<void> {
  for (const [i, g] of runs.entries()) assert.equal(await gw.push(g, body(1000 + i)), 200);
  await sleep(2300);
}

before(async () => {
  gw = await startPushgateway();
});
after(() => gw?.stop());

test('each deleted group is archived as one JSON line with its metrics', async () => {
  await pushStale();
  const file = join(dir, 'archive.jsonl');
  const result = await runCli([
    '--url',
    gw.url,
    '--ttl',
    '1s',
    '--archive-file',
    file,
    '--output',
    'json',
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(jsonOf(result).summary.deleted, 2);
  assert.deepEqual(await gw.keys(), []);
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, 2);
  const entries = lines.map(
    (l) =>
      JSON.parse(l) as {
        archivedAt: string;
        gateway: string;
        labels: Labels;
        lastPush: string;
        group: Record<
          string,
          { metrics: Array<{ value?: string; buckets?: Record<string, string> }> }
        >;
      },
  );
  assert.deepEqual(keySet(entries.map((e) => e.labels)), keySet(runs));
  for (const e of entries) {
    assert.equal(e.gateway, gw.url);
    assert.ok(Date.parse(e.lastPush) <= Date.parse(e.archivedAt));
    assert.match(e.group.etl_rows_loaded?.metrics[0]?.value ?? '', /^100[01]$/);
    assert.deepEqual(e.group.etl_step_seconds?.metrics[0]?.buckets, { '1': '2', '+Inf': '3' });
  }
});

test('a group whose archive line cannot be written is kept, exit 1', async () => {
  await pushStale();
  // Writes to /dev/full fail with ENOSPC.
  const result = await runCli([
    '--url',
    gw.url,
    '--ttl',
    '1s',
    '--archive-file',
    '/dev/full',
    '--output',
    'json',
  ]);
  assert.equal(result.code, 1, result.stderr);
  const doc = jsonOf(result);
  assert.equal(doc.summary.deleted, 0);
  assert.deepEqual(
    doc.groups.map((g) => g.reason),
    ['archive-failed', 'archive-failed'],
  );
  assert.deepEqual(keySet(await gw.keys()), keySet(runs));
});

test("'-' archives to stderr as log events; an unopenable file is a usage error", async () => {
  const toStderr = await runCli([
    '--url',
    gw.url,
    '--ttl',
    '1s',
    '--archive-file',
    '-',
    '--output',
    'json',
  ]);
  assert.equal(toStderr.code, 0, toStderr.stderr);
  const events = toStderr.stderr
    .split('\n')
    .filter((l) => l.includes('archived group before deleting it'))
    .map((l) => JSON.parse(l) as { archive: { labels: Labels } });
  assert.deepEqual(keySet(events.map((e) => e.archive.labels)), keySet(runs));

  const badPath = await runCli(['--url', gw.url, '--ttl', '1s', '--archive-file', dir]);
  assert.equal(badPath.code, 2);
  assert.match(badPath.stderr, /cannot open --archive-file .* for appending \(EISDIR\)/);

  const textMode = await runCli([
    '--url',
    gw.url,
    '--ttl',
    '1s',
    '--archive-file',
    '-',
    '--listing',
    'text',
  ]);
  assert.equal(textMode.code, 2);
  assert.match(textMode.stderr, /--archive-file needs --listing json/);
});
