/**
 * Schedule mode against a real Pushgateway: sweeps on every tick, serves /metrics and /healthz,
 * stops promptly with exit 0 on SIGTERM, and never runs two sweeps at once (a slow sweep skips
 * ticks and says so).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type CliResult, runCli, sleep, startCli } from '../support/cli.ts';
import { startServer } from '../support/fake-server.ts';
import { type Gateway, rawRequest, startPushgateway } from '../support/pushgateway.ts';

let gw: Gateway;
before(async () => {
  gw = await startPushgateway();
});
after(() => gw?.stop());

/** Collects stderr as it arrives, to find the metrics address and count log lines. */
function watch(cli: ReturnType<typeof startCli>) {
  let stderr = '';
  let stdout = '';
  cli.child.stderr?.on('data', (d: Buffer | string) => {
    stderr += d.toString();
  });
  cli.child.stdout?.on('data', (d: Buffer | string) => {
    stdout += d.toString();
  });
  return {
    stderr: () => stderr,
    stdout: () => stdout,
    async address(): Promise<string> {
      for (let i = 0; i < 100; i++) {
        const m = /"address":"([^"]+)","msg":"serving \/metrics and \/healthz"/.exec(stderr);
        if (m?.[1]) return m[1];
        await sleep(50);
      }
      throw new Error(`no metrics address in stderr:\n${stderr}`);
    },
  };
}

async function get(address: string, path: string) {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    address.slice(address.lastIndexOf(':') + 1),
  ];
  assert.equal(host, '127.0.0.1');
  return rawRequest(Number(port), 'GET', path);
}

function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
}

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 8000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(100);
  }
  assert.fail(`timed out waiting for: ${what}`);
}

