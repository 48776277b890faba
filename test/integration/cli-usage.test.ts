/** The command line as a user meets it: usage errors, help, version. No gateway needed. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../support/cli.ts';

const reference = readFileSync(new URL('../../docs/reference.md', import.meta.url), 'utf8');
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const usageErrors: Array<{ args: string[]; env?: Record<string, string>; error: RegExp }> = [
  { args: [], error: /missing --ttl \(or PGSWEEP_TTL, or ttl in --config\).*e\.g\. --ttl 2h/ },
  { args: ['--ttl', '0'], error: /--ttl: "0" must be greater than 0/ },
  { args: ['--ttl', '3600'], error: /did you mean 3600s\?/ },
  { args: ['--ttl', '2 days'], error: /"2 days" is not a duration/ },
  { args: ['--ttl', '30m2h'], error: /largest unit first/ },
  { args: ['--ttl', '2h', '--output', 'xml'], error: /--output: "xml" is not one of table, json/ },
  {
    args: ['--ttl', '2h', '--concurrency', '0'],
    error: /--concurrency: "0" is not a whole number from 1 to 256/,
  },
  {
    args: ['--ttl', '2h', '--selector', '{job=~"("}'],
    error: /--selector: invalid regular expression/,
  },
  { args: ['--ttl', '2h', '--selector', '{job=}'], error: /--selector: expected a quoted value/ },
  { args: ['--ttl', '2h', '--url', 'ftp://x'], error: /--url: "ftp:\/\/x" must start with http/ },
  {
    args: ['--ttl', '2h', '--url', 'http://user:secret@gw:9091'],
    error: /must not contain credentials/,
  },
  { args: ['--tll', '2h'], error: /unknown option '--tll'.*Did you mean --ttl\?/ },
  { args: ['--ttl'], error: /argument missing/ },
  { args: ['sweep-now', '--ttl', '2h'], error: /too many arguments/ },
  {
    args: [],
    env: { PGSWEEP_TTL: '2h', PGSWEEP_DRY_RUN: 'maybe' },
    error: /PGSWEEP_DRY_RUN="maybe" is not a boolean/,
  },
  { args: [], env: { PGSWEEP_TTL: 'soon' }, error: /PGSWEEP_TTL: "soon" is not a duration/ },
  // A misspelt variable used to be ignored, and a real sweep ran.
  {
    args: ['--url', 'http://127.0.0.1:9'],
    env: { PGSWEEP_TTL: '2h', PGSWEEP_DRYRUN: 'true' },
    error: /unknown environment variable PGSWEEP_DRYRUN: did you mean PGSWEEP_DRY_RUN\?/,
  },
  {
    args: ['inspect', '--url', 'http://127.0.0.1:9'],
    env: { PGSWEEP_OUTPT: 'json' },
    error: /unknown environment variable PGSWEEP_OUTPT: did you mean PGSWEEP_OUTPUT\?/,
  },
];

for (const c of usageErrors) {
  test(`exit 2: ${[...Object.entries(c.env ?? {}).map(([k, v]) => `${k}=${v}`), 'pgsweep', ...c.args].join(' ')}`, async () => {
    const result = await runCli(c.args, c.env);
    assert.equal(result.code, 2, result.stderr);
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `one line, got: ${result.stderr}`);
    assert.match(lines[0] ?? '', /^pgsweep: error: /);
    assert.match(lines[0] ?? '', c.error);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr.includes('user:secret'), false, 'never echo a secret');
  });
}

test('--help lists every flag with its environment variable, and matches docs/reference.md', async () => {
  const result = await runCli(['--help']);
  assert.equal(result.code, 0);
  for (const env of [
    'PGSWEEP_URL',
    'PGSWEEP_TTL',
    'PGSWEEP_DRY_RUN',
    'PGSWEEP_CHECK',
    'PGSWEEP_SELECTOR',
    'PGSWEEP_EXCLUDE',
    'PGSWEEP_OUTPUT',
    'PGSWEEP_CONCURRENCY',
    'PGSWEEP_TIMEOUT',
    'PGSWEEP_LOG_LEVEL',
    'PGSWEEP_NO_RECHECK',
  ]) {
    assert.match(result.stdout, new RegExp(`\\[env:\\s+${env}\\]`));
  }
  const block = /<!-- help:start -->\n```text\n([\s\S]*?)```\n<!-- help:end -->/.exec(reference);
  assert.ok(block, 'docs/reference.md has a help block between help:start and help:end');
  assert.equal(block[1], result.stdout, 'the help block is the exact --help output');
});

test('--version prints the package version', async () => {
  const result = await runCli(['--version']);
  assert.equal(result.code, 0);
  assert.equal(result.stdout.trim(), pkg.version);
});

/** The packages a run loaded, from Node's CommonJS loader trace. */
function loadedPackages(stderr: string): Set<string> {
  return new Set(
    [...stderr.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].map((m) => m[1] ?? ''),
  );
}

test('a plain run loads no config, schedule or terminal dependencies; --config loads them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgsweep-lazy-'));
  const config = join(dir, 'pgsweep.yaml');
  writeFileSync(config, 'ttl: 2h\nlisting: text\n');
  const lazy = ['zod', 'yaml', 'cron-parser', 'pino-pretty'];
  // Port 1 refuses at once: the run gets as far as listing, then fails.
  const url = ['--url', 'http://127.0.0.1:1'];
  const plain = await runCli(['--ttl', '2h', ...url], { NODE_DEBUG: 'module' });
  assert.equal(plain.code, 1, plain.stderr.slice(-500));
  const loaded = loadedPackages(plain.stderr);
  assert.ok(loaded.has('undici'), 'the trace shows loaded packages');
  for (const name of lazy) assert.equal(loaded.has(name), false, `${name} was loaded`);
  const withConfig = await runCli(['--config', config, ...url], { NODE_DEBUG: 'module' });
  assert.equal(withConfig.code, 1, withConfig.stderr.slice(-500));
  for (const name of ['zod', 'yaml'])
    assert.ok(loadedPackages(withConfig.stderr).has(name), `${name} was not loaded`);
});
