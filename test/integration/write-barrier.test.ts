/**
 * The write barrier against a real Pushgateway: a push with a sample timestamp is answered only
 * after every write queued before it was applied, so it both confirms a sweep's DELETEs without a
 * confirming listing and bounds how many of them wait in the gateway's write queue.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WRITE_WINDOW_BATCH } from '../../src/commands/sweep/write-window.ts';
import { parseBaseUrl } from '../../src/gateway/base-url.ts';
import { createClient } from '../../src/gateway/client.ts';
import { groupPath } from '../../src/wire/grouping-key.ts';
import { jsonOf, runCli, sleep } from '../support/cli.ts';
import { type Gateway, rawRequest, startPushgateway } from '../support/pushgateway.ts';

/** The gateway's own count of requests by handler (pushgateway_http_requests_total). */
async function requestCounts(gw: Gateway): Promise<Map<string, number>> {
  const res = await rawRequest(gw.port, 'GET', '/metrics');
  const counts = new Map<string, number>();
  for (const m of res.body.matchAll(
    /^pushgateway_http_requests_total\{code="(\d+)",handler="([^"]+)",method="(\w+)"\} (\d+)$/gm,
  )) {
    counts.set(`${m[3]} ${m[2]} ${m[1]}`, Number(m[4]));
  }
  return counts;
}

function delta(before: Map<string, number>, after: Map<string, number>, key: string): number {
  return (after.get(key) ?? 0) - (before.get(key) ?? 0);
}

async function pushMany(gw: Gateway, n: number, job: string): Promise<void> {
  for (let i = 0; i < n; i += 50) {
    const batch = Array.from({ length: Math.min(50, n - i) }, (_, k) =>
      gw.push({ job, run_id: `r${i + k}` }, 'pgsweep_test_value 1\n', 'PUT'),
    );
    for (const status of await Promise.all(batch)) assert.ok(status === 200 || status === 202);
  }
}

async function eventuallyEmpty(gw: Gateway): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if ((await gw.keys()).length === 0) return;
    await sleep(100);
  }
  assert.deepEqual(await gw.keys(), [], 'the gateway is left empty');
}

describe('with the consistency check on (the default)', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startPushgateway();
  });
  after(() => gw?.stop());

  test('a barrier answers only once the DELETEs queued before it are applied', async () => {
    const n = 400;
    await pushMany(gw, n, 'fifo');
    const client = createClient({ url: parseBaseUrl(gw.url), timeoutMs: 10_000, connections: 16 });
    try {
      const paths = Array.from({ length: n }, (_, i) =>
        groupPath({ job: 'fifo', run_id: `r${i}` }),
      );
      const statuses = await Promise.all(paths.map((p) => client.deleteGroup(p)));
      assert.ok(statuses.every((s) => s.status === 202));
      assert.deepEqual(await client.barrier(), { applied: true });
      // GETs read live state, so without the barrier a listing here can still show queued groups.
      const left = (await gw.keys()).filter((k) => k.job === 'fifo');
      assert.deepEqual(left, []);
      const phantom = (await gw.keys()).find((k) => k.job === 'pgsweep_barrier');
      assert.ok(phantom, 'the rejected barrier push leaves a phantom group, which sweeps remove');
      assert.equal((await client.deleteGroup('metrics/job/pgsweep_barrier')).status, 202);
    } finally {
      await client.close();
    }
    await eventuallyEmpty(gw);
  });

  test('a sweep waits for a barrier, then confirms with a single listing, and cleans up', async () => {
    const n = 3 * WRITE_WINDOW_BATCH + 10;
    await pushMany(gw, n, 'swept');
    await sleep(2300);
    const before = await requestCounts(gw);
    // The JSON listing, which the gateway counts (it does not count /metrics), one DELETE a group.
    const result = await runCli([
      ...['--url', gw.url, '--ttl', '1s', '--force', '--output', 'json'],
      ...['--listing', 'json'],
    ]);
    const after = await requestCounts(gw);
    assert.equal(result.code, 0, result.stderr);
    const doc = jsonOf(result);
    assert.equal(doc.summary.deleted, n);
    assert.equal(doc.summary.failed, 0);
    assert.equal(
      delta(before, after, 'get api/v1/metrics 200'),
      3,
      'one listing each to plan, re-check and confirm: no polling, the barrier came first',
    );
    assert.equal(
      delta(before, after, 'delete delete 202'),
      n + 1,
      'each group, then the barrier group',
    );
    const barriers = delta(before, after, 'post push 400');
    assert.ok(
      barriers >= 3,
      `at least one barrier per ${WRITE_WINDOW_BATCH} deletes (${barriers})`,
    );
    await eventuallyEmpty(gw);
  });
});

describe('with --push.disable-consistency-check', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startPushgateway({ args: ['--push.disable-consistency-check'] });
  });
  after(() => gw?.stop());

  test('barriers prove nothing, so pgsweep says so and confirms by listing', async () => {
    await pushMany(gw, 5, 'unchecked');
    const client = createClient({ url: parseBaseUrl(gw.url), timeoutMs: 10_000, connections: 4 });
    try {
      const outcome = await client.barrier();
      assert.equal(outcome.applied, false);
      assert.match(outcome.applied ? '' : outcome.why, /disable-consistency-check/);
      await client.deleteGroup('metrics/job/pgsweep_barrier');
    } finally {
      await client.close();
    }
    await sleep(2300);
    const result = await runCli(['--url', gw.url, '--ttl', '1s', '--output', 'json']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(jsonOf(result).summary.deleted, 5);
    assert.match(result.stderr, /write barriers do not work on this gateway/);
    await eventuallyEmpty(gw);
  });
});
