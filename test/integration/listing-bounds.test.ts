/**
 * Bounds on what a gateway sends: --timeout ends a whole request (a body that drips included),
 * --max-group-bytes and --max-listing-bytes end a listing that is too big, and memory stays
 * bounded meanwhile. Loopback fakes produce the endless bodies; a real gateway checks that the
 * default caps still sweep. Each fault must end with exit 1, one error line naming the setting,
 * and no DELETE.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { type CliResult, jsonOf, runCli, sleep, startCli } from '../support/cli.ts';
import { startServer, type TestServer } from '../support/fake-server.ts';
import { type Gateway, rawRequest, startPushgateway } from '../support/pushgateway.ts';

const MiB = 1024 * 1024;
/** What a bounded pgsweep may reach at peak; the unbounded one went far past it. */
const RSS_LIMIT = 200 * MiB;
/** A run past this is stuck: it is killed and the test fails. */
const RUN_LIMIT_MS = 30_000;

/** A stale group, as the JSON listing lists it. */
function jsonGroup(job: string): string {
  const series = (value: string) =>
    `{"time_stamp":"2020-01-01T00:00:00Z","type":"GAUGE","metrics":[{"labels":{"instance":"","job":"${job}"},"value":"${value}"}]}`;
  return `{"labels":{"job":"${job}"},"last_push_successful":true,"push_time_seconds":${series('1.5e+09')},"push_failure_time_seconds":${series('0')}}`;
}

interface Bounded extends CliResult {
  readonly elapsedMs: number;
  /** Peak resident memory of the CLI process, from /proc (VmHWM), in bytes. */
  readonly peakRss: number;
}

/** Runs the CLI, polling its peak RSS; kills it if it runs too long or grows past 2x the limit. */
async function runBounded(args: string[]): Promise<Bounded> {
  const started = Date.now();
  const cli = startCli(args);
  let peakRss = 0;
  let killed = '';
  const pid = cli.child.pid;
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m?.[1]) peakRss = Math.max(peakRss, Number(m[1]) * 1024);
    } catch {
      // exited
    }
    if (peakRss > 2 * RSS_LIMIT || Date.now() - started > RUN_LIMIT_MS) {
      killed ||= peakRss > 2 * RSS_LIMIT ? 'memory' : 'time';
      cli.child.kill('SIGKILL');
    }
  }, 20);
  const result = await cli.done.finally(() => clearInterval(poll));
  assert.equal(killed, '', `pgsweep was killed for using too much ${killed}:\n${result.stderr}`);
  return { ...result, elapsedMs: Date.now() - started, peakRss };
}

function assertFailedListing(result: Bounded, pattern: RegExp, fake: TestServer): void {
  assert.equal(result.code, 1, result.stderr);
  const errors = result.stderr.split('\n').filter((l) => l.startsWith('pgsweep: error:'));
  assert.equal(errors.length, 1, result.stderr);
  assert.match(errors[0] ?? '', pattern);
  assert.match(errors[0] ?? '', /nothing was deleted/);
  assert.equal(result.stderr.includes('    at '), false, 'no stack trace');
  assert.deepEqual(
    fake.requests.filter((r) => r.method !== 'GET'),
    [],
    'nothing but GETs was sent',
  );
}

/**
 * Answers 200 and then writes `head`, followed by `next()` for as long as the client reads,
 * honouring backpressure; stops when the client goes away.
 */
async function endless(
  res: ServerResponse,
  head: string,
  next: () => string | Buffer,
  pauseMs = 0,
  status = 200,
): Promise<void> {
  let gone = false;
  res.on('close', () => {
    gone = true;
  });
  res.setMaxListeners(0);
  res.writeHead(status, { 'content-type': 'application/json' });
  res.write(head);
  while (!gone) {
    if (pauseMs > 0) await sleep(pauseMs);
    if (gone) break;
    if (!res.write(next())) {
      await new Promise<void>((resolve) => {
        res.once('drain', resolve);
        res.once('close', resolve);
      });
    }
  }
}

