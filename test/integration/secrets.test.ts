/**
 * No secret in any output. A loopback fake gateway that echoes every credential it was sent (and
 * the URL) in its 500 listing body and its 400 DELETE body, as some servers and proxies do; behind
 * a proxy with userinfo, it also echoes the Proxy-Authorization the proxy saw. The bearer token,
 * the basic-auth password (also as base64 of user:password), a --header value and the proxy's
 * password must appear nowhere in stdout or stderr: table and JSON, at --log-level debug. Also:
 * unknown options and bad --url values are never echoed with their secret part.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertNoSecret } from '../support/assert-output.ts';
import { type CliResult, runCli } from '../support/cli.ts';
import { listedGroup, startServer, type TestServer } from '../support/fake-server.ts';

const TOKEN = 'tok-9f8e7d6c5b4a';
const USER = 'sweeper';
const PASSWORD = 'pw-Zx81!quux';
const API_KEY = 's3cret';
const PROXY_USER = 'pu';
const PROXY_PASSWORD = 'pr0xy@pass';

const staleGroup = listedGroup({ job: 'stale_job' }, '1.5e+09');

/** What the proxy last saw in Proxy-Authorization (the fake gateway echoes it too). */
let proxySaw = '';

/** Every credential of the request, plain and decoded, first (error bodies are shortened). */
function echo(req: IncomingMessage): string {
  const h = req.headers;
  const basic = /^Basic (\S+)$/.exec(h.authorization ?? '')?.[1];
  const proxyBasic = /^Basic (\S+)$/.exec(proxySaw)?.[1];
  const parts = [
    h.authorization && `auth=${h.authorization}`,
    basic && `dec=${Buffer.from(basic, 'base64').toString()}`,
    h['x-api-key'] && `key=${h['x-api-key']}`,
    proxySaw && `px=${proxySaw}`,
    proxyBasic && `pxdec=${Buffer.from(proxyBasic, 'base64').toString()}`,
    `url=${req.url}`,
  ];
  return `${parts.filter(Boolean).join(' ')} ${JSON.stringify(h)}`;
}

let dir: string;
let listingFails: TestServer;
let deleteFails: TestServer;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pgsweep-secrets-'));
  writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
  listingFails = await startServer((req, res) => {
    res.writeHead(500).end(echo(req));
  });
  deleteFails = await startServer((req, res) => {
    if (req.method === 'GET') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: 'success', data: [staleGroup] }));
      return;
    }
    res.writeHead(req.method === 'DELETE' ? 400 : 405).end(echo(req));
  });
});

after(async () => {
  await Promise.all([listingFails?.close(), deleteFails?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The secret in every form it could be printed: as is, JSON-escaped, percent-encoded, base64. */
function assertNowhere(result: CliResult, secret: string, username?: string): void {
  assertNoSecret(result, secret, username);
  for (const form of [JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]) {
    assertNoSecret(result, form);
  }
}

const credentials: Array<{
  name: string;
  args: string[];
  env: Record<string, string>;
  secret: string;
  username?: string;
}> = [
  {
    name: '--bearer-token-file',
    args: ['--bearer-token-file', 'TOKEN_FILE'],
    env: {},
    secret: TOKEN,
  },
  {
    name: '--username with PGSWEEP_PASSWORD',
    args: ['--username', USER],
    env: { PGSWEEP_PASSWORD: PASSWORD },
    secret: PASSWORD,
    username: USER,
  },
  {
    name: '--header X-Api-Key',
    args: ['--header', `X-Api-Key: ${API_KEY}`],
    env: {},
    secret: API_KEY,
  },
];

describe('a gateway that echoes the credentials in its error bodies', () => {
  for (const c of credentials) {
    for (const output of ['table', 'json']) {
      test(`${c.name}, --output ${output}: the listing's 500 and the DELETE's 400`, async () => {
        const args = c.args.map((a) => (a === 'TOKEN_FILE' ? join(dir, 'token') : a));
        const common = ['--ttl', '1s', '--output', output, '--log-level', 'debug', ...args];
        const listing = await runCli(['--url', listingFails.url, ...common], c.env);
        assert.equal(listing.code, 1, listing.stderr);
        // The echo is quoted (so the test can fail), only its secret is masked.
        assert.match(listing.stderr, /answered 500 \(.*\*\*\*/);
        assertNowhere(listing, c.secret, c.username);

        const del = await runCli(['--url', deleteFails.url, ...common], c.env);
        assert.equal(del.code, 1, del.stderr);
        // The table leaves the detail to the error log line; JSON carries it too.
        assert.match(del.stderr, /answered 400: .*\*\*\*/);
        if (output === 'json') {
          assert.match(del.stdout, /answered 400: .*\*\*\*/);
          assert.doesNotThrow(() => JSON.parse(del.stdout), 'still one JSON document');
        }
        assertNowhere(del, c.secret, c.username);
      });
    }
  }
});

/**
 * A CONNECT proxy that records the Proxy-Authorization it is sent and tunnels to the target; the
 * fake gateway behind it echoes that value, as a leaky proxy chain would.
 */
async function startRecordingProxy(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => res.writeHead(405).end());
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    proxySaw = req.headers['proxy-authorization'] ?? '';
    const [host, port] = [(req.url ?? '').replace(/:\d+$/, ''), Number(req.url?.split(':').pop())];
    const upstream = connect(port, host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

test('proxy credentials from HTTP_PROXY userinfo are masked in every output', async () => {
  const proxy = await startRecordingProxy();
  try {
    const proxyUrl = `http://${PROXY_USER}:${encodeURIComponent(PROXY_PASSWORD)}@127.0.0.1:${proxy.port}`;
    const env = { HTTP_PROXY: proxyUrl, http_proxy: proxyUrl, NO_PROXY: '', no_proxy: '' };
    for (const output of ['table', 'json']) {
      for (const server of [listingFails, deleteFails]) {
        proxySaw = '';
        const result = await runCli(
          ['--url', server.url, '--ttl', '1s', '--output', output, '--log-level', 'debug'],
          env,
        );
        assert.equal(result.code, 1, result.stderr);
        assert.ok(proxySaw.startsWith('Basic '), 'the request went through the proxy');
        assert.match(`${result.stdout}${result.stderr}`, /px=(Basic )?\*\*\*/);
        assertNowhere(result, PROXY_PASSWORD, PROXY_USER);
      }
    }
  } finally {
    await proxy.close();
  }
});

test('an unknown option is named without its value', async () => {
  for (const arg of ['--password=hunter2', '-phunter2']) {
    const result = await runCli(['--ttl', '1h', arg]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown option '--?p(assword)?'/);
    assertNowhere(result, 'hunter2');
  }
});

test('--url userinfo, query and fragment are never echoed', async () => {
  for (const url of [
    'http://u:p4ss@h',
    'http://u:p4ss@h:99999',
    'u:p4ss@h:9091',
    'http://h:9091/?token=p4ss',
    'http://h:9091/#p4ss',
  ]) {
    const result = await runCli(['--url', url, '--ttl', '1h']);
    assert.equal(result.code, 2, url);
    assert.match(result.stderr, /^pgsweep: error: --url/);
    assertNowhere(result, 'p4ss');
  }
});
