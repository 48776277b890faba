/**
 * Proxies from the environment, against real Pushgateways: HTTP_PROXY carries the sweep (the
 * proxy sees the gateway's port), NO_PROXY bypasses it, a dead proxy fails the run, and
 * HTTPS_PROXY tunnels to an HTTPS gateway still verified with --ca-file.
 * Every run sets all of HTTP(S)_PROXY/http(s)_proxy/NO_PROXY/no_proxy so the developer's shell
 * cannot interfere. Success cases are narrowed by --selector to their own stale group.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertOneLineError } from '../support/assert-output.ts';
import { makePki, type TestPki } from '../support/certs.ts';
import { runCli, sleep } from '../support/cli.ts';
import { type ForwardProxy, startForwardProxy } from '../support/forward-proxy.ts';
import { type Gateway, keySet, type Labels, startPushgateway } from '../support/pushgateway.ts';
import { type SecureGateway, startSecureGateway } from '../support/secure-gateway.ts';

const STALE_WAIT_MS = 2300;

const viaProxy: Labels = { job: 'via_proxy', run_id: 'p1' };
const bypass: Labels = { job: 'no_proxy', run_id: 'p2' };
const deadProxy: Labels = { job: 'dead_proxy', run_id: 'p3' };
const viaHttpsProxy: Labels = { job: 'via_https_proxy', run_id: 'p4' };

let dir: string;
let pki: TestPki;
let gw: Gateway;
let tlsGw: SecureGateway;
let proxy: ForwardProxy;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pgsweep-proxy-'));
  pki = makePki(dir);
  [gw, tlsGw, proxy] = await Promise.all([
    startPushgateway(),
    startSecureGateway(
      dir,
      'tls',
      { tls: { certFile: pki.serverCertFile, keyFile: pki.serverKeyFile } },
      { ca: pki.ca },
    ),
    startForwardProxy(),
  ]);
  for (const g of [viaProxy, bypass, deadProxy]) assert.equal(await gw.push(g), 200);
  assert.equal(await tlsGw.push(viaHttpsProxy), 200);
  await sleep(STALE_WAIT_MS);
});

after(async () => {
  await Promise.all([gw?.stop(), tlsGw?.stop(), proxy?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Every proxy variable, both spellings: undici reads the lower-case one first. */
function proxyEnv(http: string, https: string, noProxy: string): Record<string, string> {
  return {
    HTTP_PROXY: http,
    http_proxy: http,
    HTTPS_PROXY: https,
    https_proxy: https,
    NO_PROXY: noProxy,
    no_proxy: noProxy,
  };
}

const sweepArgs = (url: string, g: Labels, ...extra: string[]) => [
  '--url',
  url,
  '--ttl',
  '1s',
  '--selector',
  `{job="${g.job}"}`,
  ...extra,
];

const hitsFor = (port: number) =>
  proxy.hits.filter((h) => h.target === `127.0.0.1:${port}` || h.target.includes(`:${port}/`));

test('HTTP_PROXY with an empty NO_PROXY: the sweep goes through the proxy', async () => {
  const hitsBefore = proxy.hits.length;
  const result = await runCli(sweepArgs(gw.url, viaProxy), proxyEnv(proxy.url, '', ''));
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^deleted\s.*via_proxy/m);
  assert.deepEqual(keySet(await gw.keys()), keySet([bypass, deadProxy]));
  const seen = proxy.hits.slice(hitsBefore);
  assert.ok(seen.length > 0, 'the proxy saw no traffic');
  assert.deepEqual(
    seen.filter((h) => !hitsFor(gw.port).includes(h)),
    [],
    'everything through the proxy was for the gateway',
  );
});

test('NO_PROXY=127.0.0.1: the proxy sees nothing and the sweep still works', async () => {
  const hitsBefore = proxy.hits.length;
  const result = await runCli(
    sweepArgs(gw.url, bypass),
    proxyEnv(proxy.url, proxy.url, '127.0.0.1'),
  );
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^deleted\s.*no_proxy/m);
  assert.equal(proxy.hits.length, hitsBefore, JSON.stringify(proxy.hits.slice(hitsBefore)));
  assert.deepEqual(keySet(await gw.keys()), keySet([deadProxy]));
});

test('HTTP_PROXY naming a dead port: exit 1, nothing deleted, the error points at the proxy', async () => {
  // Port 9 (discard) on loopback: nothing listens there in a test environment. The gateway itself
  // is up, so the proxy (not the gateway or --url) is what the error must point at.
  const result = await runCli(sweepArgs(gw.url, deadProxy), proxyEnv('http://127.0.0.1:9', '', ''));
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, '');
  assert.deepEqual(keySet(await gw.keys()), keySet([deadProxy]));
  assertOneLineError(result, /connection refused/, /proxy|127\.0\.0\.1:9\b/i);
});

test('a proxy that refuses the tunnel (403): exit 1, the error names the proxy, not a stop', async () => {
  const refusing = createServer();
  refusing.on('connect', (_req, socket: Socket) => {
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
  const { port } = refusing.address() as AddressInfo;
  try {
    const url = `http://127.0.0.1:${port}`;
    const result = await runCli(sweepArgs(gw.url, deadProxy), proxyEnv(url, url, ''));
    assert.equal(result.code, 1, result.stderr);
    assert.deepEqual(keySet(await gw.keys()), keySet([deadProxy]));
    assertOneLineError(result, /proxy from HTTP_PROXY\/HTTPS_PROXY refused to connect .*\(403\)/);
    assert.doesNotMatch(result.stderr, /stopping/);
  } finally {
    refusing.closeAllConnections();
    await new Promise((r) => refusing.close(r));
  }
});

test('HTTPS_PROXY tunnels to an HTTPS gateway, verified with --ca-file', async () => {
  const hitsBefore = proxy.hits.length;
  const result = await runCli(
    sweepArgs(tlsGw.url, viaHttpsProxy, '--ca-file', pki.caFile),
    proxyEnv('', proxy.url, ''),
  );
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^deleted\s.*via_https_proxy/m);
  assert.deepEqual(await tlsGw.keys(), []);
  const seen = proxy.hits.slice(hitsBefore);
  assert.ok(
    seen.some((h) => h.kind === 'connect' && h.target === `127.0.0.1:${tlsGw.port}`),
    JSON.stringify(seen),
  );
});
