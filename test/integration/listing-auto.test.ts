/**
 * --listing auto (the default) against a real Pushgateway, behind a loopback proxy that records
 * every request: it reads the text page, and the JSON listing only for --archive-file or when the
 * text page fails (a poisoned store answers 500 there). The re-check and confirmation listings
 * read what the first listing ended up reading.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { jsonOf, runCli, sleep } from '../support/cli.ts';
import { type ProxyDecision, startProxy, type TestServer } from '../support/fake-server.ts';
import {
  type Gateway,
  keySet,
  type Labels,
  rawRequest,
  startPushgateway,
} from '../support/pushgateway.ts';

const KEEP: Labels = { job: 'keep', instance: 'k' };
const STALE: Labels = { job: 'old', instance: 'a' };

let gw: Gateway | undefined;
let proxy: TestServer | undefined;
afterEach(async () => {
  await proxy?.close();
  await gw?.stop();
  proxy = undefined;
  gw = undefined;
});

/** A gateway holding KEEP and a stale STALE, behind a recording proxy. */
async function start(decide: (method: string, path: string) => ProxyDecision = () => 'forward') {
  const g = await startPushgateway();
  gw = g;
  assert.equal(await g.push(KEEP), 200);
  assert.equal(await g.push(STALE), 200);
  await sleep(2300);
  const p = await startProxy(g.port, decide);
  proxy = p;
  return { g, p };
}

/** The listing GETs the proxy saw, in order: `text` for /metrics, `json` for the JSON API. */
function listings(p: TestServer): string[] {
  return p.requests
    .filter((r) => r.method === 'GET' && (r.path === '/metrics' || r.path === '/api/v1/metrics'))
    .map((r) => (r.path === '/metrics' ? 'text' : 'json'));
}

/** The gateway's own count of JSON listings served (it does not count /metrics). */
async function jsonListingsServed(g: Gateway): Promise<number> {
  const res = await rawRequest(g.port, 'GET', '/metrics');
  assert.equal(res.status, 200);
  const m =
    /^pushgateway_http_requests_total\{code="200",handler="api\/v1\/metrics",method="get"\} (\d+)$/m.exec(
      res.body,
    );
  return Number(m?.[1] ?? 0);
}

const sweep = (url: string, ...extra: string[]) =>
  runCli(['--url', url, '--ttl', '1s', '--exclude', '{job="keep"}', '--output', 'json', ...extra]);

test('by default every listing of a sweep reads the text page, never the JSON API', async () => {
  const { g, p } = await start();
  const before = await jsonListingsServed(g);
  const result = await sweep(p.url);
  assert.equal(result.code, 0, result.stderr);
  const doc = jsonOf(result) as ReturnType<typeof jsonOf> & {
    gateways: Array<{ listing?: string; listingFallback?: string }>;
  };
  assert.equal(doc.summary.deleted, 1);
  assert.equal(doc.gateways[0]?.listing, 'text');
  assert.equal(doc.gateways[0]?.listingFallback, undefined);
  // List, re-check, confirm.
  assert.deepEqual(listings(p), ['text', 'text', 'text']);
  assert.equal(await jsonListingsServed(g), before, 'the gateway built no JSON listing');
  assert.doesNotMatch(result.stderr, /JSON API/);
  assert.deepEqual(keySet(await g.keys()), keySet([KEEP]));
});

