/**
 * Which clock a sweep trusts, and listings that show a key twice. The real gateway runs every case
 * it can produce; a proxy in front of it rewrites the listing's Date header (a real gateway always
 * sends one correct Date), and this machine's clock is moved with a preload in the CLI process.
 * Only a key listed twice needs a scripted fake: a real gateway's store is a map.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type CliResult, jsonOf, runCli, sleep } from '../support/cli.ts';
import { listedGroup, startServer, type TestServer } from '../support/fake-server.ts';
import {
  b64Path,
  type Gateway,
  keySet,
  rawRequest,
  startPushgateway,
} from '../support/pushgateway.ts';

const SHIFT_CLOCK = fileURLToPath(new URL('../support/shift-clock.mjs', import.meta.url));
/** Env for a CLI whose clock runs `ms` ahead of the real one (behind when negative). */
const shiftedClock = (ms: number) => ({
  NODE_OPTIONS: `--import=${SHIFT_CLOCK}`,
  TEST_CLOCK_SHIFT_MS: String(ms),
});

const DAY_MS = 86_400_000;

function errorLine(result: CliResult): string {
  const lines = result.stderr.split('\n').filter((l) => l.startsWith('pgsweep: error:'));
  assert.equal(lines.length, 1, result.stderr);
  assert.equal(result.stderr.includes('    at '), false, 'no stack trace');
  return lines[0] ?? '';
}

const deletes = (server: TestServer) =>
  server.requests.filter((r) => r.method === 'DELETE').map((r) => r.path);

