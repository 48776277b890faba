/**
 * Retention by runs (--keep-latest, --per, keep=/per= in rules) against a real Pushgateway: push
 * order gives the push times, a 1s TTL makes every run stale, and only the newest of each family
 * survive. Ties in push time need a scripted fake: a real gateway stamps each push apart.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type SweepOptions, sweep } from '../../src/commands/sweep/sweep.ts';
import { rule } from '../../src/config/validate.ts';
import type { Log } from '../../src/core/log.ts';
import { parseBaseUrl } from '../../src/gateway/base-url.ts';
import { createClient } from '../../src/gateway/client.ts';
import { jsonOf, runCli, sleep } from '../support/cli.ts';
import { listedGroup, startServer } from '../support/fake-server.ts';
import {
  b64Path,
  type Gateway,
  keySet,
  type Labels,
  rawRequest,
  startPushgateway,
} from '../support/pushgateway.ts';

const STALE_WAIT_MS = 2300;

let gw: Gateway;
before(async () => {
  gw = await startPushgateway();
});
after(() => gw?.stop());

/** Empties the gateway, then pushes each group in order (so each is newer than the one before). */
async function pushInOrder(
  groups: Array<Labels | [Labels, string]>,
  waitMs = STALE_WAIT_MS,
): Promise<void> {
  for (const k of await gw.keys()) await rawRequest(gw.port, 'DELETE', `${gw.prefix}${b64Path(k)}`);
  for (const g of groups) {
    const [labels, body] = Array.isArray(g) ? g : [g, undefined];
    assert.equal(await gw.push(labels, body), 200);
    // Far apart enough that the order is unmistakable in push_time_seconds.
    await sleep(20);
  }
  await sleep(waitMs);
}

const reasons = (doc: ReturnType<typeof jsonOf>) =>
  Object.fromEntries(doc.groups.map((g) => [g.labels.run_id, `${g.outcome}/${g.reason}`]));

