/**
 * Stale groups whose key the JSON listing cannot carry exactly, against a real Pushgateway 1.5.1
 * (shared/pushgateway-api.md §9, §10.2): a key that is not valid UTF-8 (it poisons the whole
 * store) is deleted by its exact bytes from the web UI, and a `U__` label name is addressed as it
 * is once /api/v1/status shows the gateway takes names literally. A recording proxy in front of
 * the gateway checks what was asked, and stands in for the web UI or the status page when they
 * must fail (a real gateway always serves them).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sweep } from '../../src/commands/sweep/sweep.ts';
import { silentLog } from '../../src/core/log.ts';
import { parseBaseUrl } from '../../src/gateway/base-url.ts';
import { createClient } from '../../src/gateway/client.ts';
import { jsonOf, runCli, type SweepJson, sleep } from '../support/cli.ts';
import {
  type ProxyDecision,
  startProxy,
  startServer,
  type TestServer,
} from '../support/fake-server.ts';
import {
  type Gateway,
  keySet,
  type Labels,
  rawRequest,
  startPushgateway,
} from '../support/pushgateway.ts';
import { basicAuthHeader, startSecureGateway } from '../support/secure-gateway.ts';

const POISON_PATH = '/metrics/job/badutf8/v/%FF';
const POISON_DELETE = '/metrics/job/badutf8/v@base64/_w';
const KEEP = { job: 'keep', instance: 'a' };

async function status(gw: Gateway, path: string): Promise<number> {
  return (await rawRequest(gw.port, 'GET', `${gw.prefix}${path}`)).status;
}

/** A sweep that leaves the `keep` and `other` groups alone, whatever their age. */
function sweepArgs(url: string, ...extra: string[]): string[] {
  return [
    '--url',
    url,
    '--ttl',
    '1s',
    '--exclude',
    '{job="keep"}',
    '--exclude',
    '{job="other"}',
    '--output',
    'json',
    '--timeout',
    '10s',
    ...extra,
  ];
}

function groupOf(doc: SweepJson, job: string) {
  return doc.groups.find((g) => g.labels.job === job);
}

/** The DELETEs of groups (the write barrier's own group aside). */
function deletesOf(proxy: TestServer): string[] {
  return proxy.requests
    .filter((r) => r.method === 'DELETE' && r.path !== '/metrics/job/pgsweep_barrier')
    .map((r) => r.path);
}

function noStack(stderr: string): void {
  assert.equal(stderr.includes('    at '), false, 'no stack trace');
}

/** Poisons a fresh gateway with a key that is not valid UTF-8, as a pusher can (spec §9). */
async function poisoned(): Promise<Gateway> {
  const gw = await startPushgateway();
  assert.equal(await gw.push(KEEP, 'keep_metric 1\n'), 200);
  const res = await rawRequest(gw.port, 'PUT', POISON_PATH, 'm 1\n');
  assert.equal(res.status, 400, 'the gateway rejects the push, and keeps a phantom');
  assert.equal(await status(gw, '/metrics'), 500, 'the store is poisoned');
  // A rejected push to a new key leaves a phantom {job="other"} (excluded from the sweeps here).
  assert.equal(await gw.push({ job: 'other' }), 400, 'every push is rejected');
  return gw;
}

describe('a stale group whose key is not valid UTF-8', () => {
  let gw: Gateway;
  let proxy: TestServer;
  before(async () => {
    gw = await poisoned();
    proxy = await startProxy(gw.port, () => 'forward');
    await sleep(2000);
  });
  after(async () => {
    await proxy?.close();
    await gw?.stop();
  });

  test('a dry run reports it as would-delete and deletes nothing', async () => {
    const result = await runCli(sweepArgs(proxy.url, '--dry-run'));
    noStack(result.stderr);
    assert.equal(result.code, 0, result.stderr);
    const g = groupOf(jsonOf(result), 'badutf8');
    assert.equal(g?.outcome, 'would-delete', JSON.stringify(g));
    assert.match(g?.detail ?? '', /<bytes ff>/);
    assert.equal(proxy.requests.filter((r) => r.method === 'DELETE').length, 0);
    assert.equal(await status(gw, '/metrics'), 500);
  });

  test('a sweep deletes it by its exact bytes, and the gateway works again', async () => {
    proxy.requests.length = 0;
    const result = await runCli(sweepArgs(proxy.url));
    noStack(result.stderr);
    assert.equal(result.code, 0, result.stderr);
    const doc = jsonOf(result);
    assert.equal(groupOf(doc, 'badutf8')?.outcome, 'deleted');
    assert.deepEqual(deletesOf(proxy), [POISON_DELETE]);
    assert.ok(
      proxy.requests.some((r) => r.method === 'GET' && r.path === '/'),
      'read the web UI',
    );
    assert.ok(
      !proxy.requests.some((r) => r.path.startsWith('/api/v1/status')),
      'no U__ name: the status page is not needed',
    );
    assert.equal(await status(gw, '/metrics'), 200);
    assert.equal(await gw.push({ job: 'new' }), 200, 'pushes are accepted again');
    assert.deepEqual(keySet(await gw.keys()), keySet([KEEP, { job: 'other' }, { job: 'new' }]));
  });
});

