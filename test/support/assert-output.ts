/** Assertions on what the CLI printed, shared by the auth, TLS and proxy tests. */
import assert from 'node:assert/strict';
import type { CliResult } from './cli.ts';

/**
 * Exactly one `pgsweep: error:` line, matching every pattern; every other stderr line is a pino
 * JSON log line; no stack trace. Returns the error line.
 */
export function assertOneLineError(result: CliResult, ...patterns: RegExp[]): string {
  const lines = result.stderr.split('\n').filter((l) => l !== '');
  const errors = lines.filter((l) => l.startsWith('pgsweep: error:'));
  assert.equal(errors.length, 1, `one error line expected, stderr:\n${result.stderr}`);
  const line = errors[0] ?? '';
  for (const p of patterns) assert.match(line, p);
  for (const l of lines) {
    if (l === line) continue;
    assert.doesNotThrow(() => JSON.parse(l), `a stray non-log stderr line: ${l}`);
  }
  assert.equal(result.stderr.includes('    at '), false, 'no stack trace');
  return line;
}

/** The secret, and the Basic credentials carrying it, appear nowhere in stdout or stderr. */
export function assertNoSecret(result: CliResult, secret: string, username?: string): void {
  const forms = [secret, Buffer.from(secret).toString('base64')];
  if (username !== undefined) forms.push(Buffer.from(`${username}:${secret}`).toString('base64'));
  for (const [name, text] of [
    ['stdout', result.stdout],
    ['stderr', result.stderr],
  ] as const) {
    for (const form of forms) {
      assert.equal(text.includes(form), false, `${name} leaks the secret (as ${form}):\n${text}`);
    }
  }
}
