/**
 * Against a real Pushgateway with basic auth (`--web.config.file` with `basic_auth_users`): no or
 * wrong credentials stop the run before any delete with a one-line error; the right password from
 * --password-file or PGSWEEP_PASSWORD sweeps; the password is never printed, at any log level, in
 * any output format, on success or failure, nor by --help.
 * Tests run in order and share one gateway; every success case is narrowed by --selector to its
 * own stale group, so each test states the exact end state it expects.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertNoSecret, assertOneLineError } from '../support/assert-output.ts';
import { jsonOf, runCli, sleep } from '../support/cli.ts';
import { keySet, type Labels } from '../support/pushgateway.ts';
import {
  basicAuthHeader,
  type SecureGateway,
  startSecureGateway,
} from '../support/secure-gateway.ts';

const USERNAME = 'sweeper';
const PASSWORD = 'correct horse battery staple';
const WRONG_PASSWORD = 'incorrect donkey battery stapler';
// htpasswd -nbBC 10 sweeper 'correct horse battery staple'
const BCRYPT_HASH = '$2y$10$MVj6sp088b55Et5wZ9hfi.UBuDZEEBKr9Zv.4YPBY9vw0fBWqLB2S';

/** Ages come from the gateway's Date header, truncated to seconds: 2.3 s is safely over 1 s. */
const STALE_WAIT_MS = 2300;

const viaFile: Labels = { job: 'auth_file', run_id: 'a1' };
const viaEnv: Labels = { job: 'auth_env', run_id: 'a2' };
const viaTrace: Labels = { job: 'auth_trace', run_id: 'a3' };

let dir: string;
let gw: SecureGateway;
let passwordFile: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pgsweep-auth-'));
  passwordFile = join(dir, 'password');
  // As `echo ... > file` or a Kubernetes secret would write it: with a trailing newline.
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  gw = await startSecureGateway(
    dir,
    'auth',
    { basicAuthUsers: { [USERNAME]: BCRYPT_HASH } },
    { authorization: basicAuthHeader(USERNAME, PASSWORD) },
  );
  for (const g of [viaFile, viaEnv, viaTrace]) assert.equal(await gw.push(g), 200);
  await sleep(STALE_WAIT_MS);
});

