/** Against a real Pushgateway with --web.route-prefix: the prefix must be part of --url. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { jsonOf, runCli, sleep } from '../support/cli.ts';
import { type Gateway, keySet, startPushgateway } from '../support/pushgateway.ts';

let gw: Gateway;
const group = { job: 'prefixed', run_id: 'p1' };

before(async () => {
  gw = await startPushgateway({ routePrefix: '/pg' });
  assert.equal(await gw.push(group), 200);
  await sleep(2300);
});

after(() => gw?.stop());

test('a wrong prefix is a clear runtime error and deletes nothing', async () => {
  const result = await runCli(['--url', `http://127.0.0.1:${gw.port}`, '--ttl', '1s']);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /^pgsweep: error: no Pushgateway API at http:\/\/127\.0\.0\.1:\d+\/(?:api\/v1\/)?metrics \(404\): check --url/m,
  );
  assert.equal(result.stdout, '');
  assert.deepEqual(keySet(await gw.keys()), keySet([group]));
});

test('the prefix works with or without a trailing slash', async () => {
  const dry = await runCli([
    '--url',
    `http://127.0.0.1:${gw.port}/pg`,
    '--ttl',
    '1s',
    '--dry-run',
    '--output',
    'json',
  ]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(jsonOf(dry).summary.wouldDelete, 1);

  const real = await runCli([
    '--url',
    `http://127.0.0.1:${gw.port}/pg/`,
    '--ttl',
    '1s',
    '--output',
    'json',
  ]);
  assert.equal(real.code, 0, real.stderr);
  assert.equal(jsonOf(real).summary.deleted, 1);
  assert.deepEqual(await gw.keys(), []);
});