const ENVELOPE = '{"status":"success","data":[';
const A_MIB = Buffer.alloc(64 * 1024, 'a');

async function withFake(
  handler: Parameters<typeof startServer>[0],
  run: (fake: TestServer) => Promise<void>,
): Promise<void> {
  const fake = await startServer(handler);
  try {
    await run(fake);
  } finally {
    await fake.close();
  }
}

describe('--timeout bounds the whole request', () => {
  test('a JSON listing that drips one byte every 300 ms ends at --timeout', async () => {
    await withFake(
      (_req, res) => endless(res, `${ENVELOPE}${jsonGroup('stale')}`, () => ' ', 300),
      async (fake) => {
        const result = await runBounded([
          ...['--url', fake.url, '--ttl', '1h', '--timeout', '2s', '--listing', 'json'],
        ]);
        assertFailedListing(
          result,
          /GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/metrics timed out after 2s \(raise --timeout/,
          fake,
        );
        assert.ok(result.elapsedMs < 8000, `ended after ${result.elapsedMs} ms`);
      },
    );
  });

  test('a DELETE whose answer drips is abandoned at --timeout and retried', async () => {
    let deletes = 0;
    let deleted = false;
    await withFake(
      async (req, res) => {
        if (req.method === 'GET' && req.url === '/api/v1/metrics') {
          res.writeHead(200).end(`${ENVELOPE}${deleted ? '' : jsonGroup('stale')}]}`);
        } else if (req.method === 'DELETE' && req.url === '/metrics/job/stale') {
          deletes++;
          // The first answer never finishes; the retry is answered at once.
          if (deletes === 1) await endless(res, '', () => ' ', 300, 202);
          else {
            deleted = true;
            res.writeHead(202).end();
          }
        } else if (req.method === 'POST') {
          // The write barrier's answer from a real gateway: every earlier write is applied.
          res.writeHead(400).end('pushed metrics must not have timestamps');
        } else res.writeHead(req.method === 'DELETE' ? 202 : 200).end('OK');
      },
      async (fake) => {
        const result = await runBounded([
          ...['--url', fake.url, '--ttl', '1h', '--timeout', '2s', '--output', 'json'],
        ]);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(jsonOf(result).summary.deleted, 1, result.stdout);
        assert.ok(deletes >= 2, 'the DELETE was sent again');
        assert.ok(result.elapsedMs >= 2000, `ended after ${result.elapsedMs} ms`);
        assert.ok(result.elapsedMs < 10_000, `ended after ${result.elapsedMs} ms`);
      },
    );
  });
});

describe('caps on the listing', () => {
  const cases: Array<{
    name: string;
    args: string[];
    respond: (res: ServerResponse) => Promise<void>;
    error: RegExp;
  }> = [
    {
      name: 'one endless JSON string',
      args: ['--listing', 'json'],
      respond: (res) =>
        endless(res, `${ENVELOPE}${jsonGroup('a')},{"labels":{"job":"`, () => A_MIB),
      error:
        /a group in the listing from \S+ is larger than --max-group-bytes 16MiB; nothing was deleted \(raise --max-group-bytes/,
    },
    {
      name: 'an endless group',
      args: ['--listing', 'json'],
      respond: (res) =>
        endless(
          res,
          `${ENVELOPE}{"labels":{"job":"big"},"m":{"type":"GAUGE","metrics":[`,
          () => '{"labels":{"job":"big","a":"b"},"value":"1"},',
        ),
      error: /a group in the listing from \S+ is larger than --max-group-bytes 16MiB/,
    },
    {
      name: 'a group with endless members',
      args: ['--listing', 'json'],
      respond: (res) =>
        endless(res, `${ENVELOPE}{"labels":{"job":"big"}`, () => ',"a":1'.repeat(4096)),
      error: /a group in the listing from \S+ is larger than --max-group-bytes 16MiB/,
    },
    {
      name: 'endless whitespace inside a group',
      args: ['--listing', 'json', '--max-group-bytes', '1MiB'],
      respond: (res) => endless(res, `${ENVELOPE}{"labels":`, () => Buffer.alloc(65536, ' ')),
      error: /larger than --max-group-bytes 1MiB/,
    },
    {
      name: 'endless tiny groups past --max-groups',
      args: ['--listing', 'json', '--max-groups', '50000'],
      respond: (res) => {
        let n = 0;
        return endless(res, ENVELOPE, () => `${jsonGroup(`g${n++}`)},`);
      },
      error:
        /the listing from \S+ holds more than --max-groups 50000 groups; nothing was deleted \(raise --max-groups/,
    },
    {
      name: 'endless groups past --max-listing-bytes',
      args: ['--listing', 'json', '--max-listing-bytes', '1MiB'],
      respond: (res) => {
        let n = 0;
        return endless(res, ENVELOPE, () => `${jsonGroup(`g${n++}`)},`);
      },
      error:
        /the listing from http:\/\/127\.0\.0\.1:\d+\/api\/v1\/metrics is larger than --max-listing-bytes 1MiB; nothing was deleted \(raise --max-listing-bytes if the gateway is really that big\)/,
    },
    {
      name: 'an endless line in the text listing',
      args: ['--listing', 'text'],
      respond: (res) =>
        endless(
          res,
          'pushgateway_build_info{version="1.5.1"} 1\npush_time_seconds{job="',
          () => A_MIB,
        ),
      error:
        /a group in the listing from http:\/\/127\.0\.0\.1:\d+\/metrics is larger than --max-group-bytes 16MiB/,
    },
    {
      name: 'endless text lines past --max-listing-bytes',
      args: ['--listing', 'text', '--max-listing-bytes', '2MB'],
      respond: (res) => {
        let n = 0;
        return endless(
          res,
          'pushgateway_build_info 1\n',
          () => `push_time_seconds{instance="",job="g${n++}"} 1.5e+09\n`,
        );
      },
      error: /the listing from \S+\/metrics is larger than --max-listing-bytes 2MB/,
    },
  ];
  for (const c of cases) {
    test(`${c.name}: exit 1 naming the cap, memory bounded`, async () => {
      await withFake(
        (_req, res) => c.respond(res),
        async (fake) => {
          const result = await runBounded(['--url', fake.url, '--ttl', '1h', ...c.args]);
          process.stderr.write(
            `PEAK ${c.name}: ${(result.peakRss / MiB).toFixed(0)} MiB in ${result.elapsedMs} ms\n`,
          );
          assertFailedListing(result, c.error, fake);
          assert.ok(
            result.peakRss < RSS_LIMIT,
            `peak RSS ${(result.peakRss / MiB).toFixed(0)} MiB`,
          );
        },
      );
    });
  }
});

describe('a real gateway with the default caps', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startPushgateway();
  });
  after(() => gw?.stop());

  for (const listing of ['json', 'text']) {
    test(`--listing ${listing}: stale groups are deleted, fresh ones kept`, async () => {
      assert.equal(await gw.push({ job: `old_${listing}`, run_id: '1' }), 200);
      // Date has whole seconds: past 2 s, the group is older than 1s on any truncation.
      await sleep(2300);
      assert.equal(await gw.push({ job: `new_${listing}` }), 200);
      const result = await runCli([
        ...['--url', gw.url, '--ttl', '1s', '--listing', listing, '--output', 'json'],
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(jsonOf(result).summary.deleted, 1, result.stdout);
      const keys = await gw.keys();
      assert.deepEqual(
        keys.map((k) => k.job),
        [`new_${listing}`],
      );
      // Leave the gateway empty for the next case.
      await rawRequest(gw.port, 'DELETE', `/metrics/job/new_${listing}`);
      for (let i = 0; i < 50 && (await gw.keys()).length > 0; i++) await sleep(50);
    });
  }
});

describe('schedule mode', () => {
  test('a run stuck past its next tick turns /healthz 503 and shows in /metrics', async () => {
    let listings = 0;
    await withFake(
      async (req, res) => {
        if (req.url !== '/api/v1/metrics') return void res.writeHead(404).end();
        // The listing's headers come, then nothing: each run waits for --timeout.
        listings++;
        await endless(res, ENVELOPE, () => ' ', 1000);
      },
      async (fake) => {
        const cli = startCli([
          ...['--url', fake.url, '--ttl', '1h', '--timeout', '4s', '--listing', 'json'],
          ...['--schedule', '* * * * * *', '--listen', '127.0.0.1:0'],
        ]);
        let stderr = '';
        cli.child.stderr?.on('data', (d: Buffer) => {
          stderr += d.toString();
        });
        let result: CliResult | undefined;
        try {
          const address = await until('the metrics address', async () => {
            return /"address":"127\.0\.0\.1:(\d+)","msg":"serving/.exec(stderr)?.[1];
          });
          const get = (path: string) => rawRequest(Number(address), 'GET', path);
          const health = await until('/healthz turns 503', async () => {
            const h = await get('/healthz');
            return h.status === 503 ? h : undefined;
          });
          assert.match(
            health.body,
            /^overdue: the sweep started \S+ is still running after \d+s, past its next tick/,
          );
          const metrics = (await get('/metrics')).body;
          assert.match(metrics, /^pgsweep_run_overdue 1$/m);
          assert.match(metrics, /^pgsweep_overdue_runs_total [1-9]/m);
          assert.match(metrics, /^pgsweep_run_seconds [1-9]/m);
          // The run itself ends at --timeout, as a failure that says why.
          await until('the run fails', async () =>
            /^pgsweep_runs_total\{result="failure"\} [1-9]/m.test((await get('/metrics')).body),
          );
          assert.match(stderr, /timed out after 4s \(raise --timeout/);
          cli.child.kill('SIGTERM');
          result = await cli.done;
        } finally {
          if (!result) {
            cli.child.kill('SIGKILL');
            await cli.done;
          }
        }
        assert.equal(result.code, 0, stderr);
        assert.ok(listings >= 1);
      },
    );
  });
});

async function until<T>(what: string, check: () => Promise<T | undefined | false>): Promise<T> {
  const end = Date.now() + 15_000;
  while (Date.now() < end) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    await sleep(100);
  }
  assert.fail(`timed out waiting for: ${what}`);
}

describe('inspect and doctor read /metrics and the web UI within the same bounds', () => {
  /** A gateway whose listing is fine but whose /metrics and web UI are one endless line. */
  const handler: Parameters<typeof startServer>[0] = async (req, res) => {
    if (req.url === '/api/v1/metrics') {
      res.writeHead(200, { 'content-type': 'application/json', date: new Date().toUTCString() });
      res.end(`${ENVELOPE}${jsonGroup('ok')}]}`);
    } else if (req.url === '/-/healthy') {
      res.end('OK');
    } else {
      await endless(res, '', () => A_MIB);
    }
  };

  for (const command of ['inspect', 'doctor'] as const) {
    test(`${command}: an endless /metrics line stops at --max-listing-bytes with bounded memory`, async () => {
      await withFake(handler, async (fake) => {
        const result = await runBounded([
          command,
          '--url',
          fake.url,
          '--max-listing-bytes',
          '256MiB',
        ]);
        assert.ok(result.peakRss < RSS_LIMIT, `peak RSS ${result.peakRss / MiB} MiB`);
        assert.ok(result.code === 0 || result.code === 1, result.stderr);
        assert.equal(result.stderr.includes('please report'), false, result.stderr);
        if (command === 'inspect') {
          assert.match(result.stderr, /metrics is larger than --max-listing-bytes 256MiB/);
        }
      });
    });
  }
});