describe('the clock, against a real gateway', () => {
  let gw: Gateway;
  const stale = { job: 'clock_stale', run_id: 's' };
  const fresh = { job: 'clock_fresh', run_id: 'f' };

  /** A stale group (pushed 3.3 s before) and a fresh one (pushed just now); TTL 2s. */
  async function reset(): Promise<void> {
    for (const k of await gw.keys()) await rawRequest(gw.port, 'DELETE', b64Path(k));
    assert.equal(await gw.push(stale), 200);
    await sleep(3300);
    assert.equal(await gw.push(fresh), 200);
  }

  /**
   * Forwards to the gateway; the listing's Date headers are replaced by `dates(realDate)` (none when
   * it returns []). Everything else passes through with the gateway's own Date.
   */
  function dateProxy(dates: (real: Date) => string[]): Promise<TestServer> {
    return startServer(async (req, res) => {
      const method = req.method ?? 'GET';
      const path = req.url ?? '/';
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const upstream = await rawRequest(gw.port, method, path, Buffer.concat(chunks));
      res.sendDate = false;
      const realDate = String(upstream.headers.date ?? new Date().toUTCString());
      const headers: Record<string, string | string[]> = {
        'content-type': String(upstream.headers['content-type'] ?? 'text/plain'),
      };
      // Either listing: the text page (the default) or the JSON API.
      const listing = method === 'GET' && (path === '/metrics' || path === '/api/v1/metrics');
      const rewritten = listing ? dates(new Date(realDate)) : [realDate];
      if (rewritten.length > 0) headers.date = rewritten;
      res.writeHead(upstream.status, headers).end(upstream.body);
    });
  }

  before(async () => {
    gw = await startPushgateway();
  });
  after(() => gw?.stop());

  const sweepArgs = (url: string, ...extra: string[]) => [
    '--url',
    url,
    '--ttl',
    '2s',
    '--output',
    'json',
    ...extra,
  ];

  for (const shift of [4000, -4000]) {
    test(`this machine's clock ${shift > 0 ? 'ahead' : 'behind'} by 4 s: the sweep works as usual`, async () => {
      await reset();
      const result = await runCli(sweepArgs(gw.url), shiftedClock(shift));
      assert.equal(result.code, 0, result.stderr);
      const doc = jsonOf(result);
      assert.equal(doc.gateways[0]?.clockSource, 'gateway-date');
      assert.deepEqual(
        doc.groups.map((g) => [g.labels, g.outcome]),
        [[stale, 'deleted']],
      );
      assert.deepEqual(keySet(await gw.keys()), keySet([fresh]));
      assert.doesNotMatch(result.stderr, /clock/, 'no clock warning for a few seconds');
    });
  }

  test("this machine's clock a day behind: nothing deleted, exit 1, both clocks and both flags named", async () => {
    await reset();
    const result = await runCli(sweepArgs(gw.url), shiftedClock(-DAY_MS));
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      errorLine(result),
      /^pgsweep: error: the gateway's clock \(Date: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\) and this machine's clock \(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\) differ by (?:23h59m59s|1d|1d1s), more than --max-clock-skew 30s; nothing was deleted\. Fix the clock that is wrong, or choose one: --trust-local-clock ages groups by this machine's clock, --max-clock-skew 0 by the gateway's$/,
    );
    // The JSON reader still gets its document, saying the gateway was not swept.
    const doc = jsonOf(result);
    assert.equal(doc.gateways[0]?.ok, false);
    assert.match(doc.gateways[0]?.error ?? '', /differ by (?:23h59m59s|1d|1d1s),/);
    assert.deepEqual(keySet(await gw.keys()), keySet([stale, fresh]));

    // --max-clock-skew 0: the gateway's clock is trusted (a warning says how far off this one is).
    const trusted = await runCli(
      sweepArgs(gw.url, '--max-clock-skew', '0', '--dry-run'),
      shiftedClock(-DAY_MS),
    );
    assert.equal(trusted.code, 0, trusted.stderr);
    assert.equal(jsonOf(trusted).summary.wouldDelete, 1);
    assert.match(
      trusted.stderr,
      /this machine's clock is (?:23h59m59s|1d|1d1s) behind the gateway's/,
    );
  });

  test('a dry run and --check refuse a skewed clock too (their report would be false)', async () => {
    await reset();
    for (const mode of ['--dry-run', '--check']) {
      const result = await runCli(sweepArgs(gw.url, mode), shiftedClock(DAY_MS));
      assert.equal(result.code, 1, `${mode}: ${result.stderr}`);
      assert.match(
        errorLine(result),
        /differ by (?:23h59m59s|1d|1d1s), more than --max-clock-skew 30s/,
      );
    }
  });

  test('--max-clock-skew bounds the check: 1h accepts a 10-minute skew, 5m does not', async () => {
    await reset();
    const wide = await runCli(
      sweepArgs(gw.url, '--max-clock-skew', '1h', '--dry-run'),
      shiftedClock(600_000),
    );
    assert.equal(wide.code, 0, wide.stderr);
    assert.equal(jsonOf(wide).summary.wouldDelete, 1);
    const narrow = await runCli(sweepArgs(gw.url, '--dry-run'), {
      ...shiftedClock(600_000),
      PGSWEEP_MAX_CLOCK_SKEW: '5m',
    });
    assert.equal(narrow.code, 1, narrow.stderr);
    assert.match(errorLine(narrow), /differ by (?:9m59s|10m|10m1s), more than --max-clock-skew 5m/);
  });

  const faults: Array<{ name: string; dates: (real: Date) => string[]; problem: RegExp }> = [
    {
      name: 'a Date a day in the future',
      dates: (real) => [new Date(real.getTime() + DAY_MS).toUTCString()],
      problem: /differ by (?:23h59m59s|1d|1d1s), more than --max-clock-skew 30s/,
    },
    {
      name: 'two Date headers (the first a day ahead)',
      dates: (real) => [new Date(real.getTime() + DAY_MS).toUTCString(), real.toUTCString()],
      problem: /has 2 Date headers \(a server sends one\)/,
    },
    {
      name: 'two identical Date headers',
      dates: (real) => [real.toUTCString(), real.toUTCString()],
      problem: /has 2 Date headers/,
    },
    {
      // Date.parse reads this as a year ahead: a loose parser would age every group by a year.
      name: 'an ISO timestamp instead of an HTTP date',
      dates: (real) => [new Date(real.getTime() + 365 * DAY_MS).toISOString()],
      problem: /a Date header that is not an HTTP date \("\d{4}-/,
    },
    {
      name: 'an IMF-fixdate with the wrong weekday, a day ahead',
      dates: (real) => {
        const ahead = new Date(real.getTime() + DAY_MS).toUTCString();
        const wrongDay = real.toUTCString().slice(0, 3);
        return [`${wrongDay}${ahead.slice(3)}`];
      },
      problem: /not an HTTP date/,
    },
    { name: 'no Date header', dates: () => [], problem: /has no Date header/ },
  ];

  for (const fault of faults) {
    test(`${fault.name}: nothing deleted, exit 1; --trust-local-clock sweeps by this machine's clock`, async () => {
      await reset();
      const proxy = await dateProxy(fault.dates);
      try {
        const refused = await runCli(sweepArgs(proxy.url));
        assert.equal(refused.code, 1, refused.stderr);
        assert.match(errorLine(refused), fault.problem);
        assert.match(errorLine(refused), /nothing was deleted/);
        assert.match(errorLine(refused), /--trust-local-clock/);
        assert.deepEqual(deletes(proxy), []);
        assert.deepEqual(keySet(await gw.keys()), keySet([stale, fresh]));

        assert.equal(await gw.push(fresh), 200, 'fresh again, whatever the first run took');
        const trusted = await runCli(sweepArgs(proxy.url, '--trust-local-clock'));
        assert.equal(trusted.code, 0, trusted.stderr);
        const doc = jsonOf(trusted);
        assert.equal(doc.gateways[0]?.clockSource, 'local');
        assert.deepEqual(
          doc.groups.map((g) => [g.labels, g.outcome]),
          [[stale, 'deleted']],
        );
        assert.deepEqual(keySet(await gw.keys()), keySet([fresh]));
        // Warned once, though the re-check listing had the same Date.
        const warnings = trusted.stderr
          .split('\n')
          .filter((l) => l.includes("ageing groups by this machine's clock"));
        assert.equal(warnings.length, 1, trusted.stderr);
      } finally {
        await proxy.close();
      }
    });
  }

  test('inspect (read-only) ages by the local clock when Date is repeated, and says why', async () => {
    await reset();
    const proxy = await dateProxy((real) => [real.toUTCString(), real.toUTCString()]);
    try {
      const result = await runCli(['inspect', '--url', proxy.url, '--output', 'json']);
      assert.equal(result.code, 0, result.stderr);
      const doc = JSON.parse(result.stdout) as { gateways: Array<{ clockSource: string }> };
      assert.equal(doc.gateways[0]?.clockSource, 'local');
      assert.match(
        result.stderr,
        /the gateway's listing has 2 Date headers \(a server sends one\); ages are measured by this machine's clock/,
      );
    } finally {
      await proxy.close();
    }
  });

  test('a bad Date on the re-check listing only: nothing deleted, exit 1', async () => {
    await reset();
    let listings = 0;
    const proxy = await dateProxy((real) =>
      ++listings === 1 ? [real.toUTCString()] : [new Date(real.getTime() + DAY_MS).toUTCString()],
    );
    try {
      const result = await runCli(sweepArgs(proxy.url));
      assert.equal(result.code, 1, result.stderr);
      assert.match(errorLine(result), /differ by (?:23h59m59s|1d|1d1s),/);
      assert.equal(listings, 2);
      assert.deepEqual(deletes(proxy), []);
      assert.deepEqual(keySet(await gw.keys()), keySet([stale, fresh]));
    } finally {
      await proxy.close();
    }
  });
});

