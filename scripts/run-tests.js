#!/usr/bin/env node
// Node 20 does not expand globs in `--test` arguments, so collect the files here
// (arguments are directories, searched for *.test.ts, or single files).
// Every test runs under a timeout, and the whole run under a longer one, so a hang fails the run
// instead of stalling CI.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One test (an `it`/`test` or a whole `describe`) may take this long. */
const TEST_TIMEOUT_MS = Number(process.env.PGSWEEP_TEST_TIMEOUT_MS ?? 180_000);
/** The whole run may take this long. */
const RUN_TIMEOUT_MS = Number(process.env.PGSWEEP_RUN_TIMEOUT_MS ?? 45 * 60_000);

function collect(dir) {
  if (!statSync(dir).isDirectory()) return [dir];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return collect(path);
      return name.endsWith('.test.ts') ? [path] : [];
    });
}

const dirs = process.argv.slice(2);
const files = dirs.flatMap(collect);
if (files.length === 0) {
  console.error(`no test files found under ${dirs.join(', ')}`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-timeout=${TEST_TIMEOUT_MS}`, ...files],
  { stdio: 'inherit', timeout: RUN_TIMEOUT_MS, killSignal: 'SIGKILL' },
);
if (result.error?.code === 'ETIMEDOUT') {
  console.error(`tests did not finish within ${RUN_TIMEOUT_MS / 60_000} minutes: killed`);
  process.exit(1);
}
process.exit(result.status ?? 1);
