/**
 * --push-metrics against a real Pushgateway: pgsweep's own group holds the right values, is never
 * swept by pgsweep itself, reports success 0 when a delete failed, and keeps the last success time
 * across a failed run. A push that fails is a warning, not a failure.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCli, sleep } from '../support/cli.ts';
import { startProxy, startServer } from '../support/fake-server.ts';
import { type Gateway, rawRequest, startPushgateway } from '../support/pushgateway.ts';

let gw: Gateway;
before(async () => {
  gw = await startPushgateway();
});
after(() => gw?.stop());

/** pgsweep_* samples of the group {job="pgsweep", instance=<instance>}, from the gateway's /metrics. */
async function selfMetrics(instance: string): Promise<Map<string, number>> {
  const text = (await rawRequest(gw.port, 'GET', '/metrics')).body;
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(pgsweep_[a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m?.[1] || !m[2] || !m[3]) continue;
    if (!m[2].includes(`instance="${instance}"`) || !m[2].includes('job="pgsweep"')) continue;
    out.set(m[1], Number(m[3]));
  }
  return out;
}

test('after a sweep, the group {job="pgsweep", instance} holds the run result', async () => {
  for (const run of ['r1', 'r2']) assert.equal(await gw.push({ job: 'batch', run_id: run }), 200);
  assert.equal(await gw.push({ job: 'fresh' }), 200);
  // Older than the 2s TTL even though Date is truncated to whole seconds.
  await sleep(3300);
  assert.equal(await gw.push({ job: 'fresh' }), 200);
  const before = Date.now() / 1000;
  const result = await runCli([
    '--url',
    gw.url,
    '--ttl',
    '2s',
    '--push-metrics',
    '--instance',
    'ci-1',
  ]);
  assert.equal(result.code, 0, result.stderr);
  const m = await selfMetrics('ci-1');
  assert.equal(m.get('pgsweep_success'), 1);
  assert.equal(m.get('pgsweep_groups_scanned'), 3);
  assert.equal(m.get('pgsweep_groups_stale'), 2);
  assert.equal(m.get('pgsweep_groups_deleted'), 2);
  assert.equal(m.get('pgsweep_groups_skipped'), 0);
  assert.equal(m.get('pgsweep_groups_failed'), 0);
  assert.equal(m.get('pgsweep_dry_run'), 0);
  const lastRun = m.get('pgsweep_last_run_timestamp_seconds') ?? 0;
  assert.ok(lastRun >= before - 1 && lastRun <= Date.now() / 1000 + 1, `last run ${lastRun}`);
  assert.equal(m.get('pgsweep_last_success_timestamp_seconds'), lastRun);
  const duration = m.get('pgsweep_duration_seconds') ?? -1;
  assert.ok(duration > 0 && duration < 30, `duration ${duration}`);
  // The default instance is the host name; the group sits next to the jobs it describes.
  const keys = await gw.keys();
  assert.ok(keys.some((k) => k.job === 'pgsweep' && k.instance === 'ci-1'));
  assert.ok(!keys.some((k) => k.job === 'batch'), 'the stale groups are gone');
});

test('pgsweep never sweeps its own group, even with a 1s TTL after waiting', async () => {
  assert.equal(await gw.push({ job: 'other', run_id: 'x' }), 200);
  const first = await runCli([
    '--url',
    gw.url,
    '--ttl',
    '1s',
    '--push-metrics',
    '--instance',
    'own',
  ]);
  assert.equal(first.code, 0, first.stderr);
  await sleep(2100);
  const second = await runCli([
    '--url',
    gw.url,
    '--ttl',
    '1s',
    '--push-metrics',
    '--instance',
    'own',
    '--output',
    'json',
  ]);
  assert.equal(second.code, 0, second.stderr);
  const doc = JSON.parse(second.stdout) as {
    groups: Array<{ labels: Record<string, string>; outcome: string }>;
  };
  assert.ok(
    !doc.groups.some(
      (g) => g.labels.job === 'pgsweep' && g.labels.instance === 'own' && g.outcome === 'deleted',
    ),
    'its own group is not deleted',
  );
  const keys = await gw.keys();
  assert.ok(
    keys.some((k) => k.job === 'pgsweep' && k.instance === 'own'),
    'own group still there',
  );
  // Another pgsweep instance's group is an ordinary group to this one (only its own is excluded).
  assert.ok(!keys.some((k) => k.job === 'pgsweep' && k.instance === 'ci-1'), 'ci-1 was swept');
});

