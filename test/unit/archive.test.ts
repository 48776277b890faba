import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { archiveLine, openArchive } from '../../src/archive.ts';
import { silentLog } from '../../src/log.ts';

const group = {
  gateway: 'http://pgw:9091/',
  labels: { job: 'etl', run_id: 'r1' },
  pushTime: '1.7e+09',
  raw: '{"labels":{"job":"etl","run_id":"r1"},"rows":{"metrics":[{"value":"5"}]}}',
};

describe('archive', () => {
  it('writes one line with the stable fields and the group as listed', () => {
    const line = archiveLine(group, Date.UTC(2026, 10, 25));
    assert.ok(line.endsWith('\n'));
    assert.equal(line.indexOf('\n'), line.length - 1, 'exactly one line');
    assert.deepEqual(JSON.parse(line), {
      archivedAt: '2026-11-25T00:00:00.000Z',
      gateway: 'http://pgw:9091/',
      labels: { job: 'etl', run_id: 'r1' },
      lastPush: '2023-11-14T22:13:20.000Z',
      group: { labels: { job: 'etl', run_id: 'r1' }, rows: { metrics: [{ value: '5' }] } },
    });
  });

  it('has no lastPush for a group that never succeeded', () => {
    assert.equal(
      (JSON.parse(archiveLine({ ...group, pushTime: '0' }, 0)) as { lastPush: unknown }).lastPush,
      null,
    );
  });

  it('appends to a file and keeps what was there', () => {
    const file = join(tmpdir(), `pgsweep-archive-${process.pid}.jsonl`);
    rmSync(file, { force: true });
    for (let i = 0; i < 2; i++) {
      const archive = openArchive(file, silentLog);
      archive.record(group, 0);
      archive.close();
    }
    assert.equal(readFileSync(file, 'utf8').trimEnd().split('\n').length, 2);
    rmSync(file);
  });

  it('throws on a write that fails, so the caller keeps the group', () => {
    const archive = openArchive('/dev/full', silentLog);
    assert.throws(() => archive.record(group, 0), /ENOSPC/);
    archive.close();
  });
});