describe('a key listed twice', () => {
  // Fixed push times, the same in every listing (as a real gateway's would be).
  const T_FRESH = Math.floor(Date.now() / 1000) - 60;
  const T_STALE = T_FRESH - 2 * 3600;
  const group = listedGroup;

  /** A gateway whose nth listing (1-based) shows `listings(n)`; DELETE 202, no write barrier. */
  function scripted(listings: (n: number) => unknown[]): Promise<TestServer> {
    let n = 0;
    return startServer((req, res) => {
      if (req.method === 'GET' && req.url === '/api/v1/metrics') {
        const body = JSON.stringify({ status: 'success', data: listings(++n) });
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      } else if (req.method === 'GET') res.writeHead(200).end('OK');
      else if (req.method === 'DELETE') res.writeHead(202).end();
      else res.writeHead(405).end();
    });
  }

  const twice = { job: 'twice', instance: 'a' };
  const other = { job: 'other_stale' };

  for (const order of ['fresh first', 'stale first']) {
    test(`fresh and stale copies (${order}): the listing is refused, nothing deleted, exit 1`, async () => {
      const server = await scripted(() => {
        const copies = [group(twice, T_FRESH), group(twice, T_STALE)];
        if (order === 'stale first') copies.reverse();
        return [group(other, T_STALE), ...copies];
      });
      try {
        for (const extra of [[], ['--dry-run']]) {
          const result = await runCli([
            '--url',
            server.url,
            '--ttl',
            '1h',
            '--timeout',
            '5s',
            ...extra,
          ]);
          assert.equal(result.code, 1, result.stderr);
          assert.match(
            errorLine(result),
            /^pgsweep: error: the listing from http:\/\/127\.0\.0\.1:\d+\/ shows the group \{job="twice", instance="a"\} twice, which a Pushgateway never does .*; nothing was deleted$/,
          );
        }
        assert.deepEqual(deletes(server), [], 'not even the other stale group');
      } finally {
        await server.close();
      }
    });
  }

  test('two identical copies are refused too', async () => {
    const server = await scripted(() => {
      const stale = group(twice, T_STALE);
      return [stale, stale];
    });
    try {
      const result = await runCli(['--url', server.url, '--ttl', '1h', '--timeout', '5s']);
      assert.equal(result.code, 1, result.stderr);
      assert.match(errorLine(result), /shows the group \{job="twice", instance="a"\} twice/);
      assert.deepEqual(deletes(server), []);
    } finally {
      await server.close();
    }
  });

  test('a candidate listed twice in the re-check listing is not deleted', async () => {
    const pushed = T_STALE;
    const server = await scripted((n) =>
      n === 1
        ? [group(twice, pushed)]
        : // The first copy says it was re-pushed; the second still looks deletable.
          [group(twice, T_FRESH), group(twice, pushed)],
    );
    try {
      const result = await runCli(['--url', server.url, '--ttl', '1h', '--timeout', '5s']);
      assert.equal(result.code, 1, result.stderr);
      assert.match(errorLine(result), /shows the group \{job="twice", instance="a"\} twice/);
      assert.deepEqual(deletes(server), []);
    } finally {
      await server.close();
    }
  });

  test('listed twice when confirming: reported not confirmed, the report kept, exit 1', async () => {
    const pushed = T_STALE;
    const server = await scripted((n) =>
      n <= 2 ? [group(twice, pushed)] : [group(twice, T_FRESH), group(twice, T_FRESH)],
    );
    try {
      const result = await runCli([
        '--url',
        server.url,
        '--ttl',
        '1h',
        '--timeout',
        '5s',
        '--output',
        'json',
      ]);
      assert.equal(result.code, 1, result.stderr);
      const doc = jsonOf(result);
      assert.equal(doc.gateways[0]?.ok, true);
      assert.deepEqual(
        doc.groups.map((g) => [g.labels, g.outcome, g.reason]),
        [[twice, 'failed', 'not-confirmed']],
      );
      assert.match(doc.groups[0]?.detail ?? '', /listing to confirm it failed: .* twice/);
      assert.equal(deletes(server).length, 1);
    } finally {
      await server.close();
    }
  });

  test('the same labels in another order are the same key', async () => {
    const server = await scripted(() => [
      group({ job: 'twice', instance: 'a' }, T_FRESH),
      group({ instance: 'a', job: 'twice' }, T_STALE),
    ]);
    try {
      const result = await runCli(['--url', server.url, '--ttl', '1h', '--timeout', '5s']);
      assert.equal(result.code, 1, result.stderr);
      assert.match(errorLine(result), /twice/);
      assert.deepEqual(deletes(server), []);
    } finally {
      await server.close();
    }
  });
});
