/**
 * Reading an `--archive-file` for `pgsweep restore`. The file is user input: it is read in bounded
 * chunks, each record line is capped (--max-group-bytes), the records kept are capped in count
 * (--max-groups) and bytes (--max-listing-bytes), and the whole file is checked before anything is
 * pushed. The first problem is a UsageError naming the line; nothing is pushed.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { showPath } from '../../config/read-user-file.ts';
import { formatByteSize } from '../../core/byte-size.ts';
import { UsageError } from '../../core/errors.ts';
import { groupToExposition, RebuildError } from '../../wire/exposition-write.ts';
import { keyId, keyProblem } from '../../wire/grouping-key.ts';
import type { Labels } from '../../wire/labels.ts';

/** One group to restore: the newest record of its key among those selected. */
export interface ArchivedRecord {
  /** 1-based line in the archive file. */
  readonly line: number;
  readonly gateway: string;
  readonly labels: Labels;
  /** push_time_seconds as archived; 0 for a group that never had a successful push. */
  readonly pushTime: number;
  /** The text body that recreates the group (set once the whole file has been read). */
  body: string;
  /** The record's group object, as JSON text, until it is turned into `body`. */
  json: string;
}

export interface ArchiveLimits {
  readonly maxLineBytes: number;
  readonly maxKeptBytes: number;
  readonly maxKept: number;
}

export interface ArchiveContents {
  /** Newest record per key, among those selected, in file order of their lines. */
  readonly records: ArchivedRecord[];
  /** Every record line read. */
  readonly total: number;
  /** Older records of a key that a newer selected record replaced. */
  readonly superseded: number;
  /** Records `select` turned down, by the reason it gave. */
  readonly dropped: ReadonlyMap<string, number>;
  /** A last line without its newline that is not a record (a write cut short), skipped. */
  readonly tornLine: number | undefined;
}

/** Decides whether a well-formed record is restored: undefined, or why not (counted). */
export type Select = (gateway: string, labels: Labels) => string | undefined;

const RECORD_FIELDS = ['archivedAt', 'gateway', 'labels', 'lastPush', 'group'] as const;
const CHUNK_BYTES = 64 * 1024;

/** The lines of a regular file, each at most `max` bytes, read in bounded chunks. */
function* fileLines(
  fd: number,
  max: number,
  where: (line: number) => string,
): Generator<{ bytes: Buffer; number: number; ended: boolean }> {
  const chunk = Buffer.alloc(CHUNK_BYTES);
  let parts: Buffer[] = [];
  let length = 0;
  let number = 1;
  for (;;) {
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    let start = 0;
    while (start < n) {
      const nl = chunk.subarray(start, n).indexOf(0x0a);
      const end = nl < 0 ? n : start + nl;
      length += end - start;
      if (length > max) {
        throw new UsageError(
          `${where(number)} is longer than --max-group-bytes ${formatByteSize(max)} (raise it if the archived groups really are that big)`,
        );
      }
      parts.push(Buffer.from(chunk.subarray(start, end)));
      if (nl < 0) break;
      yield { bytes: Buffer.concat(parts), number: number++, ended: true };
      parts = [];
      length = 0;
      start = end + 1;
    }
  }
  if (length > 0) yield { bytes: Buffer.concat(parts), number, ended: false };
}

function openRegular(path: string): number {
  const cannot = (why: string) =>
    new UsageError(`cannot read --archive-file ${showPath(path)} (${why})`);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw cannot(`${(err as NodeJS.ErrnoException).code ?? 'open failed'}: check the path`);
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw cannot('not a regular file; restore reads a file written by --archive-file');
  }
  return fd;
}

function isStringMap(v: unknown): v is Record<string, string> {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.values(v).every((x) => typeof x === 'string')
  );
}

/** The record's push time: its push_time_seconds value, 0 when it never succeeded or is odd. */
function pushTimeOf(group: Record<string, unknown>): number {
  const family = group.push_time_seconds as { metrics?: Array<{ value?: unknown }> } | undefined;
  const value = Number(family?.metrics?.[0]?.value);
  return Number.isFinite(value) && value > 0 ? value : 0;
}

