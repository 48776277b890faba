/**
 * SIGTERM/SIGINT mid-sweep against a real Pushgateway behind a proxy that slows DELETEs down:
 * pgsweep sends no more deletes, finishes or abandons the one in flight within a few seconds,
 * prints the partial result and exits 143/130. Groups it never got to stay in the gateway.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { jsonOf, sleep, startCli } from '../support/cli.ts';
import { startServer, type TestServer } from '../support/fake-server.ts';
import { type Gateway, type Labels, rawRequest, startPushgateway } from '../support/pushgateway.ts';

let gw: Gateway;
const groups: Labels[] = Array.from({ length: 5 }, (_, i) => ({ job: 'slow', run_id: `s${i}` }));

before(async () => {
  gw = await startPushgateway();
  for (const g of groups) assert.equal(await gw.push(g), 200);
  await sleep(2300);
});
after(() => gw?.stop());

/** Forwards to the gateway; each DELETE waits `delayMs` first (or forever when Infinity). */
function slowDeleteProxy(delayMs: number, onDelete: () => void): Promise<TestServer> {
  return startServer(async (req, res) => {
    const method = req.method ?? 'GET';
    if (method === 'DELETE') {
      onDelete();
      if (!Number.isFinite(delayMs)) return; // never answers
      await sleep(delayMs);
    }
    const upstream = await rawRequest(gw.port, method, req.url ?? '/');
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'date']) {
      const v = upstream.headers[name];
      if (typeof v === 'string') headers[name] = v;
    }
    res.writeHead(upstream.status, headers).end(upstream.body);
  });
}

test('SIGTERM: the delete in flight finishes, the rest are kept, partial JSON, exit 143', async () => {
  let sigtermSent = false;
  let cli: ReturnType<typeof startCli> | undefined;
  const proxy = await slowDeleteProxy(1000, () => {
    if (sigtermSent) return;
    sigtermSent = true;
    cli?.child.kill('SIGTERM');
  });
  try {
    const started = Date.now();
    // The JSON listing: one DELETE per group (the text page adds the instance="" form of a key).
    cli = startCli([
      ...['--url', proxy.url, '--ttl', '1s', '--concurrency', '1', '--output', 'json'],
      ...['--listing', 'json'],
    ]);
    const result = await cli.done;
    assert.equal(result.code, 143, result.stderr);
    assert.ok(Date.now() - started < 8000, 'stopped within a few seconds');
    assert.match(result.stderr, /received SIGTERM: sending no more deletes/);
    const doc = jsonOf(result);
    assert.equal(doc.interrupted, true);
    assert.equal(
      proxy.requests.filter((r) => r.method === 'DELETE').length,
      1,
      'no delete after the signal',
    );
    const reasons = doc.groups.map((g) => `${g.outcome}/${g.reason}`).sort();
    // The in-flight DELETE was accepted (202) before pgsweep stopped: sent, not failed.
    assert.deepEqual(reasons, [
      'kept/interrupted',
      'kept/interrupted',
      'kept/interrupted',
      'kept/interrupted',
      'sent/interrupted',
    ]);
    // The in-flight DELETE reached the gateway; the four never sent did not.
    await sleep(200);
    assert.equal((await gw.keys()).length, 4);
  } finally {
    await proxy.close();
  }
});

test('SIGINT: a DELETE that never answers is abandoned, table output, exit 130', async () => {
  let cli: ReturnType<typeof startCli> | undefined;
  let signalled = false;
  const proxy = await slowDeleteProxy(Number.POSITIVE_INFINITY, () => {
    if (signalled) return;
    signalled = true;
    cli?.child.kill('SIGINT');
  });
  try {
    const started = Date.now();
    cli = startCli(['--url', proxy.url, '--ttl', '1s', '--concurrency', '1']);
    const result = await cli.done;
    assert.equal(result.code, 130, result.stderr);
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 8000, `stopped within a few seconds (took ${elapsed} ms)`);
    assert.match(result.stdout, /\(interrupted\)/);
    // No answer came: pgsweep cannot know whether the gateway applied it, so not "failed".
    assert.match(result.stdout, /^sent\s.*interrupted\s+\{job="slow"/m);
    assert.match(result.stdout, /deleted 0, sent 1 \(not confirmed\),.* failed 0 /);
    assert.equal(proxy.requests.filter((r) => r.method === 'DELETE').length, 1);
    assert.equal((await gw.keys()).length, 4, 'the abandoned delete never reached the gateway');
  } finally {
    await proxy.close();
  }
});
