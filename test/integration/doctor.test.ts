/**
 * `pgsweep doctor [--fix]` against real Pushgateways put into each broken state of
 * shared/pushgateway-api.md (one gateway per state: most of them poison the whole store). Each
 * time: doctor names the state and exits 1; doctor --fix deletes exactly the offending groups,
 * the gateway works again, doctor exits 0, and the healthy groups beside them survive untouched.
 * The full write queue cannot be produced on demand, so a loopback fake stands in for it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type CliResult, runCli } from '../support/cli.ts';
import { startProxy, startServer, type TestServer } from '../support/fake-server.ts';
import {
  b64Path,
  type Gateway,
  keySet,
  type Labels,
  rawRequest,
  startPushgateway,
} from '../support/pushgateway.ts';

interface ProblemJson {
  kind: string;
  check: string;
  detail: string;
  group: Labels | null;
  rawKey?: Record<string, string>;
  fixable: boolean;
  fix?: { action: string; path: string };
  unfixable?: string;
}

interface DiagnosisJson {
  checks: Array<{ check: string; status: string; detail?: string }>;
  problems: ProblemJson[];
}

interface DoctorJson {
  schemaVersion: number;
  command: string;
  fix: boolean;
  healthy: boolean;
  gateways: Array<
    DiagnosisJson & {
      gateway: string;
      ok: boolean;
      healthy: boolean;
      fixes: Array<{ kind: string; group: Labels | null; path: string; outcome: string }>;
      after?: DiagnosisJson;
    }
  >;
}

async function doctor(
  url: string,
  ...args: string[]
): Promise<{ result: CliResult; doc: DoctorJson }> {
  const result = await runCli([
    'doctor',
    '--url',
    url,
    '--output',
    'json',
    '--timeout',
    '10s',
    ...args,
  ]);
  let doc: DoctorJson;
  try {
    doc = JSON.parse(result.stdout) as DoctorJson;
  } catch {
    throw new Error(
      `stdout is not JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  assert.equal(result.stderr.includes('    at '), false, 'no stack trace');
  return { result, doc };
}

function gatewayOf(doc: DoctorJson) {
  const g = doc.gateways[0];
  assert.ok(g?.ok, JSON.stringify(doc));
  return g;
}

const kinds = (d: DiagnosisJson) => d.problems.map((p) => p.kind).sort();
const checkStatus = (d: DiagnosisJson, check: string) =>
  d.checks.find((c) => c.check === check)?.status;

/** Groups that must survive every --fix, and a snapshot to compare against. */
const HEALTHY: Labels[] = [
  { job: 'aaa_first' },
  { job: 'healthy', instance: 'a' },
  { job: 'flaky' },
];

async function pushHealthy(gw: Gateway): Promise<void> {
  for (const labels of HEALTHY) assert.equal(await gw.push(labels, 'keep_me 1\n'), 200);
  // Its last push failed, but it once succeeded: not a never-succeeded group.
  assert.equal(await gw.push({ job: 'flaky' }, 'keep_me 1 1700000000000\n'), 400);
}

/** push_time_seconds of every listed group, by key: proves nothing healthy was re-pushed or lost. */
async function pushTimes(gw: Gateway, keys: Labels[]): Promise<Record<string, string | undefined>> {
  const wanted = new Set(keySet(keys));
  const out: Record<string, string | undefined> = {};
  for (const g of await gw.listing()) {
    const id = keySet([g.labels as Labels])[0] ?? '';
    if (!wanted.has(id)) continue;
    out[id] = (g.push_time_seconds as { metrics: Array<{ value: string }> }).metrics[0]?.value;
  }
  return out;
}

const status = async (gw: Gateway, path: string) => (await rawRequest(gw.port, 'GET', path)).status;

describe('a healthy gateway', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startPushgateway();
    await pushHealthy(gw);
  });
  after(() => gw?.stop());

  test('doctor exits 0 and says so', async () => {
    const result = await runCli(['doctor', '--url', gw.url]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^doctor: healthy \(http:\/\/127\.0\.0\.1:\d+\/\)$/m);
    const { result: json, doc } = await doctor(gw.url, '--fix');
    assert.equal(json.code, 0);
    assert.equal(doc.healthy, true);
    assert.deepEqual(gatewayOf(doc).fixes, []);
    assert.deepEqual(keySet(await gw.keys()), keySet(HEALTHY));
  });
});