test('sweeps on every tick, serves /metrics and /healthz, exits 0 on SIGTERM', async () => {
  assert.equal(await gw.push({ job: 'sched', run_id: 'a' }), 200);
  const cli = startCli([
    '--url',
    gw.url,
    '--ttl',
    '1s',
    '--schedule',
    '* * * * * *',
    '--listen',
    '127.0.0.1:0',
    '--output',
    'json',
  ]);
  const out = watch(cli);
  let result: CliResult | undefined;
  try {
    const address = await out.address();
    const health = await get(address, '/healthz');
    assert.equal(health.status, 200);
    await until('the first stale group is deleted', async () => (await gw.keys()).length === 0);
    // Pushed between ticks: a later tick deletes it too.
    assert.equal(await gw.push({ job: 'sched', run_id: 'b' }), 200);
    await until('the second stale group is deleted', async () => (await gw.keys()).length === 0);
    // The gateway drops a group before the run that deleted it has confirmed and recorded it.
    await until(
      'both deletes counted',
      async () =>
        sample((await get(address, '/metrics')).body, 'pgsweep_groups_deleted_total') === 2,
    );
    const metrics = await get(address, '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(String(metrics.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const runs = sample(metrics.body, 'pgsweep_runs_total{result="success"}');
    assert.ok(runs >= 2, `runs ${runs}\n${metrics.body}`);
    assert.equal(sample(metrics.body, 'pgsweep_runs_total{result="failure"}'), 0);
    assert.equal(sample(metrics.body, 'pgsweep_groups_deleted_total'), 2);
    assert.equal(sample(metrics.body, 'pgsweep_groups_failed_total'), 0);
    assert.equal(sample(metrics.body, 'pgsweep_skipped_ticks_total'), 0);
    const lastSuccess = sample(metrics.body, 'pgsweep_last_success_timestamp_seconds');
    assert.ok(Math.abs(lastSuccess - Date.now() / 1000) < 10, `last success ${lastSuccess}`);
    assert.ok(sample(metrics.body, 'pgsweep_last_duration_seconds') >= 0);
    assert.ok(!Number.isNaN(sample(metrics.body, 'pgsweep_last_groups_stale')));
    // Counters only go up.
    await sleep(2500);
    const later = await get(address, '/metrics');
    assert.ok(sample(later.body, 'pgsweep_runs_total{result="success"}') > runs);
    const stopAt = Date.now();
    cli.child.kill('SIGTERM');
    result = await cli.done;
    assert.ok(Date.now() - stopAt < 5000, 'stopped within a few seconds');
  } finally {
    if (!result) {
      cli.child.kill('SIGKILL');
      await cli.done;
    }
  }
  assert.equal(result.code, 0, out.stderr());
  assert.match(out.stderr(), /schedule mode stopped/);
  // One JSON document per line, one line per run.
  const lines = out.stdout().trimEnd().split('\n');
  assert.ok(lines.length >= 3, `runs printed: ${lines.length}`);
  const docs = lines.map((l) => JSON.parse(l) as { summary: { deleted: number } });
  assert.equal(
    docs.reduce((n, d) => n + d.summary.deleted, 0),
    2,
  );
});

test('a slow sweep skips ticks and never overlaps; SIGINT also exits 0', async () => {
  assert.equal(await gw.push({ job: 'slow', run_id: 'x' }), 200);
  let active = 0;
  let maxActive = 0;
  let listings = 0;
  const proxy = await startServer(async (req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const isListing = method === 'GET' && (path === '/metrics' || path === '/api/v1/metrics');
    if (isListing) {
      listings++;
      active++;
      maxActive = Math.max(maxActive, active);
      await sleep(2500);
    }
    try {
      const upstream = await rawRequest(gw.port, method, path);
      const headers: Record<string, string> = {};
      for (const name of ['content-type', 'date']) {
        const v = upstream.headers[name];
        if (typeof v === 'string') headers[name] = v;
      }
      res.writeHead(upstream.status, headers).end(upstream.body);
    } finally {
      if (isListing) active--;
    }
  });
  const cli = startCli([
    '--url',
    proxy.url,
    '--ttl',
    '1h',
    '--schedule',
    '* * * * * *',
    '--listen',
    '127.0.0.1:0',
  ]);
  const out = watch(cli);
  let result: CliResult | undefined;
  try {
    const address = await out.address();
    await until(
      'two ticks skipped',
      () => (out.stderr().match(/tick skipped/g) ?? []).length >= 2,
      10_000,
    );
    await until('a second sweep started', () => listings >= 2, 10_000);
    const metrics = await get(address, '/metrics');
    assert.ok(sample(metrics.body, 'pgsweep_skipped_ticks_total') >= 2, metrics.body);
    cli.child.kill('SIGINT');
    result = await cli.done;
  } finally {
    if (!result) {
      cli.child.kill('SIGKILL');
      await cli.done;
    }
    await proxy.close();
  }
  assert.equal(result.code, 0, out.stderr());
  assert.equal(maxActive, 1, 'never two listings at once');
  assert.match(out.stderr(), /"msg":"tick skipped: the previous sweep is still running"/);
  assert.ok(
    (await gw.keys()).some((k) => k.job === 'slow'),
    'the fresh group is kept',
  );
});

const usage: Array<{ args: string[]; error: RegExp }> = [
  { args: ['--schedule', '* * *'], error: /--schedule: "\* \* \*" has 3 fields: use 5/ },
  {
    args: ['--schedule', '61 * * * *'],
    error: /--schedule: "61 \* \* \* \*" is not a valid cron expression/,
  },
  {
    args: ['--schedule', '* * * * *', '--timezone', 'Mars/Olympus'],
    error: /--timezone: "Mars\/Olympus" is not an IANA time zone/,
  },
  { args: ['--timezone', 'UTC'], error: /--timezone only applies with --schedule/ },
  { args: ['--listen', ':9099'], error: /--listen serves metrics in schedule mode only/ },
  {
    args: ['--schedule', '* * * * *', '--listen', '9099'],
    error: /"9099" is not a listen address/,
  },
  { args: ['--schedule', '* * * * *', '--check'], error: /--check .* cannot be scheduled/ },
];
for (const c of usage) {
  test(`exit 2, one line: pgsweep --ttl 2h ${c.args.join(' ')}`, async () => {
    const result = await runCli(['--ttl', '2h', ...c.args]);
    assert.equal(result.code, 2, result.stderr);
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0] ?? '', /^pgsweep: error: /);
    assert.match(lines[0] ?? '', c.error);
  });
}

test('a --listen address already in use is exit 1 with one line', async () => {
  const busy = await startServer((_req, res) => {
    res.end();
  });
  try {
    const port = new URL(busy.url).port;
    const result = await runCli([
      '--url',
      gw.url,
      '--ttl',
      '2h',
      '--schedule',
      '0 0 1 1 *',
      '--listen',
      `127.0.0.1:${port}`,
    ]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      /pgsweep: error: --listen 127\.0\.0\.1:\d+: cannot serve metrics there \(EADDRINUSE\)/,
    );
  } finally {
    await busy.close();
  }
});
