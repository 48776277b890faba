/**
 * `pgsweep restore` against a real Pushgateway: sweep with --archive-file, restore, and the listing
 * holds the same groups with the same metric values, for every metric type and the tricky keys.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli, sleep } from '../support/cli.ts';
import { type Gateway, keySet, type Labels, startPushgateway } from '../support/pushgateway.ts';

const dir = mkdtempSync(join(tmpdir(), 'pgsweep-restore-'));
let gw: Gateway;

const TYPES_BODY = `# HELP c_total a counter with a \\\\ and a\\nnewline
# TYPE c_total counter
c_total{path="/x"} 1790000000
c_total{path="/y"} 1e-05
# TYPE g gauge
g{v="q\\"uote\\\\back\\nline"} NaN
g{v="inf"} +Inf
g{v="minf"} -Inf
g{v="zero"} -0
g{v="big"} 9007199254740993
# HELP h a histogram
# TYPE h histogram
h_bucket{le="0.1"} 1
h_bucket{le="1"} 3
h_bucket{le="1e+06"} 3
h_bucket{le="+Inf"} 4
h_sum 2.5e+21
h_count 4
# TYPE s summary
s{quantile="0.5"} 0.2
s{quantile="0.99"} 1.5
s_sum 10
s_count 20
# TYPE u untyped
u{instance="own"} 0.0001
`;

/** Every metric type under one key, and the keys only an exact path can address. */
const GROUPS: Array<[Labels, string]> = [
  [{ job: 'types', instance: 'i' }, TYPES_BODY],
  [{ job: 'empty', instance: '' }, 'm 1\n'],
  [{ job: 'empty_other', zone: '', instance: 'x' }, 'm 2\n'],
  [{ job: 'slash', path: '/var/tmp' }, 'm 3\n'],
  [{ job: 'a/b', dot: '..' }, 'm 4\n'],
  [{ job: 'unicode', city: 'Zürich Π ✓' }, 'm 5\n'],
  [{ job: 'pct', v: '50% + x?#' }, 'm 6\n'],
];

/** Each group's families as listed, without the gauges the gateway sets and the receipt times. */
async function snapshot(): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  for (const g of await gw.listing()) {
    const families: Record<string, unknown> = {};
    for (const [name, family] of Object.entries(g)) {
      if (
        [
          'labels',
          'last_push_successful',
          'push_time_seconds',
          'push_failure_time_seconds',
        ].includes(name)
      )
        continue;
      const { time_stamp: _, ...rest } = family as Record<string, unknown>;
      families[name] = rest;
    }
    out.set(keySet([g.labels as Labels])[0] ?? '', families);
  }
  return out;
}

async function pushAll(): Promise<void> {
  for (const [labels, body] of GROUPS) assert.equal(await gw.push(labels, body), 200, labels.job);
}

function restore(archive: string, ...args: string[]) {
  return runCli([
    'restore',
    '--url',
    gw.url,
    '--archive-file',
    archive,
    '--output',
    'json',
    ...args,
  ]);
}

interface RestoreJson {
  summary: Record<string, number>;
  groups: Array<{ labels: Labels; outcome: string; reason: string | null }>;
}
const docOf = (stdout: string) => JSON.parse(stdout) as RestoreJson;

async function sweepToArchive(archive: string): Promise<void> {
  await sleep(2300);
  const swept = await runCli(['--url', gw.url, '--ttl', '1s', '--archive-file', archive]);
  assert.equal(swept.code, 0, swept.stderr);
  assert.deepEqual(await gw.keys(), [], 'the sweep deleted every group');
}

before(async () => {
  gw = await startPushgateway();
});
after(() => gw?.stop());

test('sweep with an archive, restore: the same groups with the same values, every type and key', async () => {
  await pushAll();
  const original = await snapshot();
  assert.equal(original.size, GROUPS.length);
  const archive = join(dir, 'all.jsonl');
  await sweepToArchive(archive);

  const dry = await restore(archive, '--dry-run');
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(docOf(dry.stdout).summary.wouldRestore, GROUPS.length);
  assert.deepEqual(await gw.keys(), [], 'a dry run pushes nothing');

  const result = await restore(archive);
  assert.equal(result.code, 0, result.stderr);
  const doc = docOf(result.stdout);
  assert.equal(doc.summary.restored, GROUPS.length);
  assert.deepEqual(await snapshot(), original);
  // The gateway stamps the restore as a new push.
  for (const g of await gw.listing()) {
    const pt = g.push_time_seconds as { metrics: Array<{ value: string }> };
    assert.ok(Number(pt.metrics[0]?.value) > Date.now() / 1000 - 60);
  }
});

test('a group pushed again since the sweep is skipped, unless --overwrite', async () => {
  // Clear what the first test restored.
  await sleep(2300);
  assert.equal((await runCli(['--url', gw.url, '--ttl', '1s'])).code, 0);
  const key = { job: 'again', instance: '' };
  assert.equal(await gw.push(key, '# TYPE again_m gauge\nagain_m 1\n'), 200);
  // Another key swept in the same run, so one record is restored and one skipped.
  assert.equal(await gw.push({ job: 'gone' }, 'gone_m 7\n'), 200);
  const archive = join(dir, 'again.jsonl');
  await sweepToArchive(archive);
  assert.equal(await gw.push(key, '# TYPE again_m gauge\nagain_m 2\n'), 200);

  const result = await restore(archive);
  assert.equal(result.code, 0, result.stderr);
  const outcomes = docOf(result.stdout).groups.map((g) => [g.labels.job, g.outcome, g.reason]);
  assert.deepEqual(outcomes, [
    ['again', 'skipped', 'exists'],
    ['gone', 'restored', null],
  ]);
  const value = async () => {
    const group = (await gw.listing()).find((g) => (g.labels as Labels).job === 'again');
    return (group?.again_m as { metrics: Array<{ value: string }> } | undefined)?.metrics[0]?.value;
  };
  assert.equal(await value(), '2', 'the newer data is kept');

  const forced = await restore(archive, '--overwrite', '--selector', '{job="again"}');
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(docOf(forced.stdout).summary.restored, 1);
  assert.equal(await value(), '1', 'the archived state replaces it');
});

test('a malformed archive is exit 2 and pushes nothing, even for its good records', async () => {
  await pushAll();
  const archive = join(dir, 'bad.jsonl');
  await sweepToArchive(archive);
  assert.ok(readFileSync(archive, 'utf8').length > 0);
  appendFileSync(
    archive,
    '{"archivedAt":"x","gateway":"y","labels":{},"lastPush":null,"group":{},"more":1}\n',
  );
  const result = await restore(archive);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /^pgsweep: error: --archive-file .* line \d+: unknown field "more"/m);
  assert.equal(result.stdout, '');
  assert.deepEqual(keySet(await gw.keys()), []);
});

test('restore --help matches the copy in docs/reference.md', async () => {
  const result = await runCli(['restore', '--help']);
  assert.equal(result.code, 0);
  const doc = readFileSync(new URL('../../docs/reference.md', import.meta.url), 'utf8');
  const block =
    /<!-- restore-help:start -->\n```text\n([\s\S]*?)```\n<!-- restore-help:end -->/.exec(doc);
  assert.ok(block, 'docs/reference.md has a restore help block');
  assert.equal(block[1], result.stdout);
});