describe('never-succeeded (phantom) groups', () => {
  let gw: Gateway;
  let proxy: TestServer;
  const ghosts: Labels[] = [{ job: 'ghost' }, { job: 'ghost 2', path: '/var/tmp', empty: '' }];
  before(async () => {
    gw = await startPushgateway();
    await pushHealthy(gw);
    // A sample timestamp gets a push rejected (400); on a new key it leaves a phantom group.
    for (const labels of ghosts) assert.equal(await gw.push(labels, 'm 1 1700000000000\n'), 400);
    proxy = await startProxy(gw.port, () => 'forward');
  });
  after(async () => {
    await proxy?.close();
    await gw?.stop();
  });

  test('doctor names them, exits 1 and deletes nothing', async () => {
    const { result, doc } = await doctor(proxy.url);
    assert.equal(result.code, 1, result.stderr);
    const g = gatewayOf(doc);
    assert.deepEqual(kinds(g), ['phantom', 'phantom']);
    assert.equal(checkStatus(g, 'phantoms'), 'problem');
    assert.deepEqual(keySet(g.problems.map((p) => p.group ?? {})), keySet(ghosts));
    assert.ok(g.problems.every((p) => p.fixable));
    assert.deepEqual(
      proxy.requests.filter((r) => r.method !== 'GET'),
      [],
      'no DELETE without --fix',
    );
    assert.deepEqual(keySet(await gw.keys()), keySet([...HEALTHY, ...ghosts]));
  });

  test('doctor --fix deletes exactly them, then finds the gateway healthy', async () => {
    const before = await pushTimes(gw, HEALTHY);
    const { result, doc } = await doctor(proxy.url, '--fix');
    assert.equal(result.code, 0, result.stderr);
    const g = gatewayOf(doc);
    assert.deepEqual(
      g.fixes.map((f) => f.outcome),
      ['deleted', 'deleted'],
    );
    assert.deepEqual(g.after?.problems, []);
    assert.equal(doc.healthy, true);
    assert.deepEqual(keySet(await gw.keys()), keySet(HEALTHY), 'the healthy groups survive');
    assert.deepEqual(await pushTimes(gw, HEALTHY), before, 'and are untouched');
    const deletes = proxy.requests.filter((r) => r.method === 'DELETE').map((r) => r.path);
    assert.deepEqual(deletes.sort(), [
      '/metrics/job/ghost',
      '/metrics/job/ghost%202/empty@base64/=/path@base64/L3Zhci90bXA',
    ]);
    const again = await runCli(['doctor', '--url', gw.url]);
    assert.equal(again.code, 0, again.stdout);
  });
});

describe('colliding {job="x"} and {job="x", instance=""}: a scrape that answers 500', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startPushgateway();
    await pushHealthy(gw);
    assert.equal(await gw.push({ job: 'x' }, 'm 1\n'), 200);
    // Rejected as a duplicate of {job="x"}'s series, but it leaves the phantom {job="x", instance=""}.
    const res = await rawRequest(gw.port, 'PUT', '/metrics/job/x/instance@base64/=', 'm 1\n');
    assert.equal(res.status, 400);
    // The store is now poisoned: every push fails, and a new key becomes another phantom.
    assert.equal(await gw.push({ job: 'unrelated' }, 'm 1\n'), 400);
    assert.equal(await status(gw, '/metrics'), 500);
  });
  after(() => gw?.stop());

  test('doctor names the collision, the phantom it caused and the failing scrape', async () => {
    const { result, doc } = await doctor(gw.url);
    assert.equal(result.code, 1, result.stderr);
    const g = gatewayOf(doc);
    assert.deepEqual(kinds(g), ['collision', 'phantom', 'scrape-error']);
    const collision = g.problems.find((p) => p.kind === 'collision');
    assert.deepEqual(collision?.group, { job: 'x', instance: '' });
    assert.equal(collision?.fix?.path, 'metrics/job/x/instance@base64/=');
    assert.match(collision?.detail ?? '', /both expose their series as \{job="x", instance=""\}/);
    assert.deepEqual(g.problems.find((p) => p.kind === 'phantom')?.group, { job: 'unrelated' });
    assert.match(g.problems.find((p) => p.kind === 'scrape-error')?.detail ?? '', /answered 500/);
    assert.equal(checkStatus(g, 'scrape'), 'problem');
    assert.equal(checkStatus(g, 'collisions'), 'problem');
  });

  test('doctor --fix deletes the phantom side, and the gateway works again', async () => {
    const before = await pushTimes(gw, [...HEALTHY, { job: 'x' }]);
    const { result, doc } = await doctor(gw.url, '--fix');
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(gatewayOf(doc).after?.problems, []);
    assert.equal(await status(gw, '/metrics'), 200);
    assert.deepEqual(keySet(await gw.keys()), keySet([...HEALTHY, { job: 'x' }]));
    assert.deepEqual(await pushTimes(gw, [...HEALTHY, { job: 'x' }]), before);
    assert.equal(await gw.push({ job: 'new' }, 'm 1\n'), 200, 'pushes are accepted again');
  });
});

