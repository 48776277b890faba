/**
 * The report tells the truth: a DELETE the gateway accepted before pgsweep was stopped is `sent`,
 * never `failed`; and `--output json` prints its document even when the only gateway failed.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type CliResult, jsonOf, runCli, sleep, startCli } from '../support/cli.ts';
import { startServer } from '../support/fake-server.ts';
import { type Gateway, type Labels, rawRequest, startPushgateway } from '../support/pushgateway.ts';

let gw: Gateway;
const doomed: Labels = { job: 'report_doomed', run_id: 'r1' };

before(async () => {
  gw = await startPushgateway();
});
after(() => gw?.stop());

/** Either listing: the text page (the default) or the JSON API. */
const isListing = (path: string) => path === '/metrics' || path === '/api/v1/metrics';

function errorLines(result: CliResult): string[] {
  return result.stderr.split('\n').filter((l) => l.startsWith('pgsweep: error:'));
}

test('SIGTERM after the DELETE was accepted, before it was confirmed: reported sent, not failed', async () => {
  assert.equal(await gw.push(doomed), 200);
  await sleep(2300);
  let listings = 0;
  let cli: ReturnType<typeof startCli> | undefined;
  let release: () => void = () => {};
  const released = new Promise<void>((r) => {
    release = r;
  });
  // Forwards to the real gateway; the third listing (the one that would confirm the delete)
  // never answers, and the CLI is sent SIGTERM while it waits for it.
  const proxy = await startServer(async (req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    if (method === 'GET' && isListing(path) && ++listings === 3) {
      cli?.child.kill('SIGTERM');
      await released;
      res.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const upstream = await rawRequest(gw.port, method, path, Buffer.concat(chunks));
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'date']) {
      const v = upstream.headers[name];
      if (typeof v === 'string') headers[name] = v;
    }
    res.writeHead(upstream.status, headers).end(upstream.body);
  });
  try {
    cli = startCli(['--url', proxy.url, '--ttl', '1s', '--output', 'json']);
    const result = await cli.done;
    assert.equal(result.code, 143, result.stderr);
    assert.equal(listings, 3, 'stopped while confirming');
    const doc = jsonOf(result);
    assert.equal(doc.interrupted, true);
    assert.deepEqual(
      doc.groups.map((g) => [g.labels, g.outcome, g.reason, g.detail]),
      [
        [
          doomed,
          'sent',
          'interrupted',
          'DELETE accepted (202); pgsweep stopped before confirming it',
        ],
      ],
    );
    assert.equal(doc.summary.failed, 0);
    assert.equal(doc.summary.sent, 1);
    // And it was true: the gateway did delete it.
    assert.deepEqual(
      (await gw.keys()).filter((k) => k.job === doomed.job),
      [],
    );

    // The table says the same, with a note on what `sent` means.
    assert.equal(await gw.push(doomed), 200);
    await sleep(2300);
    listings = 0;
    cli = startCli(['--url', proxy.url, '--ttl', '1s']);
    const table = await cli.done;
    assert.equal(table.code, 143, table.stderr);
    assert.match(
      table.stdout,
      /^sent\s+\S+\s+1s\s+interrupted\s+\{job="report_doomed", run_id="r1"\}$/m,
    );
    assert.match(table.stdout, /^sent: pgsweep stopped after sending these DELETEs/m);
    assert.match(
      table.stdout,
      /deleted 0, sent 1 \(not confirmed\), .* failed 0 .*\(interrupted\)/,
    );
  } finally {
    release();
    await proxy.close();
  }
});

test('SIGTERM during the re-check listing: nothing sent, every candidate kept/interrupted, exit 143', async () => {
  const idle: Labels = { job: 'report_idle', run_id: 'r2' };
  assert.equal(await gw.push(idle), 200);
  await sleep(2300);
  let listings = 0;
  let cli: ReturnType<typeof startCli> | undefined;
  let release: () => void = () => {};
  const released = new Promise<void>((r) => {
    release = r;
  });
  const proxy = await startServer(async (req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    if (method === 'GET' && isListing(path) && ++listings === 2) {
      cli?.child.kill('SIGTERM');
      await released;
      res.destroy();
      return;
    }
    const upstream = await rawRequest(gw.port, method, path);
    res
      .writeHead(upstream.status, {
        'content-type': String(upstream.headers['content-type'] ?? 'text/plain'),
        date: String(upstream.headers.date),
      })
      .end(upstream.body);
  });
  try {
    cli = startCli(['--url', proxy.url, '--ttl', '1s', '--output', 'json']);
    const result = await cli.done;
    assert.equal(result.code, 143, result.stderr);
    const doc = jsonOf(result);
    assert.equal(doc.interrupted, true);
    assert.equal(doc.gateways[0]?.ok, true, 'a report, not an error');
    assert.deepEqual(
      doc.groups.filter((g) => g.labels.job === idle.job).map((g) => [g.outcome, g.reason]),
      [['kept', 'interrupted']],
    );
    assert.deepEqual(
      proxy.requests.filter((r) => r.method === 'DELETE'),
      [],
    );
    assert.ok((await gw.keys()).some((k) => k.job === idle.job));
  } finally {
    release();
    await proxy.close();
  }
});

test('--output json with the only gateway unreachable: one JSON document with ok false, exit 1', async () => {
  const url = 'http://127.0.0.1:1/';
  const result = await runCli(['--url', url, '--ttl', '1h', '--output', 'json', '--timeout', '2s']);
  assert.equal(result.code, 1, result.stderr);
  const doc = jsonOf(result);
  assert.equal(doc.gateways.length, 1);
  assert.equal(doc.gateways[0]?.gateway, url);
  assert.equal(doc.gateways[0]?.ok, false);
  assert.match(doc.gateways[0]?.error ?? '', /connection refused/);
  assert.deepEqual(doc.groups, []);
  // The error line is still on stderr, once, as without --output json.
  const errors = errorLines(result);
  assert.equal(errors.length, 1, result.stderr);
  assert.match(
    errors[0] ?? '',
    /^pgsweep: error: GET http:\/\/127\.0\.0\.1:1\/(?:api\/v1\/)?metrics failed: connection refused/,
  );
});

test('--output json with the only gateway failing mid-listing (500): the document says why', async () => {
  const server = await startServer((_req, res) => {
    res.writeHead(500).end('boom');
  });
  try {
    const result = await runCli(['--url', server.url, '--ttl', '1h', '--output', 'json']);
    assert.equal(result.code, 1, result.stderr);
    const doc = jsonOf(result);
    assert.equal(doc.gateways[0]?.ok, false);
    assert.match(doc.gateways[0]?.error ?? '', /answered 500 \(boom\); nothing was deleted/);
    assert.equal(errorLines(result).length, 1);
  } finally {
    await server.close();
  }
});

for (const command of ['inspect', 'doctor']) {
  test(`${command} --output json with the only gateway unreachable prints its document too`, async () => {
    const result = await runCli([
      command,
      '--url',
      'http://127.0.0.1:1/',
      '--output',
      'json',
      '--timeout',
      '2s',
    ]);
    assert.equal(result.code, 1, result.stderr);
    const doc = JSON.parse(result.stdout) as { gateways: Array<{ ok: boolean; error?: string }> };
    assert.equal(doc.gateways[0]?.ok, false);
    assert.match(doc.gateways[0]?.error ?? '', /connection refused/);
    assert.equal(errorLines(result).length, 1, result.stderr);
  });
}