after(async () => {
  await gw?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const sweepArgs = (...extra: string[]) => ['--url', gw.url, '--ttl', '1s', ...extra];
const selectorFor = (g: Labels) => ['--selector', `{job="${g.job}"}`];

test('the gateway really enforces basic auth (test setup)', async () => {
  assert.equal((await gw.request('GET', '/api/v1/metrics', undefined, {})).status, 401);
  const wrong = { authorization: basicAuthHeader(USERNAME, WRONG_PASSWORD) };
  assert.equal((await gw.request('GET', '/api/v1/metrics', undefined, wrong)).status, 401);
  assert.deepEqual(keySet(await gw.keys()), keySet([viaFile, viaEnv, viaTrace]));
});

test('no credentials: exit 1, one-line error about credentials, nothing deleted', async () => {
  const result = await runCli(sweepArgs(), { PGSWEEP_PASSWORD: '' });
  assert.equal(result.code, 1, result.stderr);
  assertOneLineError(result, /401/, /check your credentials/);
  assert.equal(result.stdout, '', 'a run that could not list prints no result');
  assert.deepEqual(keySet(await gw.keys()), keySet([viaFile, viaEnv, viaTrace]));
});

test('wrong password from PGSWEEP_PASSWORD: exit 1, same error, nothing deleted or leaked', async () => {
  const result = await runCli(
    sweepArgs('--username', USERNAME, '--log-level', 'trace', '--output', 'json'),
    { PGSWEEP_PASSWORD: WRONG_PASSWORD },
  );
  assert.equal(result.code, 1, result.stderr);
  assertOneLineError(result, /401/, /check your credentials/);
  assertNoSecret(result, WRONG_PASSWORD, USERNAME);
  assertNoSecret(result, PASSWORD, USERNAME);
  assert.deepEqual(keySet(await gw.keys()), keySet([viaFile, viaEnv, viaTrace]));
});

test('right password, wrong user, from --password-file: exit 1, the password not leaked', async () => {
  const result = await runCli(
    sweepArgs(
      '--username',
      'sweeperx',
      '--password-file',
      passwordFile,
      '--log-level',
      'trace',
      '--output',
      'json',
    ),
  );
  assert.equal(result.code, 1, result.stderr);
  assertOneLineError(result, /check your credentials/);
  assertNoSecret(result, PASSWORD, 'sweeperx');
  assert.deepEqual(keySet(await gw.keys()), keySet([viaFile, viaEnv, viaTrace]));
});

test('right password from --password-file (trailing newline): the stale group is deleted', async () => {
  const result = await runCli(
    sweepArgs(
      '--username',
      USERNAME,
      '--password-file',
      passwordFile,
      '--output',
      'json',
      ...selectorFor(viaFile),
    ),
  );
  assert.equal(result.code, 0, result.stderr);
  const doc = jsonOf(result);
  assert.equal(doc.summary.deleted, 1);
  assert.equal(doc.summary.failed, 0);
  assert.deepEqual(
    doc.groups.map((g) => [g.labels, g.outcome]),
    [[viaFile, 'deleted']],
  );
  assertNoSecret(result, PASSWORD, USERNAME);
  assert.deepEqual(keySet(await gw.keys()), keySet([viaEnv, viaTrace]));
});

test('right password from PGSWEEP_PASSWORD (user from PGSWEEP_USERNAME): deleted', async () => {
  const result = await runCli(sweepArgs(...selectorFor(viaEnv)), {
    PGSWEEP_USERNAME: USERNAME,
    PGSWEEP_PASSWORD: PASSWORD,
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^deleted\s.*auth_env/m);
  assert.match(result.stdout, /deleted 1,/);
  assertNoSecret(result, PASSWORD, USERNAME);
  assert.deepEqual(keySet(await gw.keys()), keySet([viaTrace]));
});

test('--log-level trace --output json on a successful sweep never prints the password', async () => {
  const result = await runCli(
    sweepArgs(
      '--username',
      USERNAME,
      '--log-level',
      'trace',
      '--output',
      'json',
      ...selectorFor(viaTrace),
    ),
    { PGSWEEP_PASSWORD: PASSWORD },
  );
  assert.equal(result.code, 0, result.stderr);
  // Debug lines (pino level 20) prove the verbose logging really ran.
  assert.match(result.stderr, /"level":20/);
  assert.equal(jsonOf(result).summary.deleted, 1);
  assertNoSecret(result, PASSWORD, USERNAME);
  assert.deepEqual(await gw.keys(), []);
});

test('a usage error with the password set does not print it', async () => {
  const result = await runCli(
    ['--url', gw.url, '--ttl', 'soon', '--username', USERNAME, '--log-level', 'trace'],
    { PGSWEEP_PASSWORD: PASSWORD },
  );
  assert.equal(result.code, 2, result.stderr);
  assertOneLineError(result, /--ttl/);
  assertNoSecret(result, PASSWORD, USERNAME);
});

test('a password file with a second line is refused without echoing it', async () => {
  const twoLines = join(dir, 'password-two-lines');
  writeFileSync(twoLines, `${PASSWORD}\n${WRONG_PASSWORD}\n`, { mode: 0o600 });
  const result = await runCli(
    sweepArgs('--username', USERNAME, '--password-file', twoLines, '--log-level', 'trace'),
  );
  assert.equal(result.code, 2, result.stderr);
  assertOneLineError(result, /line break/);
  assertNoSecret(result, PASSWORD, USERNAME);
  assertNoSecret(result, WRONG_PASSWORD, USERNAME);
});

test('--help never shows the password, whether from the environment or a file', async () => {
  const result = await runCli(['--help', '--username', USERNAME, '--password-file', passwordFile], {
    PGSWEEP_PASSWORD: PASSWORD,
    PGSWEEP_USERNAME: USERNAME,
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /--password-file <path>/);
  assertNoSecret(result, PASSWORD, USERNAME);
});