test('a failed delete: success 0, counts the failure, keeps the previous success time, exit 1', async () => {
  const ok = await runCli(['--url', gw.url, '--ttl', '1h', '--push-metrics', '--instance', 'fl']);
  assert.equal(ok.code, 0, ok.stderr);
  const previous = (await selfMetrics('fl')).get('pgsweep_last_success_timestamp_seconds');
  assert.ok(previous !== undefined && previous > 0);
  assert.equal(await gw.push({ job: 'doomed', run_id: 'd1' }), 200);
  await sleep(2100);
  // The proxy refuses the DELETE of the stale group; everything else reaches the gateway.
  const proxy = await startProxy(gw.port, (method, path) =>
    method === 'DELETE' && path.includes('doomed') ? { status: 500, body: 'boom' } : 'forward',
  );
  try {
    const result = await runCli([
      '--url',
      proxy.url,
      '--ttl',
      '1s',
      '--push-metrics',
      '--instance',
      'fl',
      '--exclude',
      '{job="pgsweep"}',
    ]);
    assert.equal(result.code, 1, result.stderr);
    const m = await selfMetrics('fl');
    assert.equal(m.get('pgsweep_success'), 0);
    assert.equal(m.get('pgsweep_groups_failed'), 1);
    assert.equal(m.get('pgsweep_groups_deleted'), 0);
    assert.equal(m.get('pgsweep_last_success_timestamp_seconds'), previous);
    assert.ok((m.get('pgsweep_last_run_timestamp_seconds') ?? 0) > (previous ?? 0));
    assert.ok(
      proxy.requests.some((r) => r.method === 'POST' && r.path.includes('/metrics/job/pgsweep/')),
      'pushed with POST to the pgsweep group',
    );
  } finally {
    await proxy.close();
  }
});

test('a metrics push that fails is a warning and does not change the exit code', async () => {
  await sleep(2100);
  const proxy = await startProxy(gw.port, (method) =>
    method === 'POST' ? { status: 503, body: 'push refused' } : 'forward',
  );
  try {
    const result = await runCli([
      '--url',
      proxy.url,
      '--ttl',
      '1h',
      '--push-metrics',
      '--instance',
      'pf',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /pushing pgsweep's metrics to .* was answered 503 \(push refused\)/,
    );
    assert.match(result.stderr, /"level":40/);
    assert.equal((await selfMetrics('pf')).size, 0);
  } finally {
    await proxy.close();
  }
});

test('--check pushes too, marked as a dry run, and exits 3 on stale groups', async () => {
  assert.equal(await gw.push({ job: 'stale_for_check' }), 200);
  await sleep(2100);
  const result = await runCli([
    '--url',
    gw.url,
    '--ttl',
    '1s',
    '--check',
    '--push-metrics',
    '--instance',
    'chk',
  ]);
  assert.equal(result.code, 3, result.stderr);
  const m = await selfMetrics('chk');
  assert.equal(m.get('pgsweep_dry_run'), 1);
  assert.equal(m.get('pgsweep_success'), 1);
  assert.ok((m.get('pgsweep_groups_stale') ?? 0) >= 1);
  assert.equal(m.get('pgsweep_groups_deleted'), 0);
});

test('without --push-metrics nothing is pushed; PGSWEEP_PUSH_METRICS=true turns it on', async () => {
  const server = await startServer((req, res) => {
    if (req.method === 'GET' && req.url === '/api/v1/metrics') {
      res.writeHead(200, { 'content-type': 'application/json', date: new Date().toUTCString() });
      res.end('{"status":"success","data":[]}');
      return;
    }
    res.writeHead(200).end();
  });
  try {
    const off = await runCli(['--url', server.url, '--ttl', '1h']);
    assert.equal(off.code, 0, off.stderr);
    assert.equal(server.requests.filter((r) => r.method === 'POST').length, 0);
    const on = await runCli(['--url', server.url, '--ttl', '1h'], {
      PGSWEEP_PUSH_METRICS: 'true',
      PGSWEEP_INSTANCE: 'env-inst',
    });
    assert.equal(on.code, 0, on.stderr);
    assert.deepEqual(
      server.requests.filter((r) => r.method === 'POST').map((r) => r.path),
      ['/metrics/job/pgsweep/instance/env-inst'],
    );
  } finally {
    await server.close();
  }
});
