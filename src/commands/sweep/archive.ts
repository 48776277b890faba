/**
 * `--archive-file`: before a group is deleted, its last state is appended as one JSON line, so the
 * per-run data a Pushgateway should never have held can flow into an event log (Loki,
 * Elasticsearch, ClickHouse) through ordinary log shipping. Writes are synchronous: a group whose
 * line could not be written is not deleted. `-` writes the lines to stdout (the CLI then prints
 * its report on stderr), never through the logger, so no log level can silence them.
 *
 * Every record is written whole or not at all: a write that fails partway (ENOSPC after a short
 * write) is cut back off the file before anything else is written, and a file left torn by an
 * earlier run is repaired before appending.
 */
import {
  closeSync,
  fstatSync,
  writeSync as fsWriteSync,
  ftruncateSync,
  openSync,
  readSync,
} from 'node:fs';
import { UsageError } from '../../core/errors.ts';
import type { Log } from '../../core/log.ts';
import { redact } from '../../core/redact.ts';
import type { Labels } from '../../wire/labels.ts';

export interface ArchivedGroup {
  readonly gateway: string;
  readonly labels: Labels;
  /** push_time_seconds as listed. */
  readonly pushTime: string | undefined;
  /** The group's JSON object from the listing: every metric family with its values. */
  readonly raw: string;
}

export interface Archive {
  /** Throws when the line could not be written whole; the caller must then keep the group. */
  record(group: ArchivedGroup, nowMs: number): void;
  close(): void;
}

/** fs.writeSync's shape; injectable so tests can produce short writes. */
export type WriteFn = (fd: number, buffer: Buffer, offset: number, length: number) => number;

/** Every record starts with this; a torn tail that does not is not ours to cut. */
const RECORD_START = '{"archivedAt":';
/** How long a stdout reader may take no data before the record counts as not written. */
const STALL_LIMIT_MS = 30_000;

/** The archive line: stable keys first, then the gateway's own representation of the group. */
export function archiveLine(group: ArchivedGroup, nowMs: number): string {
  const pushed = group.pushTime === undefined ? Number.NaN : Number(group.pushTime);
  return `${JSON.stringify({
    archivedAt: new Date(nowMs).toISOString(),
    gateway: group.gateway,
    labels: group.labels,
    lastPush: Number.isFinite(pushed) && pushed > 0 ? new Date(pushed * 1000).toISOString() : null,
    group: JSON.parse(group.raw) as unknown,
  })}\n`;
}

const codeOf = (err: unknown) => (err as { code?: string } | null)?.code ?? 'error';
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes the whole buffer, looping over short writes. EAGAIN (a non-blocking stdout pipe whose
 * reader is behind) is waited out, up to STALL_LIMIT_MS without progress. `done.bytes` tells the
 * caller how much reached the file when it throws.
 */
function writeWhole(fd: number, buffer: Buffer, write: WriteFn, done: { bytes: number }): void {
  let stalledSince: number | undefined;
  while (done.bytes < buffer.length) {
    let n: number;
    try {
      n = write(fd, buffer, done.bytes, buffer.length - done.bytes);
    } catch (err) {
      if (codeOf(err) !== 'EAGAIN') throw err;
      const now = Date.now();
      stalledSince ??= now;
      if (now - stalledSince > STALL_LIMIT_MS) {
        throw new Error(`the reader took no data for ${STALL_LIMIT_MS / 1000}s`);
      }
      Atomics.wait(sleeper, 0, 0, 10);
      continue;
    }
    if (n <= 0) throw new Error(`short write: ${done.bytes} of ${buffer.length} bytes`);
    done.bytes += n;
    stalledSince = undefined;
  }
}

/**
 * A file that does not end in a newline ends in a record whose write failed partway, and whose
 * group was therefore kept: cut it off (with a warning) so the next record starts on a line of its
 * own. A tail that is not the start of a record is someone else's data: refuse the file.
 */
function repairTail(fd: number, path: string, log: Log): void {
  const size = fstatSync(fd).size;
  if (size === 0) return;
  let readFd: number;
  try {
    readFd = openSync(path, 'r');
  } catch (err) {
    throw new UsageError(
      `cannot read --archive-file ${path} (${codeOf(err)}): pgsweep reads its end to make sure it does not append to a torn record; give it read access`,
    );
  }
  try {
    const last = Buffer.alloc(1);
    readSync(readFd, last, 0, 1, size - 1);
    if (last[0] === 0x0a) return;
    const chunk = Buffer.alloc(64 * 1024);
    let cut = 0;
    for (let end = size; end > 0; ) {
      const start = Math.max(0, end - chunk.length);
      const n = readSync(readFd, chunk, 0, end - start, start);
      const newline = chunk.subarray(0, n).lastIndexOf(0x0a);
      if (newline >= 0) {
        cut = start + newline + 1;
        break;
      }
      end = start;
    }
    const head = Buffer.alloc(Math.min(RECORD_START.length, size - cut));
    readSync(readFd, head, 0, head.length, cut);
    if (!RECORD_START.startsWith(head.toString('latin1'))) {
      throw new UsageError(
        `--archive-file ${path} does not end in a newline and its last line is not a pgsweep archive record: not appending to it (check the path)`,
      );
    }
    ftruncateSync(fd, cut);
    log.warn(
      { archiveFile: path, bytes: size - cut },
      `--archive-file ${path} ended in a torn record (${size - cut} bytes after the last newline, left by a write that failed partway; that group was not deleted): removed them before appending`,
    );
  } finally {
    closeSync(readFd);
  }
}

/**
 * Opens the archive before any request, so a path that cannot be used is a usage error and
 * nothing is deleted. A file is created with mode 0600 (records hold whatever the groups held);
 * an existing file keeps its mode.
 */
export function openArchive(path: string, log: Log, write: WriteFn = fsWriteSync): Archive {
  // On stdout the records pass the redactor like everything else printed; a file keeps them exact.
  if (path === '-') return writerArchive(1, false, write, () => {}, redact);
  let fd: number;
  try {
    fd = openSync(path, 'a', 0o600);
  } catch (err) {
    throw new UsageError(`cannot open --archive-file ${path} for appending (${codeOf(err)})`);
  }
  try {
    // Devices and pipes (/dev/stdout, /dev/full) cannot be read back or truncated.
    const regular = fstatSync(fd).isFile();
    if (regular) repairTail(fd, path, log);
    return writerArchive(
      fd,
      regular,
      write,
      () => closeSync(fd),
      (line) => line,
    );
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

function writerArchive(
  fd: number,
  truncatable: boolean,
  write: WriteFn,
  close: () => void,
  shown: (line: string) => string,
): Archive {
  // Set once a record is left in part where it cannot be cut off: nothing more may follow it.
  let torn: string | undefined;
  return {
    record(group, nowMs) {
      if (torn) throw new Error(torn);
      const line = Buffer.from(shown(archiveLine(group, nowMs)), 'utf8');
      const before = truncatable ? fstatSync(fd).size : 0;
      const done = { bytes: 0 };
      try {
        writeWhole(fd, line, write, done);
      } catch (err) {
        if (done.bytes > 0 && truncatable) {
          try {
            ftruncateSync(fd, before);
          } catch (cutErr) {
            torn = `an earlier record was written in part and could not be cut off (${codeOf(cutErr)}), so nothing more is appended in this run`;
          }
        } else if (done.bytes > 0) {
          torn = `an earlier record was written in part (${done.bytes} of ${line.length} bytes), so nothing more is written in this run`;
        }
        throw err;
      }
    },
    close,
  };
}
