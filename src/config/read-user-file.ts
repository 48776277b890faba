/**
 * The one way pgsweep reads a file a user names (config, secrets, certificates): bounded and
 * refusing anything but a regular file, so `/dev/zero`, a FIFO with no writer, a directory or a
 * huge file is a clear usage error instead of a hang or an out-of-memory crash.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { UsageError } from '../core/errors.ts';

/** pgsweep's own settings; a hostile YAML file this size still parses in well under a second. */
export const MAX_CONFIG_BYTES = 64 * 1024;
/** Passwords, tokens, keys and CA bundles (a full public CA bundle is about 220 KiB). */
export const MAX_SECRET_BYTES = 1024 * 1024;

/** Why a file could not be read; `reason` is short and never contains the file's content. */
export class UserFileError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`cannot read ${showPath(path)} (${reason})`);
    this.name = 'UserFileError';
  }
}

/** A path as typed, quoted only when it holds characters that would break the one-line error. */
export function showPath(path: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we look for
  return /[\x00-\x1f\x7f\u2028\u2029]/.test(path) || path === '' ? JSON.stringify(path) : path;
}

function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a file';
}

const sizeText = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;

/**
 * Reads a whole regular file of at most `maxBytes`. Opens with O_NONBLOCK so a FIFO cannot block
 * the open, checks the type with fstat on the opened descriptor (no race with a rename), and reads
 * at most `maxBytes + 1` bytes whatever the size claims (files under /proc report 0).
 * Throws UserFileError.
 */
export function readUserFile(path: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(
      path,
      constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0),
    );
  } catch (err) {
    throw new UserFileError(path, (err as NodeJS.ErrnoException).code ?? 'open failed');
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new UserFileError(path, `${kindOf(stat)}, not a regular file`);
    const tooBig = () =>
      new UserFileError(path, `larger than the ${sizeText(maxBytes)} limit for this file`);
    if (stat.size > maxBytes) throw tooBig();
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > maxBytes) throw tooBig();
    }
    return buffer.subarray(0, length);
  } catch (err) {
    if (err instanceof UserFileError) throw err;
    throw new UserFileError(path, (err as NodeJS.ErrnoException).code ?? 'read failed');
  } finally {
    closeSync(fd);
  }
}

/**
 * A UTF-8 text file (the config file): bounded as above, and refused when it is not valid UTF-8
 * rather than read with replacement characters. `what` names the setting, e.g. `--config`.
 */
export function readUserText(path: string, what: string, maxBytes: number): string {
  let bytes: Buffer;
  try {
    bytes = readUserFile(path, maxBytes);
  } catch (err) {
    if (err instanceof UserFileError) {
      const hint = /^E[A-Z]+$/.test(err.reason) ? ': check the path and permissions' : '';
      throw new UsageError(`${what}: ${err.message}${hint}`);
    }
    throw err;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`${what}: ${showPath(path)} is not UTF-8 text (is it the right file?)`);
  }
}
