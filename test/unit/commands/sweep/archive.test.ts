import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { archiveLine, openArchive, type WriteFn } from '../../../../src/commands/sweep/archive.ts';
import { UsageError } from '../../../../src/core/errors.ts';
import { silentLog } from '../../../../src/core/log.ts';
import { clearSecrets, registerSecret } from '../../../../src/core/redact.ts';

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

describe('archive: whole records only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgsweep-archive-unit-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const lines = (file: string) => readFileSync(file, 'utf8');
  const enospc = () =>
    Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

  it('cuts a record that failed partway back off the file, then appends the next whole', () => {
    const file = join(dir, 'short.jsonl');
    const first = openArchive(file, silentLog);
    first.record(group, 0);
    first.close();
    const good = lines(file);
    // A short write (half the record reaches the disk), then ENOSPC: what a filling disk does.
    let calls = 0;
    const failing: WriteFn = (fd, buffer, offset, length) => {
      calls++;
      if (calls === 1) return writeSync(fd, buffer, offset, Math.floor(length / 2));
      throw enospc();
    };
    const archive = openArchive(file, silentLog, failing);
    assert.throws(() => archive.record(group, 1), /ENOSPC/);
    assert.equal(lines(file), good, 'the torn half is gone');
    archive.close();
    const again = openArchive(file, silentLog);
    again.record(group, 2);
    again.close();
    const all = lines(file).trimEnd().split('\n');
    assert.equal(all.length, 2);
    for (const l of all) JSON.parse(l);
  });

  it('treats a write that makes no progress as failed, and cuts it back', () => {
    const file = join(dir, 'zero.jsonl');
    let calls = 0;
    const stuck: WriteFn = (fd, buffer, offset) => {
      calls++;
      return calls === 1 ? writeSync(fd, buffer, offset, 10) : 0;
    };
    const archive = openArchive(file, silentLog, stuck);
    assert.throws(() => archive.record(group, 0), /short write: 10 of \d+ bytes/);
    archive.close();
    assert.equal(statSync(file).size, 0);
  });

  it('repairs a torn tail before appending, with a warning naming the bytes cut', () => {
    const file = join(dir, 'torn.jsonl');
    const whole = archiveLine(group, 0);
    const torn = archiveLine(group, 1).slice(0, 37);
    writeFileSync(file, whole + torn);
    const warnings: Array<Record<string, unknown>> = [];
    const archive = openArchive(file, { ...silentLog, warn: (obj) => warnings.push(obj) });
    archive.record(group, 2);
    archive.close();
    assert.deepEqual(warnings, [{ archiveFile: file, bytes: 37 }]);
    assert.equal(lines(file), whole + archiveLine(group, 2));
  });

  it('repairs a file that is one torn record and nothing else', () => {
    const file = join(dir, 'only-torn.jsonl');
    writeFileSync(file, '{"archivedAt":"2026');
    openArchive(file, silentLog).close();
    assert.equal(statSync(file).size, 0);
  });

  it('refuses a file whose last line is not a record, and leaves it alone', () => {
    const file = join(dir, 'other.txt');
    writeFileSync(file, "line one\nsomeone else's data");
    assert.throws(
      () => openArchive(file, silentLog),
      (err: Error) =>
        err instanceof UsageError &&
        /does not end in a newline.*not a pgsweep archive record/.test(err.message),
    );
    assert.equal(lines(file), "line one\nsomeone else's data");
  });

  it('creates the file with mode 0600 and leaves an existing file mode alone', () => {
    const previous = process.umask(0o022);
    try {
      const file = join(dir, 'mode.jsonl');
      openArchive(file, silentLog).close();
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const shared = join(dir, 'shared.jsonl');
      writeFileSync(shared, '', { mode: 0o640 });
      openArchive(shared, silentLog).close();
      assert.equal(statSync(shared).mode & 0o777, 0o640);
    } finally {
      process.umask(previous);
    }
  });

  it("'-' writes each record to stdout (fd 1), waiting out EAGAIN from a slow pipe", () => {
    const written: Array<{ fd: number; text: string }> = [];
    let again = 2;
    const pipe: WriteFn = (fd, buffer, offset, length) => {
      if (again-- > 0) throw Object.assign(new Error('EAGAIN'), { code: 'EAGAIN' });
      // A pipe takes part of a big write.
      const n = Math.min(length, 50);
      written.push({ fd, text: buffer.subarray(offset, offset + n).toString('utf8') });
      return n;
    };
    const archive = openArchive('-', silentLog, pipe);
    archive.record(group, 0);
    archive.close();
    assert.ok(written.every((w) => w.fd === 1));
    assert.equal(written.map((w) => w.text).join(''), archiveLine(group, 0));
  });

  it("'-': after a record is written in part, every later record is refused", () => {
    let calls = 0;
    const pipe: WriteFn = (_fd, _buffer, _offset, length) => {
      calls++;
      if (calls === 1) return Math.floor(length / 2);
      throw Object.assign(new Error('EPIPE: broken pipe, write'), { code: 'EPIPE' });
    };
    const archive = openArchive('-', silentLog, pipe);
    assert.throws(() => archive.record(group, 0), /EPIPE/);
    const before = calls;
    assert.throws(() => archive.record(group, 1), /written in part/);
    assert.equal(calls, before, 'nothing more was written');
  });
});

describe("archive: '-' is printed text", () => {
  after(clearSecrets);

  it('masks registered secrets in records on stdout, and keeps a file exact', () => {
    registerSecret('hunter2-secret');
    const leaky = { ...group, raw: '{"labels":{"job":"etl"},"note":"hunter2-secret"}' };
    let printed = '';
    const toStdout: WriteFn = (_fd, buffer, offset, length) => {
      printed += buffer.subarray(offset, offset + length).toString('utf8');
      return length;
    };
    openArchive('-', silentLog, toStdout).record(leaky, 0);
    assert.equal(printed.includes('hunter2-secret'), false);
    assert.equal((JSON.parse(printed) as { group: { note: string } }).group.note, '***');

    const file = join(tmpdir(), `pgsweep-archive-exact-${process.pid}.jsonl`);
    rmSync(file, { force: true });
    const archive = openArchive(file, silentLog);
    archive.record(leaky, 0);
    archive.close();
    assert.match(readFileSync(file, 'utf8'), /hunter2-secret/);
    rmSync(file);
  });
});