describe('a grouping key that is not valid UTF-8', () => {
  let gw: Gateway;
  let proxy: TestServer;
  before(async () => {
    gw = await startPushgateway();
    await pushHealthy(gw);
    const res = await rawRequest(gw.port, 'PUT', '/metrics/job/badutf8/v/%FF', 'm 1\n');
    assert.equal(res.status, 400);
    assert.equal(await status(gw, '/metrics'), 500);
    proxy = await startProxy(gw.port, () => 'forward');
  });
  after(async () => {
    await proxy?.close();
    await gw?.stop();
  });

  test('doctor names it with its exact bytes from the web UI', async () => {
    const { result, doc } = await doctor(proxy.url);
    assert.equal(result.code, 1, result.stderr);
    const g = gatewayOf(doc);
    assert.deepEqual(kinds(g), ['invalid-utf8-key', 'scrape-error']);
    const p = g.problems.find((x) => x.kind === 'invalid-utf8-key');
    assert.deepEqual(p?.group, { job: 'badutf8', v: '\uFFFD' });
    assert.deepEqual(p?.rawKey, { job: Buffer.from('badutf8').toString('base64url'), v: '_w' });
    assert.equal(p?.fix?.path, 'metrics/job/badutf8/v@base64/_w');
    assert.ok(
      proxy.requests.some((r) => r.method === 'GET' && r.path === '/'),
      'read the web UI',
    );
  });

  test('doctor --fix deletes it through the raw bytes, and /metrics works again', async () => {
    const before = await pushTimes(gw, HEALTHY);
    const { result, doc } = await doctor(proxy.url, '--fix');
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(gatewayOf(doc).after?.problems, []);
    assert.deepEqual(
      proxy.requests.filter((r) => r.method === 'DELETE').map((r) => r.path),
      ['/metrics/job/badutf8/v@base64/_w'],
    );
    assert.equal(await status(gw, '/metrics'), 200);
    assert.deepEqual(keySet(await gw.keys()), keySet(HEALTHY));
    assert.deepEqual(await pushTimes(gw, HEALTHY), before);
  });
});

/** Delimited protobuf: one MetricFamily {name, type GAUGE} with no Metric at all. */
function emptyFamily(name: string): Buffer {
  const varint = (n: number) => {
    const out: number[] = [];
    while (n > 127) {
      out.push((n & 127) | 128);
      n >>>= 7;
    }
    out.push(n);
    return Buffer.from(out);
  };
  const nameBytes = Buffer.from(name, 'utf8');
  // MetricFamily: name = 1 (string), help = 2, type = 3 (enum, GAUGE = 1), metric = 4 (repeated).
  const family = Buffer.concat([
    varint((1 << 3) | 2),
    varint(nameBytes.length),
    nameBytes,
    varint((3 << 3) | 0),
    varint(1),
  ]);
  return Buffer.concat([varint(family.length), family]);
}

const PROTOBUF =
  'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';

