/**
 * The guards against a batch workload, on a real gateway, with time compressed: 1 scaled hour is
 * HOUR_MS real milliseconds. Three scaled days of a nightly batch (50 DAGs x 20 tasks = 1000
 * groups at midnight), 10 services pushing every hour, a sweep every 15 scaled minutes with a
 * 2 h TTL and the default guards (--guard-min-age scaled to 1 h). The steady state must never
 * trip a guard and must leave no stale group behind; a TTL typo (2m for 2h) and a jump of the
 * gateway's clock must trip one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type SweepOptions, sweep } from '../../src/commands/sweep/sweep.ts';
import { DEFAULTS } from '../../src/config/config.ts';
import { silentLog } from '../../src/core/log.ts';
import type { SweepReport } from '../../src/core/sweep-report.ts';
import { parseBaseUrl } from '../../src/gateway/base-url.ts';
import { createClient, type GatewayClient } from '../../src/gateway/client.ts';
import { jsonOf, runCli, sleep } from '../support/cli.ts';
import { startServer, type TestServer } from '../support/fake-server.ts';
import { type Gateway, type Labels, rawRequest, startPushgateway } from '../support/pushgateway.ts';

const HOUR_MS = 1000;
const MINUTE_MS = HOUR_MS / 60;
const DAYS = 3;
const TTL_MS = 2 * HOUR_MS;
const SWEEP_EVERY_MS = 15 * MINUTE_MS;
const DAGS = 50;
const TASKS = 20;
const SERVICES = 10;
const DAY_MS_REAL = 86_400_000;
const SHIFT_CLOCK = fileURLToPath(new URL('../support/shift-clock.mjs', import.meta.url));

const options = (ttlMs: number): SweepOptions => ({
  ttlMs,
  ttlRules: [],
  useDeclaredTtl: true,
  selectors: [],
  excludes: [],
  dryRun: false,
  recheck: true,
  concurrency: 16,
  confirmTimeoutMs: 10_000,
  guards: {
    maxDeletes: DEFAULTS.maxDeletes,
    maxDeleteRatio: DEFAULTS.maxDeleteRatio,
    // The default 1h, scaled like the TTL.
    minAgeMs: HOUR_MS,
    force: false,
  },
});

/** One night's batch: every DAG's tasks, keyed by the run. */
function batch(run: string): Labels[] {
  return Array.from({ length: DAGS * TASKS }, (_, i) => ({
    job: `dag_${i % DAGS}`,
    task: `task_${Math.floor(i / DAGS)}`,
    run_id: run,
  }));
}

const services: Labels[] = Array.from({ length: SERVICES }, (_, i) => ({ job: `service_${i}` }));

/** PUTs every group, 32 at a time, as a fleet of jobs finishing together would. */
async function pushAll(gw: Gateway, groups: readonly Labels[]): Promise<void> {
  const queue = [...groups];
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      // 202: accepted and queued, as a gateway without the consistency check answers.
      for (let g = queue.shift(); g; g = queue.shift()) assert.equal(await gw.push(g), 202);
    }),
  );
}

/**
 * The compression turns Date's whole seconds into up to an hour of error. The gateway runs on
 * this host, so its Date plus this host's milliseconds is its clock; a real 2 h TTL never
 * notices the second.
 */
function millisecondDate(client: GatewayClient): GatewayClient {
  return {
    ...client,
    deleteGroup: (path, signal) => client.deleteGroup(path, signal),
    healthy: (signal) => client.healthy(signal),
    barrier: (signal) => client.barrier(signal),
    close: () => client.close(),
    async list(signal) {
      const listing = await client.list(signal);
      const ms = Date.now();
      assert.ok(listing.date.ok && Math.abs(ms - listing.date.ms) < 2000, 'Date is this clock');
      return { ...listing, date: { ok: true, ms }, dateMs: ms };
    },
  };
}

