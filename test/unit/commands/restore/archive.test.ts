/** Reading an archive for `pgsweep restore`: bounded, checked whole, newest record per key. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type ArchiveLimits, readArchive } from '../../../../src/commands/restore/archive.ts';
import { selectRecords } from '../../../../src/commands/restore/restore.ts';
import { UsageError } from '../../../../src/core/errors.ts';
import { parseSelector } from '../../../../src/core/matchers.ts';

const dir = mkdtempSync(join(tmpdir(), 'pgsweep-restore-archive-'));
const GW = 'http://pushgateway:9091/';
const limits: ArchiveLimits = { maxLineBytes: 64 * 1024, maxKeptBytes: 1 << 20, maxKept: 1000 };
const all = () => undefined;

function record(labels: Record<string, string>, pushTime: string, value = '1', gateway = GW) {
  const series = { ...labels, ...(labels.instance === undefined ? { instance: '' } : {}) };
  return JSON.stringify({
    archivedAt: '2026-11-25T16:00:02.000Z',
    gateway,
    labels,
    lastPush: null,
    group: {
      labels,
      last_push_successful: true,
      m: { type: 'GAUGE', metrics: [{ labels: series, value }] },
      push_time_seconds: { type: 'GAUGE', metrics: [{ labels: series, value: pushTime }] },
    },
  });
}

let n = 0;
function file(text: string): string {
  const path = join(dir, `archive-${++n}.jsonl`);
  writeFileSync(path, text);
  return path;
}

function usageError(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: Error) => {
    assert.ok(err instanceof UsageError, `${err.name}: ${err.message}`);
    assert.match(err.message, message);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  });
}

test('the newest record of each key wins; on a tie, the later line', () => {
  const path = file(
    [
      record({ job: 'a' }, '1.7e+09', 'old'),
      record({ job: 'b' }, '1.7e+09', '1'),
      record({ job: 'a' }, '1.8e+09', '2'),
      record({ job: 'a' }, '1.75e+09', '3'),
      '',
      record({ job: 'b' }, '1.7e+09', '4'),
      '',
    ].join('\n'),
  );
  const got = readArchive(path, limits, all);
  assert.equal(got.total, 5);
  assert.equal(got.superseded, 3);
  assert.deepEqual(
    got.records.map((r) => [r.line, r.labels.job, r.body]),
    [
      [3, 'a', '# TYPE m gauge\nm 2\n'],
      [6, 'b', '# TYPE m gauge\nm 4\n'],
    ],
  );
});

test('a malformed line, an unknown field or a missing one is an error naming the line', () => {
  const good = record({ job: 'a' }, '1.7e+09');
  const withField = JSON.stringify({ ...JSON.parse(good), extra: 1 });
  const { group: _, ...noGroup } = JSON.parse(good) as Record<string, unknown>;
  usageError(
    () => readArchive(file(`${good}\n{"archivedAt":\n${good}\n`), limits, all),
    /line 2: not JSON; nothing was restored/,
  );
  usageError(
    () => readArchive(file(`${good}\n${withField}\n`), limits, all),
    /line 2: unknown field "extra"/,
  );
  usageError(
    () => readArchive(file(`${JSON.stringify(noGroup)}\n`), limits, all),
    /line 1: missing field "group"/,
  );
  usageError(() => readArchive(file('[1]\n'), limits, all), /line 1: not a JSON object/);
  usageError(
    () => readArchive(file(Buffer.from([0xff, 0x0a]).toString('latin1')), limits, all),
    /line 1/,
  );
});

test('a line longer than --max-group-bytes is an error naming the line, read in bounded chunks', () => {
  const big = record({ job: 'big' }, '1.7e+09', '1'.repeat(200_000));
  usageError(
    () => readArchive(file(`${record({ job: 'a' }, '1')}\n${big}\n`), limits, all),
    /line 2 is longer than --max-group-bytes 64KiB/,
  );
});

test('a selected record that cannot be rebuilt exactly is an error; left out, it is not', () => {
  const bad = JSON.parse(record({ job: 'x' }, '1.7e+09')) as { group: { m: { type: string } } };
  bad.group.m.type = 'GAUGE_HISTOGRAM';
  const path = file(`${record({ job: 'a' }, '1.7e+09')}\n${JSON.stringify(bad)}\n`);
  usageError(
    () => readArchive(path, limits, all),
    /line 2: cannot be rebuilt exactly: .*--exclude/,
  );
  const { select } = selectRecords([GW], undefined, [], [parseSelector('{job="x"}')]);
  const got = readArchive(path, limits, select);
  assert.deepEqual(
    got.records.map((r) => r.labels.job),
    ['a'],
  );
  assert.equal(got.dropped.get('excluded'), 1);
  // A key no URL can address exactly (the listing replaced invalid UTF-8).
  usageError(
    () => readArchive(file(`${record({ job: 'a', v: '\ufffd' }, '1')}\n`), limits, all),
    /line 1: value of label "v" is not exact/,
  );
});

test('records from another gateway are counted and left, unless --from-gateway names it', () => {
  const path = file(
    `${record({ job: 'a' }, '1', '1', 'http://old:9091/')}\n${record({ job: 'b' }, '1')}\n`,
  );
  const here = selectRecords([GW], undefined, [], []);
  const got = readArchive(path, limits, here.select);
  assert.deepEqual(
    got.records.map((r) => r.labels.job),
    ['b'],
  );
  assert.equal(got.dropped.get('other-gateway'), 1);
  const moved = selectRecords([GW], 'http://old:9091', [], []);
  const fromOld = readArchive(path, limits, moved.select);
  assert.deepEqual(
    fromOld.records.map((r) => [r.labels.job, moved.targetOf(r.gateway)]),
    [['a', GW]],
  );
});

test('a last line cut short without its newline is skipped; one with its newline is not', () => {
  const good = record({ job: 'a' }, '1');
  const got = readArchive(file(`${good}\n{"archivedAt":"2026`), limits, all);
  assert.equal(got.tornLine, 2);
  assert.equal(got.records.length, 1);
  usageError(
    () => readArchive(file(`${good}\n{"archivedAt":"2026\n`), limits, all),
    /line 2: not JSON/,
  );
});

test('the groups kept are bounded in count and bytes; a missing or odd file is a usage error', () => {
  const two = file(`${record({ job: 'a' }, '1')}\n${record({ job: 'b' }, '1')}\n`);
  usageError(
    () => readArchive(two, { ...limits, maxKept: 1 }, all),
    /more than --max-groups 1 groups/,
  );
  usageError(
    () => readArchive(two, { ...limits, maxKeptBytes: 300 }, all),
    /exceed --max-listing-bytes/,
  );
  usageError(
    () => readArchive(join(dir, 'missing.jsonl'), limits, all),
    /cannot read --archive-file .*ENOENT/,
  );
  usageError(() => readArchive(dir, limits, all), /not a regular file/);
});
