import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  MAX_CONFIG_BYTES,
  readUserFile,
  readUserText,
  showPath,
  UserFileError,
} from '../../../src/config/read-user-file.ts';
import { usageError } from '../../support/usage-error.ts';

const dir = mkdtempSync(join(tmpdir(), 'pgsweep-read-'));
after(() => execFileSync('rm', ['-rf', dir]));

function fileError(fn: () => unknown, reason: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UserFileError, `expected UserFileError, got ${String(e)}`);
    assert.match(e.reason, reason);
    return true;
  });
}

describe('readUserFile', () => {
  it('reads a regular file up to the limit, inclusive', () => {
    const path = join(dir, 'ok');
    writeFileSync(path, 'x'.repeat(100));
    assert.equal(readUserFile(path, 100).toString(), 'x'.repeat(100));
    fileError(() => readUserFile(path, 99), /larger than the/);
  });

  it('refuses a FIFO at once instead of waiting for a writer', () => {
    // Bug probe: readFileSync on a FIFO with no writer blocks forever.
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const started = performance.now();
    fileError(() => readUserFile(fifo, 1024), /^a FIFO, not a regular file$/);
    assert.ok(performance.now() - started < 1000);
  });

  it('refuses devices and directories', () => {
    // Bug probe: readFileSync('/dev/zero') never ends (and fills memory).
    fileError(() => readUserFile('/dev/zero', 1024), /^a character device, not a regular file$/);
    fileError(() => readUserFile('/dev/urandom', 1024), /character device/);
    fileError(() => readUserFile(dir, 1024), /^a directory, not a regular file$/);
  });

  it('stops reading past the limit even when the size claims less (files under /proc)', () => {
    // /proc/self/maps reports size 0 but has content; a limit of 1 byte must still hold.
    fileError(() => readUserFile('/proc/self/maps', 1), /larger than the/);
  });

  it('gives the errno code for a missing or unreadable path', () => {
    fileError(() => readUserFile(join(dir, 'missing'), 1024), /^ENOENT$/);
  });
});

describe('readUserText', () => {
  it('refuses a file that is not UTF-8 instead of reading replacement characters', () => {
    const path = join(dir, 'latin1');
    writeFileSync(path, Buffer.from([0x74, 0x74, 0x6c, 0x3a, 0x20, 0xff, 0xfe]));
    usageError(() => readUserText(path, '--config', MAX_CONFIG_BYTES), /--config: .* is not UTF-8/);
  });

  it('names the setting and the file in a usage error, with a hint for errno failures', () => {
    usageError(
      () => readUserText(join(dir, 'missing'), '--config', MAX_CONFIG_BYTES),
      /^--config: cannot read .*missing \(ENOENT\): check the path and permissions$/,
    );
    usageError(
      () => readUserText('/dev/zero', '--config', MAX_CONFIG_BYTES),
      /^--config: cannot read \/dev\/zero \(a character device, not a regular file\)$/,
    );
  });

  it('strips a UTF-8 byte order mark', () => {
    const path = join(dir, 'bom');
    writeFileSync(path, '\ufeffttl: 2h\n');
    assert.equal(readUserText(path, '--config', MAX_CONFIG_BYTES), 'ttl: 2h\n');
  });
});

describe('showPath', () => {
  it('quotes a path only when it would break the one-line error', () => {
    assert.equal(showPath('/etc/pgsweep.yaml'), '/etc/pgsweep.yaml');
    assert.equal(showPath('a\nb'), '"a\\nb"');
    assert.equal(showPath(''), '""');
  });
});