describe('a listing that crashes (empty push_failure_time_seconds family)', () => {
  let gw: Gateway;
  const crashed: Labels[] = [
    { job: 'crash', zone: 'z1' },
    { job: 'crash', zone: 'z2' },
  ];
  before(async () => {
    gw = await startPushgateway();
    await pushHealthy(gw);
    for (const labels of crashed) {
      assert.equal(await gw.push(labels, 'm 1\n'), 200);
      const res = await rawRequest(
        gw.port,
        'PUT',
        b64Path(labels),
        emptyFamily('push_failure_time_seconds'),
        {
          'content-type': PROTOBUF,
        },
      );
      assert.equal(res.status, 200, res.body);
    }
    await assert.rejects(rawRequest(gw.port, 'GET', '/api/v1/metrics'), 'the listing is dead');
    assert.equal(await status(gw, '/metrics'), 200, '/metrics still works');
  });
  after(() => gw?.stop());

  test('inspect fails with one line that points at doctor', async () => {
    const result = await runCli(['inspect', '--url', gw.url]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^pgsweep: error: GET .*api\/v1\/metrics failed: connection reset by the server \(pgsweep doctor diagnoses/m,
    );
  });

  test('doctor names the group the gateway crashes on', async () => {
    const { result, doc } = await doctor(gw.url);
    assert.equal(result.code, 1, result.stderr);
    const g = gatewayOf(doc);
    assert.deepEqual(kinds(g), ['listing-crash']);
    const p = g.problems[0];
    assert.ok(keySet(crashed).includes(keySet([p?.group ?? {}])[0] ?? ''), JSON.stringify(p));
    assert.match(p?.detail ?? '', /closes the connection without a reply/);
    assert.match(p?.detail ?? '', /\/metrics shows it without push_failure_time_seconds/);
    assert.equal(checkStatus(g, 'listing'), 'problem');
    assert.equal(checkStatus(g, 'phantoms'), 'unknown');
  });

  test('doctor --fix deletes both such groups, one per round, and the listing works again', async () => {
    const { result, doc } = await doctor(gw.url, '--fix');
    assert.equal(result.code, 0, result.stderr);
    const g = gatewayOf(doc);
    assert.deepEqual(
      g.fixes.map((f) => [f.kind, f.outcome]),
      [
        ['listing-crash', 'deleted'],
        ['listing-crash', 'deleted'],
      ],
    );
    assert.deepEqual(keySet(g.fixes.map((f) => f.group ?? {})), keySet(crashed));
    assert.deepEqual(g.after?.problems, []);
    assert.deepEqual(
      keySet(await gw.keys()),
      keySet(HEALTHY),
      'listing works; healthy groups survive',
    );
  });
});

describe('a scrape that fails for a reason no group doctor may delete explains', () => {
  let gw: Gateway;
  before(async () => {
    // Without the consistency check, two groups may push one name with different types.
    gw = await startPushgateway({ args: ['--push.disable-consistency-check'] });
    assert.equal(await gw.push({ job: 'a' }, '# TYPE m counter\nm 1\n'), 202);
    assert.equal(await gw.push({ job: 'b' }, '# TYPE m gauge\nm 2\n'), 202);
    for (let i = 0; i < 50 && (await gw.keys()).length < 2; i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal(await status(gw, '/metrics'), 500);
  });
  after(() => gw?.stop());

  test('doctor --fix reports it, deletes nothing and exits 1', async () => {
    const { result, doc } = await doctor(gw.url, '--fix');
    assert.equal(result.code, 1, result.stderr);
    const g = gatewayOf(doc);
    assert.deepEqual(kinds(g), ['scrape-error']);
    assert.match(g.problems[0]?.unfixable ?? '', /no group doctor may delete explains it/);
    assert.deepEqual(g.fixes, []);
    assert.deepEqual(keySet(await gw.keys()), keySet([{ job: 'a' }, { job: 'b' }]));
  });
});

describe('a full write queue (fake gateway)', () => {
  let server: TestServer;
  before(async () => {
    const listing = JSON.stringify({
      status: 'success',
      data: [
        {
          labels: { job: 'ok' },
          last_push_successful: true,
          push_time_seconds: {
            time_stamp: '2026-01-01T00:00:00Z',
            type: 'GAUGE',
            metrics: [{ labels: { instance: '', job: 'ok' }, value: '1.79e+09' }],
          },
          push_failure_time_seconds: {
            time_stamp: '2026-01-01T00:00:00Z',
            type: 'GAUGE',
            metrics: [{ labels: { instance: '', job: 'ok' }, value: '0' }],
          },
        },
      ],
    });
    server = await startServer((req, res) => {
      if (req.url === '/-/healthy') res.writeHead(500).end('write queue is full\n');
      else if (req.url === '/api/v1/metrics')
        res.writeHead(200, { 'content-type': 'application/json' }).end(listing);
      else if (req.url === '/metrics') res.writeHead(200).end('pushgateway_build_info 1\n');
      else res.writeHead(404).end('404 page not found\n');
    });
  });
  after(() => server?.close());

  test('doctor names it; --fix cannot cure it, deletes nothing and exits 1', async () => {
    const plain = await runCli(['doctor', '--url', server.url]);
    assert.equal(plain.code, 1, plain.stderr);
    assert.match(plain.stdout, /^write-queue +PROBLEM$/m);
    assert.match(
      plain.stdout,
      /^write-queue-full: the gateway's write queue \(1000 slots\) is full/m,
    );
    const { result, doc } = await doctor(server.url, '--fix');
    assert.equal(result.code, 1, result.stderr);
    const g = gatewayOf(doc);
    assert.deepEqual(kinds(g), ['write-queue-full']);
    assert.equal(g.problems[0]?.fixable, false);
    assert.deepEqual(g.fixes, []);
    assert.deepEqual(
      server.requests.filter((r) => r.method !== 'GET'),
      [],
    );
  });
});
