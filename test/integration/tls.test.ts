/**
 * Against real Pushgateways serving HTTPS (`--web.config.file` with `tls_server_config`), with a
 * CA, server and client certificates generated at test time by the openssl CLI:
 * - server TLS only: an untrusted certificate stops the run with a one-line error that names the
 *   problem and --ca-file; --ca-file sweeps; --insecure-skip-verify sweeps with a warning;
 * - mutual TLS (RequireAndVerifyClientCert): no client certificate is a clear error; with
 *   --cert-file/--key-file it sweeps;
 * - TLS plus basic auth: a wrong password is refused over TLS; the right one sweeps.
 * Success cases are narrowed by --selector to their own stale group.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertNoSecret, assertOneLineError } from '../support/assert-output.ts';
import { makePki, type TestPki } from '../support/certs.ts';
import { jsonOf, runCli, sleep } from '../support/cli.ts';
import { keySet, type Labels } from '../support/pushgateway.ts';
import {
  basicAuthHeader,
  type SecureGateway,
  startSecureGateway,
} from '../support/secure-gateway.ts';

const STALE_WAIT_MS = 2300;

const USERNAME = 'sweeper';
const PASSWORD = 'correct horse battery staple';
const BCRYPT_HASH = '$2y$10$MVj6sp088b55Et5wZ9hfi.UBuDZEEBKr9Zv.4YPBY9vw0fBWqLB2S';

const withCa: Labels = { job: 'tls_ca', run_id: 't1' };
const insecure: Labels = { job: 'tls_insecure', run_id: 't2' };
const mutual: Labels = { job: 'tls_mutual', run_id: 't3' };
const tlsAuth: Labels = { job: 'tls_auth', run_id: 't4' };

let dir: string;
let pki: TestPki;
let tlsGw: SecureGateway;
let mtlsGw: SecureGateway;
let authGw: SecureGateway;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pgsweep-tls-'));
  pki = makePki(dir);
  const server = { certFile: pki.serverCertFile, keyFile: pki.serverKeyFile };
  [tlsGw, mtlsGw, authGw] = await Promise.all([
    startSecureGateway(dir, 'tls', { tls: server }, { ca: pki.ca }),
    startSecureGateway(
      dir,
      'mtls',
      {
        tls: {
          ...server,
          clientAuthType: 'RequireAndVerifyClientCert',
          clientCaFile: pki.caFile,
        },
      },
      { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey },
    ),
    startSecureGateway(
      dir,
      'tls-auth',
      { tls: server, basicAuthUsers: { [USERNAME]: BCRYPT_HASH } },
      { ca: pki.ca, authorization: basicAuthHeader(USERNAME, PASSWORD) },
    ),
  ]);
  assert.equal(await tlsGw.push(withCa), 200);
  assert.equal(await tlsGw.push(insecure), 200);
  assert.equal(await mtlsGw.push(mutual), 200);
  assert.equal(await authGw.push(tlsAuth), 200);
  await sleep(STALE_WAIT_MS);
});

after(async () => {
  await Promise.all([tlsGw?.stop(), mtlsGw?.stop(), authGw?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const sweepArgs = (gw: SecureGateway, g: Labels, ...extra: string[]) => [
  '--url',
  gw.url,
  '--ttl',
  '1s',
  '--selector',
  `{job="${g.job}"}`,
  ...extra,
];

test('the gateways serve HTTPS only, and mutual TLS really needs a client certificate (test setup)', async () => {
  assert.match(tlsGw.url, /^https:\/\/127\.0\.0\.1:\d+\/$/);
  const plain = await fetch(`http://127.0.0.1:${tlsGw.port}/-/healthy`);
  assert.equal(plain.status, 400, 'plain HTTP to the TLS port is refused');
  await assert.rejects(mtlsGw.request('GET', '/-/healthy', undefined, { ca: pki.ca }));
  assert.deepEqual(keySet(await tlsGw.keys()), keySet([withCa, insecure]));
});

test('an untrusted gateway certificate: exit 1, one line naming the problem and --ca-file', async () => {
  const result = await runCli(sweepArgs(tlsGw, withCa));
  assert.equal(result.code, 1, result.stderr);
  assertOneLineError(
    result,
    /TLS/,
    /certificate/,
    /not signed by a trusted CA|untrusted|not trusted/,
    /--ca-file/,
  );
  assert.equal(result.stdout, '');
  assert.deepEqual(keySet(await tlsGw.keys()), keySet([withCa, insecure]));
});

test('--ca-file: the stale group is deleted over HTTPS', async () => {
  const result = await runCli(
    sweepArgs(tlsGw, withCa, '--ca-file', pki.caFile, '--output', 'json'),
  );
  assert.equal(result.code, 0, result.stderr);
  const doc = jsonOf(result);
  assert.equal(doc.summary.deleted, 1);
  assert.deepEqual(
    doc.groups.map((g) => [g.labels, g.outcome]),
    [[withCa, 'deleted']],
  );
  assert.deepEqual(keySet(await tlsGw.keys()), keySet([insecure]));
});

test('--insecure-skip-verify: sweeps without the CA, and warns on stderr', async () => {
  const result = await runCli(sweepArgs(tlsGw, insecure, '--insecure-skip-verify'));
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stderr,
    /"level":40,.*--insecure-skip-verify: the gateway certificate is NOT verified/,
  );
  assert.match(result.stdout, /deleted 1,/);
  assert.deepEqual(await tlsGw.keys(), []);
});

test('mutual TLS without a client certificate: exit 1, a clear one-line error, nothing deleted', async () => {
  const result = await runCli(sweepArgs(mtlsGw, mutual, '--ca-file', pki.caFile));
  assert.equal(result.code, 1, result.stderr);
  // The gateway closes the connection after the TLS 1.3 handshake: the error must say why.
  assertOneLineError(result, /client certificate|--cert-file/);
  assert.equal(result.stdout, '');
  assert.deepEqual(keySet(await mtlsGw.keys()), keySet([mutual]));
});

test('mutual TLS with --cert-file and --key-file: the stale group is deleted', async () => {
  const result = await runCli(
    sweepArgs(
      mtlsGw,
      mutual,
      '--ca-file',
      pki.caFile,
      '--cert-file',
      pki.clientCertFile,
      '--key-file',
      pki.clientKeyFile,
    ),
  );
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^deleted\s.*tls_mutual/m);
  assert.deepEqual(await mtlsGw.keys(), []);
});

test('TLS plus basic auth: a wrong password is refused, nothing deleted, nothing leaked', async () => {
  const result = await runCli(
    sweepArgs(
      authGw,
      tlsAuth,
      '--ca-file',
      pki.caFile,
      '--username',
      USERNAME,
      '--log-level',
      'trace',
    ),
    { PGSWEEP_PASSWORD: 'not the password' },
  );
  assert.equal(result.code, 1, result.stderr);
  assertOneLineError(result, /401/, /check your credentials/);
  assertNoSecret(result, 'not the password', USERNAME);
  assert.deepEqual(keySet(await authGw.keys()), keySet([tlsAuth]));
});

test('TLS plus basic auth: --ca-file and the right password sweep', async () => {
  const result = await runCli(
    sweepArgs(
      authGw,
      tlsAuth,
      '--ca-file',
      pki.caFile,
      '--username',
      USERNAME,
      '--log-level',
      'trace',
    ),
    { PGSWEEP_PASSWORD: PASSWORD },
  );
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /deleted 1,/);
  assertNoSecret(result, PASSWORD, USERNAME);
  assert.deepEqual(await authGw.keys(), []);
});
