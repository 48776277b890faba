/**
 * Failures a real gateway cannot produce on demand, injected by a loopback fake or a proxy in front
 * of a real gateway. Each must end with a one-line error, exit 1, and no wrongful DELETE.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { jsonOf, runCli, sleep } from '../support/cli.ts';
import { listedGroup, startProxy, startServer, type TestServer } from '../support/fake-server.ts';
import { type Gateway, keySet, startPushgateway } from '../support/pushgateway.ts';

const validGroup = listedGroup({ job: 'stale_job' }, '1.5e+09');
const validBody = JSON.stringify({ status: 'success', data: [validGroup] });

function assertOneLineError(stderr: string, pattern: RegExp): void {
  const errors = stderr.split('\n').filter((l) => l.startsWith('pgsweep: error:'));
  assert.equal(errors.length, 1, stderr);
  assert.match(errors[0] ?? '', pattern);
  assert.equal(stderr.includes('    at '), false, 'no stack trace');
}

describe('a listing pgsweep must not act on', () => {
  const cases: Array<{ name: string; respond: Parameters<typeof startServer>[0]; error: RegExp }> =
    [
      {
        name: 'truncated JSON',
        respond: (_req, res) =>
          res.writeHead(200, { 'content-type': 'application/json' }).end(validBody.slice(0, -40)),
        error: /bad listing .*not valid JSON.*nothing was deleted/,
      },
      {
        // JSON.parse refuses it; the damage is all in a family pgsweep does not read, and the
        // group would be deleted (push time 1, --ttl 1h) if it were read.
        name: 'invalid JSON inside a member the parser skips',
        respond: (_req, res) =>
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(
              '{"status":"success","data":[{"labels":{"job":"a"},"x":{"y":tru,"z":[1},"v":{],"w":"\\q\\u0001"},"push_time_seconds":{"metrics":[{"value":"1"}]}}]}',
            ),
        error: /bad listing .*not valid JSON: unexpected .* at byte \d+.*nothing was deleted/,
      },
      {
        name: 'an HTML page with status 200',
        respond: (_req, res) =>
          res
            .writeHead(200, { 'content-type': 'text/html' })
            .end('<html><body>Login</body></html>'),
        error: /looks like HTML/,
      },
      {
        name: 'JSON of the wrong shape',
        respond: (_req, res) =>
          res.writeHead(200).end(JSON.stringify({ status: 'success', data: { groups: [] } })),
        error: /no "data" array/,
      },
      {
        name: 'a group that is not an object',
        respond: (_req, res) =>
          res.writeHead(200).end(JSON.stringify({ status: 'success', data: [validGroup, 'x'] })),
        error: /a group in the listing is string/,
      },
      {
        name: 'an error envelope',
        respond: (_req, res) =>
          res.writeHead(200).end(JSON.stringify({ status: 'error', error: 'boom' })),
        error: /listing status is "error": boom/,
      },
      {
        name: 'a 500',
        respond: (_req, res) => res.writeHead(500).end('write queue is full'),
        error: /answered 500 \(write queue is full\)/,
      },
      {
        name: 'a redirect',
        respond: (_req, res) => res.writeHead(301, { location: '/elsewhere/api/v1/metrics' }).end(),
        error:
          /redirected \(301 to \/elsewhere\/api\/v1\/metrics\); pgsweep never follows redirects/,
      },
      {
        name: 'a connection reset mid-body',
        respond: (req, res) => {
          res.writeHead(200, { 'content-length': String(validBody.length) });
          res.write(validBody.slice(0, 20));
          setTimeout(() => req.socket.destroy(), 20);
        },
        error: /listing from .* was cut off/,
      },
      {
        name: 'a listing that stalls',
        respond: (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"status":"success","data":[');
        },
        error: /timed out after 3s/,
      },
    ];

  for (const c of cases) {
    test(c.name, async () => {
      const server = await startServer(c.respond);
      try {
        const result = await runCli(['--url', server.url, '--ttl', '1h', '--timeout', '3s']);
        assert.equal(result.code, 1, result.stderr);
        assertOneLineError(result.stderr, c.error);
        assert.equal(result.stdout, '');
        assert.deepEqual(
          server.requests.filter((r) => r.method !== 'GET'),
          [],
          'no DELETE was sent',
        );
      } finally {
        await server.close();
      }
    });
  }

  test('an unreachable gateway', async () => {
    const server = await startServer(() => {});
    const url = server.url;
    await server.close();
    const result = await runCli(['--url', url, '--ttl', '1h']);
    assert.equal(result.code, 1);
    assertOneLineError(
      result.stderr,
      /connection refused \(is the Pushgateway running, and is --url right\?\)/,
    );
  });
});

describe('a group whose push time cannot be trusted is kept', () => {
  test('NaN, +Inf, negative and future push times are reported and never deleted', async () => {
    const group = (job: string, value: string) => ({
      ...validGroup,
      labels: { job },
      push_time_seconds: {
        ...validGroup.push_time_seconds,
        metrics: [{ labels: { job, instance: '' }, value }],
      },
    });
    const body = JSON.stringify({
      status: 'success',
      data: [
        group('nan', 'NaN'),
        group('inf', '+Inf'),
        group('neg', '-5'),
        group('future', '1e+300'),
        group('old', '1.5e+09'),
      ],
    });
    const server = await startServer((req, res) => {
      if (req.method === 'GET')
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      else res.writeHead(202).end();
    });
    try {
      const result = await runCli([
        '--url',
        server.url,
        '--ttl',
        '1h',
        '--dry-run',
        '--output',
        'json',
      ]);
      assert.equal(result.code, 0, result.stderr);
      const doc = jsonOf(result);
      const outcome = Object.fromEntries(
        doc.groups.map((g) => [g.labels.job, `${g.outcome}/${g.reason}`]),
      );
      assert.deepEqual(outcome, {
        nan: 'skipped/invalid-push-time',
        inf: 'skipped/invalid-push-time',
        neg: 'skipped/invalid-push-time',
        future: 'kept/future-push-time',
        old: 'would-delete/stale',
      });
      assert.match(result.stderr, /skipping group/);
      assert.deepEqual(
        server.requests.filter((r) => r.method === 'DELETE'),
        [],
      );
    } finally {
      await server.close();
    }
  });
});

describe('deletes that fail, against a real gateway behind a proxy', () => {
  let gw: Gateway;
  const doomed = { job: 'doomed', run_id: 'd1' };
  const fine = { job: 'fine', run_id: 'f1' };
  const swallowed = { job: 'swallowed', run_id: 's1' };
  let proxy: TestServer;

  before(async () => {
    gw = await startPushgateway();
    for (const g of [doomed, fine, swallowed]) assert.equal(await gw.push(g), 200);
    await sleep(2300);
  });
  after(async () => {
    await proxy?.close();
    await gw?.stop();
  });

  test('a non-202 DELETE fails that group, the rest are deleted, exit 1', async () => {
    proxy = await startProxy(gw.port, (method, path) =>
      method === 'DELETE' && path.includes('doomed')
        ? { status: 500, body: 'injected failure' }
        : 'forward',
    );
    const result = await runCli([
      '--url',
      proxy.url,
      '--ttl',
      '1s',
      '--output',
      'json',
      '--selector',
      '{job=~"doomed|fine"}',
    ]);
    assert.equal(result.code, 1, result.stderr);
    const doc = jsonOf(result);
    assert.equal(doc.summary.failed, 1);
    assert.equal(doc.summary.deleted, 1);
    const failed = doc.groups.find((g) => g.outcome === 'failed');
    assert.equal(failed?.reason, 'delete-rejected');
    assert.match(failed?.detail ?? '', /DELETE answered 500: injected failure/);
    assert.deepEqual(keySet(await gw.keys()), keySet([doomed, swallowed]));
    await proxy.close();
  });

  test('a DELETE accepted but never applied is reported as not confirmed, exit 1', async () => {
    proxy = await startProxy(gw.port, (method) =>
      method === 'DELETE' ? { status: 202 } : 'forward',
    );
    const result = await runCli([
      '--url',
      proxy.url,
      '--ttl',
      '1s',
      '--timeout',
      '1s',
      '--output',
      'json',
      '--selector',
      '{job="swallowed"}',
      // One DELETE per group (the text page would add the instance="" form of this key).
      '--listing',
      'json',
    ]);
    assert.equal(result.code, 1, result.stderr);
    const doc = jsonOf(result);
    assert.equal(doc.summary.failed, 1);
    assert.equal(doc.groups[0]?.reason, 'not-confirmed');
    // The write barrier reaches the gateway, but proves nothing about a DELETE that never did.
    assert.deepEqual(
      proxy.requests.filter((r) => r.method === 'DELETE').map((r) => r.path),
      ['/metrics/job/swallowed/run_id/s1', '/metrics/job/pgsweep_barrier'],
    );
    const barrier = { job: 'pgsweep_barrier' };
    assert.deepEqual(keySet(await gw.keys()), keySet([doomed, swallowed, barrier]));
    await proxy.close();
  });
});

describe('more faults from a scripted gateway', () => {
  /** A fake gateway holding `groups`; a successful DELETE removes the group from later listings. */
  function statefulGateway(
    groups: Array<Record<string, unknown>>,
    onDelete: (attempt: number) => number | 'hang',
    headers: Record<string, string> = {},
    sendDate = true,
  ) {
    let attempts = 0;
    let deleted = false;
    return startServer((req, res) => {
      res.sendDate = sendDate;
      if (req.method === 'GET') {
        const data = deleted ? [] : groups;
        res
          .writeHead(200, { 'content-type': 'application/json', ...headers })
          .end(JSON.stringify({ status: 'success', data }));
        return;
      }
      if (req.method !== 'DELETE') {
        res.writeHead(405).end('Method Not Allowed'); // no write barrier here
        return;
      }
      attempts++;
      const answer = onDelete(attempts);
      if (answer === 'hang') return;
      if (answer === 202) deleted = true;
      res.writeHead(answer).end(answer === 202 ? '' : 'try again');
    });
  }

  for (const status of [401, 403]) {
    test(`a ${status} listing says to check the credentials`, async () => {
      const server = await startServer((_req, res) => {
        res.writeHead(status).end('Unauthorized');
      });
      try {
        const result = await runCli(['--url', server.url, '--ttl', '1h']);
        assert.equal(result.code, 1);
        assertOneLineError(
          result.stderr,
          new RegExp(`refused \\(${status} \\w+\\): check your credentials`),
        );
      } finally {
        await server.close();
      }
    });
  }

  test('a DELETE answering 500 and then 202 is retried and succeeds, exit 0', async () => {
    const server = await statefulGateway([validGroup], (n) => (n === 1 ? 500 : 202));
    try {
      const result = await runCli(['--url', server.url, '--ttl', '1h', '--output', 'json']);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(jsonOf(result).summary.deleted, 1);
      assert.equal(server.requests.filter((r) => r.method === 'DELETE').length, 2);
    } finally {
      await server.close();
    }
  });

  test('a DELETE that hangs times out, is retried a bounded number of times, exit 1', async () => {
    const server = await statefulGateway([validGroup], () => 'hang');
    try {
      const result = await runCli([
        '--url',
        server.url,
        '--ttl',
        '1h',
        '--timeout',
        '1s',
        '--output',
        'json',
      ]);
      assert.equal(result.code, 1, result.stderr);
      const doc = jsonOf(result);
      assert.equal(doc.groups[0]?.reason, 'delete-error');
      assert.match(doc.groups[0]?.detail ?? '', /timed out after 1s/);
      assert.equal(
        server.requests.filter((r) => r.method === 'DELETE').length,
        4,
        'one try plus three retries',
      );
    } finally {
      await server.close();
    }
  });

  test('groups with wrong types in their fields are skipped, never deleted', async () => {
    const broken = [
      {
        ...validGroup,
        labels: { job: 5 },
        push_time_seconds: { metrics: [{ labels: { job: 5 }, value: '1' }] },
      },
      {
        ...validGroup,
        labels: { job: 'num_value' },
        push_time_seconds: { metrics: [{ value: 1500000000 }] },
      },
      {
        ...validGroup,
        labels: { job: 'metrics_object' },
        push_time_seconds: { metrics: { value: '1' } },
      },
      { ...validGroup, labels: { job: 'no_push_time' }, push_time_seconds: 'yesterday' },
      { ...validGroup, labels: ['job', 'x'] },
    ];
    const server = await statefulGateway(broken, () => 202);
    try {
      const result = await runCli(['--url', server.url, '--ttl', '1h', '--output', 'json']);
      assert.equal(result.code, 0, result.stderr);
      const doc = jsonOf(result);
      assert.equal(doc.summary.skipped, 5);
      assert.deepEqual(
        server.requests.filter((r) => r.method === 'DELETE'),
        [],
      );
    } finally {
      await server.close();
    }
  });

  test('no Date header: refuse unless --trust-local-clock', async () => {
    const server = await statefulGateway([validGroup], () => 202, {}, false);
    try {
      const refused = await runCli(['--url', server.url, '--ttl', '1h']);
      assert.equal(refused.code, 1);
      assertOneLineError(refused.stderr, /no Date header.*pass --trust-local-clock/);
      assert.deepEqual(
        server.requests.filter((r) => r.method === 'DELETE'),
        [],
      );
      const trusted = await runCli([
        '--url',
        server.url,
        '--ttl',
        '1h',
        '--trust-local-clock',
        '--dry-run',
        '--output',
        'json',
      ]);
      assert.equal(trusted.code, 0, trusted.stderr);
      assert.equal(jsonOf(trusted).gateways[0]?.clockSource, 'local');
      assert.equal(jsonOf(trusted).summary.wouldDelete, 1);
    } finally {
      await server.close();
    }
  });

  test('a local clock far from the gateway clock is refused, or reported with --max-clock-skew 0', async () => {
    const hourAgo = new Date(Date.now() - 3600_000).toUTCString();
    const server = await statefulGateway([validGroup], () => 202, { date: hourAgo }, false);
    try {
      const refused = await runCli(['--url', server.url, '--ttl', '1h', '--dry-run']);
      assert.equal(refused.code, 1, refused.stderr);
      assertOneLineError(refused.stderr, /differ by (59m59s|1h|1h1s), more than --max-clock-skew/);
      const result = await runCli([
        '--url',
        server.url,
        '--ttl',
        '1h',
        '--dry-run',
        '--max-clock-skew',
        '0',
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /this machine's clock is \S+ ahead of the gateway's/);
    } finally {
      await server.close();
    }
  });
});