describe('--keep-latest with --per', () => {
  const run = (id: string, task?: string): Labels => ({
    job: 'dag',
    ...(task === undefined ? {} : { task_id: task }),
    run_id: id,
  });

  test('keeps the newest run of each family; a missing label and an empty value are one family', async () => {
    await pushInOrder([
      run('a1', 't1'),
      run('a2', 't1'),
      run('m1'),
      run('m2', ''),
      run('b1', 't2'),
    ]);
    const args = ['--url', gw.url, '--ttl', '1s', '--keep-latest', '1', '--per', 'job,task_id'];

    const check = await runCli([...args, '--check', '--output', 'json']);
    assert.equal(check.code, 3, check.stderr);
    const planned = reasons(jsonOf(check));
    assert.deepEqual(planned, {
      a1: 'would-delete/stale',
      a2: 'kept/kept-latest',
      m1: 'would-delete/stale',
      m2: 'kept/kept-latest',
      b1: 'kept/kept-latest',
    });
    assert.equal(jsonOf(check).summary.stale, 2);

    const table = await runCli([...args, '--dry-run']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(
      table.stdout,
      /kept\s+\S+\s+1s\s+kept-latest\s+\{job="dag", run_id="a2", task_id="t1"\}/,
    );
    assert.match(table.stdout, /kept 3 \(3 newest of their family\)/);

    const swept = await runCli([...args, '--output', 'json']);
    assert.equal(swept.code, 0, swept.stderr);
    assert.equal(jsonOf(swept).summary.deleted, 2);
    assert.deepEqual(
      keySet(await gw.keys()),
      keySet([run('a2', 't1'), run('m2', ''), run('b1', 't2')]),
    );
    // What is left is each family's newest: nothing is stale any more under this retention.
    const again = await runCli([...args, '--check']);
    assert.equal(again.code, 0, again.stderr);
  });

  test('rules carry their own keep and per; first match wins; keep=0 turns it off', async () => {
    const etl = (id: string, task: string): Labels => ({
      job: 'etl_load',
      task_id: task,
      run_id: id,
    });
    const ci = (id: string): Labels => ({ job: 'ci', run_id: id });
    await pushInOrder([
      etl('e1', 'x'),
      etl('e2', 'y'),
      etl('e3', 'x'),
      ci('c1'),
      ci('c2'),
      run('d1', 't'),
      run('d2', 't'),
    ]);
    const result = await runCli([
      '--url',
      gw.url,
      '--ttl',
      '1s',
      '--keep-latest',
      '1',
      '--per',
      'job,task_id',
      '--rule',
      // per=job: the etl tasks x and y are one family, whose 2 newest stay.
      '{job=~"etl_.*"}=1s,keep=2,per=job',
      '--rule',
      '{job="ci"}=1s,keep=0',
      '--output',
      'json',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(reasons(jsonOf(result)), {
      e1: 'deleted/stale',
      e2: 'kept/kept-latest',
      e3: 'kept/kept-latest',
      c1: 'deleted/stale',
      c2: 'deleted/stale',
      d1: 'deleted/stale',
      d2: 'kept/kept-latest',
    });
  });

  test('a declared TTL decides only which older runs are stale; the newest is kept anyway', async () => {
    await pushInOrder([
      [run('old', 't'), 'pgsweep_ttl_seconds 3600\n'],
      run('mid', 't'),
      run('new', 't'),
    ]);
    const result = await runCli([
      ...['--url', gw.url, '--ttl', '1s', '--keep-latest', '1', '--per', 'job,task_id'],
      '--output',
      'json',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(reasons(jsonOf(result)), {
      mid: 'deleted/stale',
      new: 'kept/kept-latest',
    });
    assert.deepEqual(keySet(await gw.keys()), keySet([run('old', 't'), run('new', 't')]));
  });

  test('the re-check ranks the family again: a run that became the newest is kept', async () => {
    const r1 = run('r1', 't');
    const r2 = run('r2', 't');
    await pushInOrder([r1, r2]);
    const options: SweepOptions = {
      ttlMs: 1000,
      selectors: [],
      excludes: [],
      keepLatest: { keep: 1, per: ['job', 'task_id'] },
      dryRun: false,
      recheck: true,
      concurrency: 2,
      confirmTimeoutMs: 5000,
    };
    const quiet: Log = { debug() {}, info() {}, warn() {}, error() {} };
    const client = createClient({ url: parseBaseUrl(gw.url), timeoutMs: 5000, connections: 2 });
    try {
      const report = await sweep(client, options, quiet, {
        afterPlan: async (plan) => {
          // The first listing's plan: r2 kept as the newest, r1 a candidate.
          assert.deepEqual(plan.map((t) => `${t.labels.run_id}:${t.reason}`).sort(), [
            'r1:not-confirmed',
            'r2:kept-latest',
          ]);
          // Someone else deletes r2 before pgsweep's re-check: r1 is now the family's newest.
          const res = await rawRequest(gw.port, 'DELETE', `${gw.prefix}${b64Path(r2)}`);
          assert.equal(res.status, 202);
          await sleep(200);
        },
      });
      const r1Report = report.groups.find((g) => g.labels.run_id === 'r1');
      assert.equal(r1Report?.reason, 'kept-latest');
      assert.match(r1Report?.detail ?? '', /at re-check/);
      assert.equal(report.summary.deleted, 0);
    } finally {
      await client.close();
    }
    assert.deepEqual(keySet(await gw.keys()), keySet([r1]));
  });

  test('guards: runs pushed out of their family are routine, not long-stale', async () => {
    // 13 runs of one task, 3.5s old under a 1s TTL: each is stale by more than its TTL.
    const runs = Array.from({ length: 13 }, (_, i) => run(`g${String(i).padStart(2, '0')}`, 't'));
    // Long enough past 2 TTLs even though the gateway's Date truncates to whole seconds.
    await pushInOrder(runs, 3500);
    const base = ['--url', gw.url, '--ttl', '1s', '--guard-min-age', '0', '--output', 'json'];
    // Without a family, 13 long-stale deletes of 13 groups trip --max-delete-ratio.
    const plain = await runCli([...base, '--dry-run']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(jsonOf(plain).gateways[0]?.guard ?? '', /13 stale for longer than their TTL/);
    // With --keep-latest, the newest is kept and the 12 others are what the retention is for.
    const kept = await runCli([...base, '--keep-latest', '1', '--per', 'job,task_id']);
    assert.equal(kept.code, 0, kept.stderr);
    assert.equal(jsonOf(kept).gateways[0]?.guard, undefined);
    assert.equal(jsonOf(kept).summary.deleted, 12);
    assert.deepEqual(keySet(await gw.keys()), keySet([run('g12', 't')]));
  });

  test('--keep-latest without --per, and --per without --keep-latest, are usage errors', async () => {
    const a = await runCli(['--url', gw.url, '--ttl', '1h', '--keep-latest', '1']);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /--keep-latest needs --per/);
    const b = await runCli(['--url', gw.url, '--ttl', '1h', '--per', 'job']);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /--per needs --keep-latest/);
    const c = await runCli(['--url', gw.url, '--ttl', '1h', '--rule', '{job="a"}=1h,keep=1']);
    assert.equal(c.code, 2);
    assert.match(c.stderr, /names no family labels/);
    assert.ok(rule('{job="a"}=1h,keep=1,per=job').ok);
  });
});

describe('pgsweep inspect --per', () => {
  test('shows the families: how many, their sizes, and the oldest group of each', async () => {
    const r = (job: string, task: string, id: string): Labels => ({
      job,
      task_id: task,
      run_id: id,
    });
    await pushInOrder([
      r('dag', 'a', '1'),
      r('dag', 'a', '2'),
      r('dag', 'a', '3'),
      r('dag', 'b', '1'),
    ]);
    const table = await runCli(['inspect', '--url', gw.url, '--per', 'job,task_id']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /FAMILIES by job,task_id: 2 families of 4 groups/);
    assert.match(
      table.stdout,
      /\n\s*3\s+\S+\s+\{job="dag", task_id="a"\}\s+\{job="dag", run_id="1", task_id="a"\}\n\s*1\s/,
    );
    const json = await runCli(['inspect', '--url', gw.url, '--per', 'job', '--output', 'json']);
    assert.equal(json.code, 0, json.stderr);
    const doc = JSON.parse(json.stdout) as {
      gateways: Array<{ families?: { families: number; largest: Array<{ groups: number }> } }>;
    };
    assert.equal(doc.gateways[0]?.families?.families, 1);
    assert.equal(doc.gateways[0]?.families?.largest[0]?.groups, 4);
    // Without --per, inspect stays as it was.
    const plain = await runCli(['inspect', '--url', gw.url]);
    assert.doesNotMatch(plain.stdout, /FAMILIES/);
  });
});

describe('ties in push time (a scripted fake: a real gateway stamps every push apart)', () => {
  test('every group tied at the boundary is kept; the older run is deleted', async () => {
    const tied = Math.floor(Date.now() / 1000) - 3 * 3600;
    const groups = [
      listedGroup({ job: 'dag', run_id: 'a' }, tied),
      listedGroup({ job: 'dag', run_id: 'b' }, tied),
      listedGroup({ job: 'dag', run_id: 'old' }, tied - 3600),
    ];
    let deleted = false;
    const server = await startServer((req, res) => {
      if (req.method === 'GET' && req.url === '/api/v1/metrics') {
        const data = deleted ? groups.slice(0, 2) : groups;
        res
          .writeHead(200, { 'content-type': 'application/json', date: new Date().toUTCString() })
          .end(JSON.stringify({ status: 'success', data }));
      } else if (req.method === 'DELETE') {
        deleted = true;
        res.writeHead(202).end();
      } else if (req.method === 'GET') res.writeHead(200).end('OK');
      else res.writeHead(405).end();
    });
    try {
      const result = await runCli([
        ...['--url', server.url, '--ttl', '1h', '--keep-latest', '1', '--per', 'job'],
        '--output',
        'json',
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(reasons(jsonOf(result)), {
        a: 'kept/kept-latest',
        b: 'kept/kept-latest',
        old: 'deleted/stale',
      });
      const deletes = server.requests.filter((r) => r.method === 'DELETE').map((r) => r.path);
      assert.equal(deletes.length, 1);
      assert.match(deletes[0] ?? '', /run_id(@base64)?\/(old|b2xk)/);
    } finally {
      await server.close();
    }
  });
});