test('with --archive-file, auto reads the JSON API for every listing, and says why', async () => {
  const { g, p } = await start();
  const dir = mkdtempSync(join(tmpdir(), 'pgsweep-auto-'));
  try {
    const file = join(dir, 'archive.jsonl');
    const result = await sweep(p.url, '--archive-file', file, '--log-level', 'info');
    assert.equal(result.code, 0, result.stderr);
    const doc = jsonOf(result) as ReturnType<typeof jsonOf> & {
      gateways: Array<{ listing?: string; listingFallback?: string }>;
    };
    assert.equal(doc.summary.deleted, 1);
    assert.equal(doc.gateways[0]?.listing, 'json');
    assert.match(doc.gateways[0]?.listingFallback ?? '', /--archive-file/);
    assert.deepEqual(listings(p), ['json', 'json', 'json']);
    assert.equal(
      (result.stderr.match(/"msg":"listing with the JSON API: --archive-file/g) ?? []).length,
      1,
      result.stderr,
    );
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 1);
    assert.deepEqual((JSON.parse(lines[0] ?? '') as { labels: Labels }).labels, STALE);
    assert.deepEqual(keySet(await g.keys()), keySet([KEEP]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('on a poisoned store (the text page answers 500) auto sweeps with the JSON API, and says why once', async () => {
  const { g, p } = await start();
  // {job="coll"}, then a push to {job="coll",instance=""}: both expose the same series, so the
  // second push is rejected and leaves a phantom, and from then on /metrics answers 500 (spec 4.7).
  const coll: Labels = { job: 'coll' };
  assert.equal(await g.push(coll), 200);
  assert.equal(await g.push({ job: 'coll', instance: '' }), 400);
  assert.equal((await rawRequest(g.port, 'GET', '/metrics')).status, 500, 'the store is poisoned');
  // Past the 1s TTL even though Date has whole seconds: a push at x.1s, read at (x+1).6s, is 0.5s old.
  await sleep(2100);
  const result = await sweep(p.url);
  assert.equal(result.code, 0, result.stderr);
  const doc = jsonOf(result) as ReturnType<typeof jsonOf> & {
    gateways: Array<{ listing?: string; listingFallback?: string }>;
  };
  assert.equal(doc.gateways[0]?.listing, 'json');
  assert.match(doc.gateways[0]?.listingFallback ?? '', /metrics answered 500/);
  // The text page once, then the JSON API for the plan, the re-check and the confirmation.
  assert.deepEqual(listings(p), ['text', 'json', 'json', 'json']);
  const warnings = result.stderr.match(/the text page cannot be used \([^)]*\)/g) ?? [];
  assert.equal(warnings.length, 1, result.stderr);
  // Every stale group by its exact key (the phantom too), which heals the store.
  assert.equal(doc.summary.deleted, 3, `${result.stdout}\n${result.stderr}`);
  assert.deepEqual(keySet(await g.keys()), keySet([KEEP]));
  assert.equal((await rawRequest(g.port, 'GET', '/metrics')).status, 200, 'the store is healed');
});

test('a text page that is empty (as a gateway holding a family named "" serves it) falls back to the JSON API too', async () => {
  const { g, p } = await start((method, path) =>
    method === 'GET' && path === '/metrics' ? { status: 200, body: '' } : 'forward',
  );
  const result = await sweep(p.url);
  assert.equal(result.code, 0, result.stderr);
  const doc = jsonOf(result) as ReturnType<typeof jsonOf> & {
    gateways: Array<{ listing?: string; listingFallback?: string }>;
  };
  assert.equal(doc.gateways[0]?.listing, 'json');
  assert.match(doc.gateways[0]?.listingFallback ?? '', /no pushgateway_build_info line/);
  assert.deepEqual(listings(p), ['text', 'json', 'json', 'json']);
  assert.equal(doc.summary.deleted, 1);
  assert.deepEqual(keySet(await g.keys()), keySet([KEEP]));
});

test('--listing text still fails on a poisoned store, and --listing json never reads the text page', async () => {
  const { g, p } = await start();
  const json = await sweep(p.url, '--listing', 'json', '--dry-run');
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(listings(p), ['json']);
  assert.equal(await g.push({ job: 'coll' }), 200);
  assert.equal(await g.push({ job: 'coll', instance: '' }), 400);
  const text = await sweep(p.url, '--listing', 'text');
  assert.equal(text.code, 1, text.stderr);
  assert.match(text.stderr, /answered 500.*sweep with --listing json/);
  assert.deepEqual(listings(p), ['json', 'text']);
  assert.equal((await g.keys()).length, 4, 'nothing deleted');
});
