/**
 * Turns auth, header and TLS settings into what the HTTP client sends: reads secret and
 * certificate files (through an injected reader) and builds headers. Secrets stay in memory only;
 * errors name the file, never its content.
 */

import { UsageError } from '../core/errors.ts';
import { registerHeaderSecret, registerSecret } from '../core/redact.ts';
import type { TlsMaterial } from '../gateway/http-transport.ts';
import type { Config, SecretRef } from './config.ts';
import { MAX_SECRET_BYTES, readUserFile, showPath, UserFileError } from './read-user-file.ts';

export type ReadFile = (path: string) => Buffer;

/** The real reader: a regular file of at most 1 MiB (never a FIFO or device that could hang). */
export const readSecretFile: ReadFile = (path) => readUserFile(path, MAX_SECRET_BYTES);

function readOrFail(read: ReadFile, path: string, what: string): Buffer {
  try {
    return read(path);
  } catch (err) {
    const reason =
      err instanceof UserFileError ? err.reason : ((err as { code?: string }).code ?? '');
    // An errno code (ENOENT, EACCES) is about the path; the rest says what the file is.
    const hint =
      reason === '' || /^E[A-Z]+$/.test(reason) ? ': check the path and permissions' : '';
    throw new UsageError(
      `cannot read ${what} ${showPath(path)}${reason ? ` (${reason})` : ''}${hint}`,
    );
  }
}

function secretValue(ref: SecretRef, read: ReadFile, what: string): string {
  const source =
    ref.kind === 'env' ? ref.name : `${what} file ${showPath(ref.path)} (from ${ref.from})`;
  const raw =
    ref.kind === 'env'
      ? ref.value
      : readOrFail(read, ref.path, `${what} file from ${ref.from}`).toString('utf8');
  // Secrets usually end with a newline (echo, kubectl create secret --from-file).
  const value = raw.replace(/\r?\n$/, '');
  // Known before anything can print it; masked in every line pgsweep writes from here on.
  registerSecret(value, [what === 'password' ? 'password' : 'token']);
  if (value === '') throw new UsageError(`${source} is empty`);
  // Never echo the secret: say only what is wrong with it.
  if (/[^\t\x20-\x7e\x80-\xff]/.test(value)) {
    throw new UsageError(
      `${source} contains a line break or control character that cannot be sent in a header`,
    );
  }
  return value;
}

export interface RequestSettings {
  readonly headers: Record<string, string>;
  readonly tls: TlsMaterial;
}

export function requestSettings(config: Config, read: ReadFile): RequestSettings {
  const headers: Record<string, string> = {};
  for (const [name, value] of config.headers) headers[name] = value;
  if (config.auth?.kind === 'basic') {
    const password = secretValue(config.auth.password, read, 'password');
    registerSecret(`${config.auth.username}:${password}`);
    headers.authorization = `Basic ${Buffer.from(`${config.auth.username}:${password}`).toString('base64')}`;
  } else if (config.auth?.kind === 'bearer') {
    headers.authorization = `Bearer ${secretValue(config.auth.token, read, 'bearer token')}`;
  }
  for (const [name, value] of Object.entries(headers)) registerHeaderSecret(name, value);
  const { caFile, certFile, keyFile, insecureSkipVerify } = config.tls;
  const tls: TlsMaterial = {
    ...(caFile ? { ca: readOrFail(read, caFile, '--ca-file') } : {}),
    ...(certFile ? { cert: readOrFail(read, certFile, '--cert-file') } : {}),
    ...(keyFile ? { key: readOrFail(read, keyFile, '--key-file') } : {}),
    rejectUnauthorized: !insecureSkipVerify,
  };
  return { headers, tls };
}