/** Checks one line's shape; returns its parts or throws RebuildError with the reason. */
function parseRecord(text: string): { gateway: string; labels: Labels; group: object } {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    throw new RebuildError('not JSON');
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new RebuildError('not a JSON object');
  }
  const r = record as Record<string, unknown>;
  for (const k of Object.keys(r)) {
    if (!(RECORD_FIELDS as readonly string[]).includes(k)) {
      throw new RebuildError(`unknown field ${JSON.stringify(k)} (not a pgsweep archive record)`);
    }
  }
  for (const k of RECORD_FIELDS) {
    if (!Object.hasOwn(r, k)) throw new RebuildError(`missing field "${k}"`);
  }
  if (typeof r.gateway !== 'string') throw new RebuildError('"gateway" is not a string');
  if (!isStringMap(r.labels)) throw new RebuildError('"labels" is not a map of strings');
  if (typeof r.group !== 'object' || r.group === null || Array.isArray(r.group)) {
    throw new RebuildError('"group" is not an object');
  }
  return { gateway: r.gateway, labels: r.labels, group: r.group };
}

/**
 * Reads and checks the whole archive. `select` filters well-formed records (gateway, selectors);
 * of those, the newest by push time wins per key (the later line on a tie), and each winner must
 * rebuild exactly. Throws UsageError naming the file and line of the first problem.
 */
export function readArchive(path: string, limits: ArchiveLimits, select: Select): ArchiveContents {
  const where = (line: number) => `--archive-file ${showPath(path)} line ${line}`;
  const fd = openRegular(path);
  const kept = new Map<string, ArchivedRecord>();
  const dropped = new Map<string, number>();
  let keptBytes = 0;
  let total = 0;
  let superseded = 0;
  let tornLine: number | undefined;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for (const { bytes, number, ended } of fileLines(fd, limits.maxLineBytes, where)) {
      let text: string;
      try {
        text = decoder.decode(bytes);
      } catch {
        throw new UsageError(`${where(number)}: not UTF-8 text (is it the right file?)`);
      }
      if (text.trim() === '') continue;
      let parsed: ReturnType<typeof parseRecord>;
      try {
        parsed = parseRecord(text);
      } catch (err) {
        if (!(err instanceof RebuildError)) throw err;
        // A record cut short by a crash: its group was never deleted (the line is written first).
        if (!ended && err.message === 'not JSON') {
          tornLine = number;
          continue;
        }
        throw new UsageError(`${where(number)}: ${err.message}; nothing was restored`);
      }
      total++;
      const { gateway, labels, group } = parsed;
      const why = select(gateway, labels);
      if (why !== undefined) {
        dropped.set(why, (dropped.get(why) ?? 0) + 1);
        continue;
      }
      const id = `${gateway}\n${keyId(labels)}`;
      const pushTime = pushTimeOf(group as Record<string, unknown>);
      const before = kept.get(id);
      if (before && before.pushTime > pushTime) {
        superseded++;
        continue;
      }
      if (before) {
        superseded++;
        keptBytes -= before.json.length;
        kept.delete(id);
      }
      const json = JSON.stringify(group);
      keptBytes += json.length;
      kept.set(id, { line: number, gateway, labels, pushTime, body: '', json });
      if (kept.size > limits.maxKept) {
        throw new UsageError(
          `--archive-file ${showPath(path)} holds more than --max-groups ${limits.maxKept} groups to restore (narrow it with --selector, or raise --max-groups)`,
        );
      }
      if (keptBytes > limits.maxKeptBytes) {
        throw new UsageError(
          `the groups to restore from --archive-file ${showPath(path)} exceed --max-listing-bytes ${formatByteSize(limits.maxKeptBytes)} (narrow them with --selector, or raise --max-listing-bytes)`,
        );
      }
    }
  } finally {
    closeSync(fd);
  }
  const records = [...kept.values()].sort((a, b) => a.line - b.line);
  for (const r of records) rebuild(r, where(r.line));
  return { records, total, superseded, dropped, tornLine };
}

/** Fills `body`, or throws naming the line: a key or a family that cannot be restored exactly. */
function rebuild(r: ArchivedRecord, where: string): void {
  const hint = '; nothing was restored (leave it out with --exclude)';
  const problem = keyProblem(r.labels);
  if (problem) throw new UsageError(`${where}: ${problem.detail}${hint}`);
  try {
    r.body = groupToExposition(JSON.parse(r.json), r.labels);
  } catch (err) {
    if (!(err instanceof RebuildError)) throw err;
    throw new UsageError(`${where}: cannot be rebuilt exactly: ${err.message}${hint}`);
  }
  r.json = '';
}
