/** The `inspect` and `doctor` commands as a user meets them: help, usage errors, shared options. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CliResult, runCli } from '../support/cli.ts';

function assertUsageError(result: CliResult, pattern: RegExp): void {
  assert.equal(result.code, 2, result.stderr);
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line, got: ${result.stderr}`);
  assert.match(lines[0] ?? '', /^pgsweep: error: /);
  assert.match(lines[0] ?? '', pattern);
  assert.equal(result.stdout, '');
}

test('pgsweep --help lists the sweep options and the commands', async () => {
  const result = await runCli(['--help']);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /^Usage: pgsweep \[options\]\n {7}pgsweep <command> \[options\]$/m);
  assert.match(result.stdout, /--ttl <duration>/);
  assert.match(
    result.stdout,
    /^Commands:\n {2}inspect \[options\] +report what the gateway holds/m,
  );
  assert.match(result.stdout, /^ {2}doctor \[options\] +find the states that break a gateway/m);
  const viaHelp = await runCli(['help']);
  assert.equal(viaHelp.code, 0);
  assert.equal(viaHelp.stdout, result.stdout, 'pgsweep help is pgsweep --help');
});

for (const command of ['inspect', 'doctor']) {
  test(`pgsweep ${command} --help shows the shared options, examples and exit codes`, async () => {
    const result = await runCli([command, '--help']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^Usage: pgsweep ${command} \\[options\\]`));
    for (const env of ['PGSWEEP_URL', 'PGSWEEP_CONFIG', 'PGSWEEP_OUTPUT', 'PGSWEEP_TIMEOUT']) {
      assert.match(result.stdout, new RegExp(`\\[env:\\s+${env}\\]`));
    }
    for (const flag of ['--username', '--password-file', '--ca-file', '--insecure-skip-verify']) {
      assert.match(result.stdout, new RegExp(`^ {2}${flag}`, 'm'));
    }
    assert.doesNotMatch(result.stdout, /--ttl|--dry-run|--max-deletes/, 'no sweep-only options');
    assert.match(result.stdout, new RegExp(`\\$ pgsweep ${command} --url http://pushgateway:9091`));
    assert.match(result.stdout, /^Exit codes: 0 /m);
    const viaHelp = await runCli(['help', command]);
    assert.equal(viaHelp.code, 0);
    assert.equal(viaHelp.stdout, result.stdout, `pgsweep help ${command} is the same`);
  });
}

test('doctor --help documents --fix and its environment variable', async () => {
  const result = await runCli(['doctor', '--help']);
  assert.match(result.stdout, /--fix +delete the groups named as the cause/);
  assert.match(result.stdout, /\[env:\s+PGSWEEP_FIX\]/);
});

const usageErrors: Array<{ args: string[]; env?: Record<string, string>; error: RegExp }> = [
  { args: ['inspct'], error: /'inspct' is not a command .*Did you mean inspect\?/ },
  { args: ['inspect', '--ttl', '2h'], error: /unknown option '--ttl': --ttl is a sweep option/ },
  {
    args: ['--dry-run', 'doctor'],
    error: /option '--dry-run' is for the sweep; pgsweep doctor does not take it/,
  },
  { args: ['doctor', '--output', 'xml'], error: /--output: "xml" is not one of table, json/ },
  { args: ['inspect', 'extra'], error: /too many arguments for 'inspect'/ },
  { args: ['inspect', '--fix'], error: /unknown option '--fix'/ },
  {
    args: ['doctor'],
    env: { PGSWEEP_FIX: 'maybe' },
    error: /PGSWEEP_FIX="maybe" is not a boolean/,
  },
  {
    args: ['--url', 'http://127.0.0.1:1/', 'doctor', '--url', 'http://127.0.0.1:1'],
    error: /the same gateway URL is given twice/,
  },
  { args: ['inspect', '--url', 'ftp://x'], error: /--url: "ftp:\/\/x" must start with http/ },
  {
    args: ['help', 'nope'],
    error: /unknown command 'nope' \(commands: inspect, doctor, restore\)/,
  },
];

for (const c of usageErrors) {
  test(`exit 2: pgsweep ${c.args.join(' ')}`, async () => {
    assertUsageError(await runCli(c.args, c.env), c.error);
  });
}

test('connection options given before the command name apply to it', async () => {
  // Nothing listens on port 1: the error names that URL, so --url reached inspect.
  const result = await runCli(['--url', 'http://127.0.0.1:1/', '--timeout', '2s', 'inspect']);
  assert.equal(result.code, 1, result.stderr);
  assert.match(
    result.stderr,
    /^pgsweep: error: GET http:\/\/127\.0\.0\.1:1\/api\/v1\/metrics failed: connection refused/m,
  );
  assert.equal(result.stdout, '');
});

test('doctor against nothing is a runtime failure, not a diagnosis', async () => {
  const result = await runCli(['doctor', '--url', 'http://127.0.0.1:1/']);
  assert.equal(result.code, 1, result.stderr);
  assert.match(
    result.stderr,
    /^pgsweep: error: GET http:\/\/127\.0\.0\.1:1\/-\/healthy failed: connection refused/m,
  );
  assert.equal(result.stdout, '');
});