test('the web UI is read with the sweep credentials (basic auth)', async () => {
  // htpasswd -nbBC 10 sweeper 'correct horse battery staple'
  const hash = '$2y$10$MVj6sp088b55Et5wZ9hfi.UBuDZEEBKr9Zv.4YPBY9vw0fBWqLB2S';
  const password = 'correct horse battery staple';
  const dir = mkdtempSync(join(tmpdir(), 'pgsweep-poison-'));
  const gw = await startSecureGateway(
    dir,
    'poison',
    { basicAuthUsers: { sweeper: hash } },
    { authorization: basicAuthHeader('sweeper', password) },
  );
  try {
    assert.equal((await gw.request('PUT', POISON_PATH, 'm 1\n')).status, 400);
    assert.equal((await gw.request('GET', '/', undefined, {})).status, 401, 'the UI needs auth');
    await sleep(2000);
    const result = await runCli(
      ['--url', gw.url, '--ttl', '1s', '--username', 'sweeper', '--output', 'json'],
      { PGSWEEP_PASSWORD: password },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(groupOf(jsonOf(result), 'badutf8')?.outcome, 'deleted');
    assert.equal((await gw.request('GET', '/metrics')).status, 200);
    assert.equal(result.stderr.includes(password), false);
  } finally {
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('a poisoned group whose exact bytes cannot be found', () => {
  let gw: Gateway;
  before(async () => {
    gw = await poisoned();
    await sleep(2000);
  });
  after(async () => {
    await gw?.stop();
  });

  // The real listing, with a web UI that does not show the group (a real one always does).
  const cases: Array<[string, ProxyDecision]> = [
    ['lacks its Delete button', { status: 200, body: '<!DOCTYPE html>\n<html></html>\n' }],
    ['answers 503', { status: 503, body: 'down' }],
  ];
  for (const [what, page] of cases) {
    test(`is skipped, and the sweep exits 1 naming pgsweep doctor --fix, when the web UI ${what}`, async () => {
      const proxy = await startProxy(gw.port, (method, path) =>
        method === 'GET' && path === '/' ? page : 'forward',
      );
      try {
        const result = await runCli(sweepArgs(proxy.url));
        noStack(result.stderr);
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, /pgsweep doctor --fix/);
        const doc = jsonOf(result);
        const g = groupOf(doc, 'badutf8');
        assert.equal(g?.outcome, 'skipped');
        assert.equal(g?.reason, 'key-unrecoverable');
        assert.match(g?.detail ?? '', /pgsweep doctor --fix/);
        assert.equal(doc.gateways[0]?.ok, true, 'the gateway was swept; the result is what failed');
        assert.equal(proxy.requests.filter((r) => r.method === 'DELETE').length, 0);
        assert.equal(await status(gw, '/metrics'), 500, 'still poisoned');
      } finally {
        await proxy.close();
      }
    });
  }

  test('a dry run only warns that a real run would fail', async () => {
    const proxy = await startProxy(gw.port, (method, path) =>
      method === 'GET' && path === '/' ? { status: 200, body: '' } : 'forward',
    );
    try {
      const result = await runCli(sweepArgs(proxy.url, '--dry-run'));
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /a real run would fail: .*pgsweep doctor --fix/);
    } finally {
      await proxy.close();
    }
  });
});

describe('a poisoned key that gets a lookalike during the sweep', () => {
  let gw: Gateway;
  before(async () => {
    gw = await poisoned();
    await sleep(2000);
  });
  after(async () => {
    await gw?.stop();
  });

  test('is kept when the re-check lists two groups that look like it', async () => {
    const client = createClient({ url: parseBaseUrl(gw.url), timeoutMs: 5000, connections: 2 });
    try {
      const report = await sweep(
        client,
        {
          ttlMs: 1000,
          selectors: [],
          excludes: [],
          dryRun: false,
          recheck: true,
          concurrency: 2,
          confirmTimeoutMs: 5000,
          pages: () => client,
        },
        silentLog,
        {
          // After the web UI was read: a second key whose invalid byte differs (0xFE) is listed
          // the same way, U+FFFD, and is fresh.
          afterPlan: async (plan) => {
            assert.ok(plan.some((t) => t.labels.job === 'badutf8' && t.path !== undefined));
            const res = await rawRequest(gw.port, 'PUT', '/metrics/job/badutf8/v/%FE', 'm 1\n');
            assert.equal(res.status, 400);
          },
        },
      );
      const g = report.groups.find((r) => r.labels.job === 'badutf8');
      assert.equal(g?.outcome, 'kept', JSON.stringify(g));
      assert.equal(g?.reason, 'key-unrecoverable');
      assert.match(g?.detail ?? '', /more than once/);
      const lookalikes = (await gw.keys()).filter((k) => k.job === 'badutf8');
      assert.equal(lookalikes.length, 2, 'neither was deleted');
    } finally {
      await client.close();
    }
  });
});

describe('a stale group with a U__ label name', () => {
  let gw: Gateway;
  const U: Labels = { job: 'u', U__foo: 'bar' };
  before(async () => {
    gw = await startPushgateway();
    assert.equal(await gw.push(KEEP, 'keep_metric 1\n'), 200);
  });
  after(async () => {
    await gw?.stop();
  });

  /** Pushes the U__ group as a plain path (1.5.1 takes the name literally) and lets it go stale. */
  async function pushStale(): Promise<void> {
    const res = await rawRequest(gw.port, 'PUT', '/metrics/job/u/U__foo/bar', 'm 1\n');
    assert.equal(res.status, 200, 'Pushgateway 1.5.1 accepts a U__ label name');
    assert.deepEqual(keySet(await gw.keys()), keySet([KEEP, U]));
    await sleep(2000);
  }

  test('is deleted as it is when /api/v1/status shows names are taken literally', async () => {
    await pushStale();
    const proxy = await startProxy(gw.port, () => 'forward');
    try {
      // The JSON listing: one DELETE (the text page adds the instance="" form of this key).
      const result = await runCli(sweepArgs(proxy.url, '--listing', 'json'));
      noStack(result.stderr);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(groupOf(jsonOf(result), 'u')?.outcome, 'deleted');
      assert.deepEqual(deletesOf(proxy), ['/metrics/job/u/U__foo/bar']);
      assert.ok(proxy.requests.some((r) => r.method === 'GET' && r.path === '/api/v1/status'));
      assert.ok(
        !proxy.requests.some((r) => r.path === '/'),
        'no lossy key: the web UI is not needed',
      );
      assert.deepEqual(keySet(await gw.keys()), keySet([KEEP]));
    } finally {
      await proxy.close();
    }
  });

  const unknown: Array<[string, ProxyDecision | 'drop', RegExp]> = [
    ['answers 500', { status: 500, body: 'boom' }, /api\/v1\/status answered 500/],
    ['cannot be reached', 'drop', /api\/v1\/status failed/],
    ['is not JSON', { status: 200, body: '<html>' }, /api\/v1\/status is not JSON/],
  ];
  for (const [what, answer, why] of unknown) {
    test(`is skipped with a warning when /api/v1/status ${what}`, async () => {
      await pushStale();
      const proxy = await startProxy(gw.port, (_, path) => {
        if (path !== '/api/v1/status') return 'forward';
        if (answer === 'drop') throw new Error('connection dropped on purpose');
        return answer;
      });
      try {
        const result = await runCli(sweepArgs(proxy.url));
        noStack(result.stderr);
        assert.equal(result.code, 0, result.stderr);
        const g = groupOf(jsonOf(result), 'u');
        assert.equal(g?.outcome, 'skipped');
        assert.match(g?.detail ?? '', /U__foo/);
        assert.match(g?.detail ?? '', why);
        assert.match(result.stderr, /skipping group: label name \\"U__foo\\"/);
        assert.equal(proxy.requests.filter((r) => r.method === 'DELETE').length, 0);
        assert.deepEqual(keySet(await gw.keys()), keySet([KEEP, U]));
      } finally {
        // The dropped connection makes the proxy's handler throw: that is the point here.
        await proxy.close().catch(() => {});
      }
    });
  }

  test('a status page that wrongly says UTF-8 names are on costs a failed delete, never a wrong one', async () => {
    await pushStale();
    const on = JSON.stringify({
      status: 'success',
      data: {
        build_information: { version: '1.11.3' },
        flags: { 'push.enable-utf8-names': 'true' },
      },
    });
    const proxy = await startProxy(gw.port, (_, path) =>
      path === '/api/v1/status' ? { status: 200, body: on } : 'forward',
    );
    try {
      const result = await runCli(sweepArgs(proxy.url, '--listing', 'json'));
      noStack(result.stderr);
      // The escaped name addresses no group on 1.5.1, which takes names literally: a no-op.
      assert.deepEqual(deletesOf(proxy), ['/metrics/job/u/U__U____foo/bar']);
      assert.equal(result.code, 1, result.stderr);
      const g = groupOf(jsonOf(result), 'u');
      assert.equal(g?.outcome, 'failed');
      assert.equal(g?.reason, 'not-confirmed');
      assert.deepEqual(keySet(await gw.keys()), keySet([KEEP, U]));
    } finally {
      await proxy.close();
    }
  });
});

describe('an ordinary sweep', () => {
  test('asks for neither the web UI nor the status page', async () => {
    const gw = await startPushgateway();
    const proxy = await startProxy(gw.port, () => 'forward');
    try {
      assert.equal(await gw.push({ job: 'old', instance: 'x' }), 200);
      await sleep(2000);
      const result = await runCli(sweepArgs(proxy.url));
      assert.equal(result.code, 0, result.stderr);
      assert.equal(groupOf(jsonOf(result), 'old')?.outcome, 'deleted');
      assert.deepEqual(
        proxy.requests.filter((r) => r.path === '/' || r.path.startsWith('/api/v1/status')),
        [],
      );
    } finally {
      await proxy.close();
      await gw.stop();
    }
  });
});

/**
 * Pushgateway 1.11+ with `--push.enable-utf8-names` decodes a `U__` label name in the URL as an
 * escape (the API notes, §10.2). The Debian gateway predates that, so a scripted fake plays it: it
 * deletes the group only when the DELETE names it the way such a gateway decodes to `U__foo`.
 */
describe('a stale U__ label name on a gateway with UTF-8 names on', () => {
  test('is deleted through the escaped name, U__U____foo', async () => {
    const series = (value: string) =>
      `{"time_stamp":"2020-01-01T00:00:00Z","type":"GAUGE","metrics":[{"labels":{"U__foo":"bar","instance":"","job":"u"},"value":"${value}"}]}`;
    const group = `{"labels":{"U__foo":"bar","job":"u"},"last_push_successful":true,"push_failure_time_seconds":${series('0')},"push_time_seconds":${series('1.5e+09')}}`;
    let present = true;
    const fake = await startServer((req, res) => {
      const date = new Date().toUTCString();
      if (req.method === 'GET' && req.url === '/api/v1/metrics') {
        res.writeHead(200, { 'content-type': 'application/json', date });
        res.end(`{"status":"success","data":[${present ? group : ''}]}`);
      } else if (req.method === 'GET' && req.url === '/api/v1/status') {
        res.writeHead(200, { 'content-type': 'application/json', date });
        res.end(
          JSON.stringify({
            status: 'success',
            data: { flags: { 'push.enable-utf8-names': 'true' }, version: { version: '1.11.3' } },
          }),
        );
      } else if (req.method === 'POST' && req.url === '/metrics/job/pgsweep_barrier') {
        // The write barrier: rejected for its sample timestamp, as a real gateway does.
        res.writeHead(400).end('pushed metrics are invalid: sample timestamps are not allowed');
      } else if (req.method === 'DELETE') {
        if (req.url === '/metrics/job/u/U__U____foo/bar') present = false;
        res.writeHead(202).end();
      } else res.writeHead(404).end();
    });
    try {
      // This fake serves only the JSON listing.
      const result = await runCli(sweepArgs(fake.url, '--listing', 'json'));
      noStack(result.stderr);
      assert.equal(result.code, 0, result.stderr);
      const g = groupOf(jsonOf(result), 'u');
      assert.equal(g?.outcome, 'deleted', JSON.stringify(g));
      assert.deepEqual(deletesOf(fake), ['/metrics/job/u/U__U____foo/bar']);
      assert.equal(present, false);
    } finally {
      await fake.close();
    }
  });
});
