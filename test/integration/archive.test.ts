/**
 * --archive-file against a real Pushgateway: every deleted group's last state (labels, push time,
 * every metric family with its values) is appended as one JSON line first; a group whose line
 * cannot be written is not deleted.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, type CliResult, jsonOf, runCli, type SweepJson, sleep } from '../support/cli.ts';
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

test("'-' archives to stdout at every log level, and the report goes to stderr", async () => {
  for (const level of ['warn', 'silent']) {
    await pushStale();
    const result = await runCli([
      '--url',
      gw.url,
      '--ttl',
      '1s',
      '--archive-file',
      '-',
      '--output',
      'json',
      '--log-level',
      level,
    ]);
    assert.equal(result.code, 0, result.stderr);
    // stdout holds the records and nothing else: one JSON line per deleted group.
    const records = result.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { labels: Labels; group: Record<string, unknown> });
    assert.deepEqual(keySet(records.map((r) => r.labels)), keySet(runs), level);
    for (const r of records) assert.ok(r.group.etl_rows_loaded, 'the metrics are archived');
    // stderr ends with the report (at silent it is all of stderr).
    const report = JSON.parse(
      level === 'silent' ? result.stderr : result.stderr.slice(result.stderr.indexOf('{\n')),
    ) as SweepJson;
    assert.equal(report.summary.deleted, 2, level);
    assert.deepEqual(await gw.keys(), []);
  }
});

test("'-' with the table report; an unopenable file is a usage error", async () => {
  await pushStale();
  const toStdout = await runCli(['--url', gw.url, '--ttl', '1s', '--archive-file', '-']);
  assert.equal(toStdout.code, 0, toStdout.stderr);
  assert.equal(toStdout.stdout.trimEnd().split('\n').length, 2);
  assert.match(toStdout.stderr, /deleted 2/);
  assert.equal(toStdout.stdout.includes('deleted'), false);

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

test('a torn last record left by an earlier run is cut off before appending, with a warning', async () => {
  await pushStale();
  const file = join(dir, 'torn.jsonl');
  const kept = '{"archivedAt":"2026-01-01T00:00:00.000Z","gateway":"x","labels":{"job":"old"}}\n';
  const torn = '{"archivedAt":"2026-01-01T00:00:01.000Z","gateway":"x","lab';
  writeFileSync(file, kept + torn);
  const result = await runCli(['--url', gw.url, '--ttl', '1s', '--archive-file', file]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stderr,
    new RegExp(`torn record \\(${Buffer.byteLength(torn)} bytes after the last newline`),
  );
  const text = readFileSync(file, 'utf8');
  assert.ok(text.startsWith(kept));
  assert.ok(text.endsWith('\n'));
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length, 3);
  for (const l of lines) JSON.parse(l);
});

test('a new archive file is created with mode 0600', async () => {
  await pushStale();
  const file = join(dir, 'fresh.jsonl');
  const previous = process.umask(0o022);
  try {
    const result = await runCli(['--url', gw.url, '--ttl', '1s', '--archive-file', file]);
    assert.equal(result.code, 0, result.stderr);
  } finally {
    process.umask(previous);
  }
  assert.equal(statSync(file).mode & 0o777, 0o600);
});

/**
 * A real write that stops mid-record, as on a disk that fills: the CLI runs under a file-size limit
 * (`ulimit -f`, no root needed), so the kernel accepts part of a record and then refuses the rest
 * (EFBIG), exactly the short-write-then-error sequence of a full disk.
 */
test('a write that stops mid-record leaves whole records only; those groups are kept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgsweep-fsize-'));
  try {
    // ~7 KiB per record: 120 series each.
    const big = (n: number) =>
      `# TYPE etl_shard_rows gauge\n${Array.from({ length: 120 }, (_, i) => `etl_shard_rows{shard="s${i}"} ${n + i}`).join('\n')}\n`;
    const groups: Labels[] = Array.from({ length: 6 }, (_, i) => ({
      job: 'fill',
      run_id: `f${i}`,
    }));
    for (const g of groups) assert.equal(await gw.push(g, big(1)), 200);
    await sleep(2300);
    const file = join(dir, 'archive.jsonl');
    // Room for about two and a half records: 36 blocks of 512 bytes.
    const result = await runCliWithFileLimit(36, [
      '--url',
      gw.url,
      '--ttl',
      '1s',
      '--archive-file',
      file,
      '--output',
      'json',
      '--concurrency',
      '1',
    ]);
    assert.equal(result.code, 1, result.stderr);
    const doc = jsonOf(result);
    const failed = doc.groups.filter((g) => g.reason === 'archive-failed');
    assert.ok(failed.length > 0, 'some records did not fit');
    assert.ok(doc.summary.deleted > 0, 'some did');
    const text = readFileSync(file, 'utf8');
    assert.ok(text.endsWith('\n'), 'the file ends on a record boundary');
    const archived = text
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as { labels: Labels }).labels);
    // Exactly the deleted groups were archived; every group not archived is still there.
    assert.equal(archived.length, doc.summary.deleted);
    const left = await gw.keys();
    assert.deepEqual(keySet([...archived, ...left]), keySet(groups));

    // Without the limit, the next run archives the rest onto a clean file.
    const next = await runCli(['--url', gw.url, '--ttl', '1s', '--archive-file', file]);
    assert.equal(next.code, 0, next.stderr);
    const all = readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.equal(all.length, groups.length);
    for (const l of all) JSON.parse(l);
    assert.deepEqual(await gw.keys(), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Runs the built CLI under `ulimit -f blocks` (512-byte blocks): writes past it fail with EFBIG. */
function runCliWithFileLimit(blocks: number, args: string[]): Promise<CliResult> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('PGSWEEP_')),
  );
  return new Promise((resolve) => {
    execFile(
      'sh',
      ['-c', `ulimit -f ${blocks} && exec "$@"`, 'sh', process.execPath, BIN, ...args],
      { env, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, signal: null, stdout, stderr });
      },
    );
  });
}