describe('guards against a batch workload, on a real gateway', () => {
  let gw: Gateway;
  let client: GatewayClient;

  before(async () => {
    // 1000 PUTs in well under a scaled hour: without this flag each push re-checks the whole
    // store, and a burst takes several real seconds.
    gw = await startPushgateway({ args: ['--push.disable-consistency-check'] });
    client = millisecondDate(
      createClient({ url: parseBaseUrl(gw.url), timeoutMs: 10_000, connections: 16 }),
    );
  });
  after(async () => {
    await client?.close();
    await gw?.stop();
  });

  test(`${DAYS} scaled days of nightly bursts: no guard trips, no stale group left`, async () => {
    const start = performance.now();
    const at = () => performance.now() - start;
    const end = DAYS * 24 * HOUR_MS;
    const pushes: Promise<void>[] = [];
    let nextBurst = 0;
    let nextServices = 0;
    let sweeps = 0;
    let deleted = 0;
    const trips: string[] = [];
    // Sweeps that the old rule (every delete counts towards the ratio) would have stopped.
    let oldRuleTrips = 0;
    let largest = { deleted: 0, scanned: 0 };
    // How far past its TTL the stalest deleted group was, in scaled minutes.
    let maxStaleBy = 0;
    for (let next = 0; at() < end; ) {
      if (nextBurst < DAYS && at() >= nextBurst * 24 * HOUR_MS) {
        pushes.push(pushAll(gw, batch(`night_${nextBurst}`)));
        nextBurst++;
      }
      if (at() >= nextServices * HOUR_MS) {
        pushes.push(pushAll(gw, services));
        nextServices = Math.floor(at() / HOUR_MS) + 1;
      }
      const report: SweepReport = await sweep(client, options(TTL_MS), silentLog);
      sweeps++;
      deleted += report.summary.deleted;
      if (report.guard) trips.push(report.guard);
      const { deleted: d, scanned } = report.summary;
      if (d > 10 && d / scanned > DEFAULTS.maxDeleteRatio) oldRuleTrips++;
      if (d > largest.deleted) largest = { deleted: d, scanned };
      for (const g of report.groups) {
        if (g.outcome === 'deleted' && g.ageMs !== undefined)
          maxStaleBy = Math.max(maxStaleBy, (g.ageMs - TTL_MS) / MINUTE_MS);
      }
      assert.equal(report.summary.failed, 0);
      // As a scheduler would: a sweep that overran skips the ticks it missed.
      do next += SWEEP_EVERY_MS;
      while (next < at());
      await sleep(next - at());
    }
    await Promise.all(pushes);
    const left = await gw.keys();
    const figures = {
      sweeps,
      trips: trips.length,
      oldRuleTrips,
      largest,
      maxStaleByMinutes: Math.round(maxStaleBy),
      deleted,
      left: left.length,
    };
    console.log(`# simulation: ${JSON.stringify(figures)}, ${Math.round(at())} ms`);
    assert.deepEqual(trips, [], 'no guard trips in the steady state');
    assert.equal(deleted, DAYS * DAGS * TASKS, 'every batch group was deleted');
    assert.ok(
      left.every((k) => k.job?.startsWith('service_')),
      'only the services are left',
    );
    assert.equal(left.length, SERVICES);
    // The workload is the one that tripped the guard before: at least once a night.
    assert.ok(oldRuleTrips >= DAYS, `${oldRuleTrips} sweeps over the old rule`);
    assert.ok(sweeps >= DAYS * 24 * 2, `${sweeps} sweeps`);
  });

  test('a TTL typo (2m for 2h) trips, minutes and hours after the burst; 2h then deletes it', async () => {
    await pushAll(gw, [...services, ...batch('typo')]);
    await sleep(10 * MINUTE_MS);
    const soon = await sweep(client, options(2 * MINUTE_MS), silentLog);
    assert.match(soon.guard ?? '', /1010 pushed less than --guard-min-age 1s ago/);
    assert.equal(soon.summary.deleted, 0);
    await sleep(80 * MINUTE_MS);
    const later = await sweep(client, options(2 * MINUTE_MS), silentLog);
    assert.match(later.guard ?? '', /1010 stale for longer than their TTL/);
    assert.equal(later.summary.deleted, 0);
    assert.equal((await gw.keys()).length, DAGS * TASKS + SERVICES);

    await pushAll(gw, services);
    await sleep(40 * MINUTE_MS);
    const right = await sweep(client, options(TTL_MS), silentLog);
    assert.equal(right.guard, undefined);
    assert.equal(right.summary.deleted, DAGS * TASKS);
  });

  describe("the gateway's clock jumps a day ahead, and this machine's with it", () => {
    let proxy: TestServer;
    before(async () => {
      // Every response's Date a day ahead: the gateway's clock jumped.
      proxy = await startServer(async (req, res) => {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const upstream = await rawRequest(
          gw.port,
          req.method ?? 'GET',
          req.url ?? '/',
          Buffer.concat(chunks),
        );
        res.sendDate = false;
        const real = Date.parse(String(upstream.headers.date));
        res
          .writeHead(upstream.status, {
            'content-type': String(upstream.headers['content-type'] ?? 'text/plain'),
            date: new Date(real + DAY_MS_REAL).toUTCString(),
          })
          .end(upstream.body);
      });
    });
    after(() => proxy?.close());

    test('the built CLI with its default guards and a real 2h TTL deletes nothing, exit 1', async () => {
      await pushAll(gw, batch('jump'));
      const args = ['--url', proxy.url, '--ttl', '2h', '--output', 'json'];
      const env = {
        NODE_OPTIONS: `--import=${SHIFT_CLOCK}`,
        TEST_CLOCK_SHIFT_MS: String(DAY_MS_REAL),
      };
      const result = await runCli(args, env);
      assert.equal(result.code, 1, result.stderr);
      const doc = jsonOf(result);
      assert.equal(doc.gateways[0]?.clockSource, 'gateway-date', 'the skew check passed');
      assert.match(
        doc.gateways[0]?.guard ?? '',
        /would delete 1010 of 1010 groups; 1010 stale for longer than their TTL \(a clock jump.*100% of the gateway/,
      );
      assert.equal(doc.summary.deleted, 0);
      assert.equal((await gw.keys()).length, DAGS * TASKS + SERVICES);
      // Without the jump, the same run finds nothing stale.
      const straight = await runCli(['--url', gw.url, '--ttl', '2h', '--output', 'json']);
      assert.equal(straight.code, 0, straight.stderr);
      assert.equal(jsonOf(straight).summary.stale, 0);
    });
  });
});
