/** Shared by the unit tests: runs `fn` and asserts it throws a UsageError (exit 2) matching `message`. */
import assert from 'node:assert/strict';
import { ExitCode, UsageError } from '../../src/core/errors.ts';

export function usageError(fn: () => unknown, message?: RegExp): UsageError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof UsageError, `expected UsageError, got ${String(caught)}`);
  assert.equal(caught.exitCode, ExitCode.usage);
  if (message) assert.match(caught.message, message);
  return caught;
}
