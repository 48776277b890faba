/**
 * Against real Pushgateways: per-selector TTL rules, TTLs declared by the group itself
 * (pgsweep_ttl_seconds), a config file, the delete guards, and sweeping several gateways at once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { jsonOf, runCli, sleep } from '../support/cli.ts';
import { type Gateway, keySet, type Labels, startPushgateway } from '../support/pushgateway.ts';

const STALE_WAIT_MS = 2300;
const tmp = mkdtempSync(join(tmpdir(), 'pgsweep-rules-'));

describe('TTL rules and declared TTLs', () => {
  let gw: Gateway;
  const nightly: Labels = { job: 'nightly_report', run_id: 'n1' };
  const ci: Labels = { job: 'ci_build', run_id: 'c1' };
  const declares1h: Labels = { job: 'declares', run_id: 'd1' };
  const declaresTiny: Labels = { job: 'declares_tiny', run_id: 'd2' };
  const plain: Labels = { job: 'plain', run_id: 'p1' };

  before(async () => {
    gw = await startPushgateway();
    for (const g of [nightly, ci, plain]) assert.equal(await gw.push(g), 200);
    assert.equal(await gw.push(declares1h, 'pgsweep_ttl_seconds 3600\n'), 200);
    // 0.5 s is below the 1m floor: clamped to 1m, so still kept after 2 s.
    assert.equal(await gw.push(declaresTiny, 'pgsweep_ttl_seconds 0.5\n'), 200);
    await sleep(STALE_WAIT_MS);
  });
  after(() => gw?.stop());

  test('first matching rule wins, declarations override rules, --ttl covers the rest (dry run)', async () => {
    const result = await runCli([
      '--url',
      gw.url,
      '--ttl',
      '1s',
      '--rule',
      '{job="nightly_report"}=36h',
      '--rule',
      '{job=~"ci_.*|nightly.*"}=1s',
      '--rule',
      '{job=~"declares.*"}=1s',
      '--dry-run',
      '--output',
      'json',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const doc = jsonOf(result);
    const stale = doc.groups.filter((g) => g.outcome === 'would-delete').map((g) => g.labels.job);
    assert.deepEqual(stale.sort(), ['ci_build', 'plain']);
    assert.equal(doc.summary.kept, 3);
    assert.match(result.stderr, /pgsweep_ttl_seconds 0\.5 is outside \[1m, 90d\]; clamped to 1m/);
  });

  test('the same settings from a config file, with flags still winning', async () => {
    const file = join(tmp, 'pgsweep.yaml');
    writeFileSync(
      file,
      [
        `url: ${gw.url}`,
        'ttl: 36h',
        'rule:',
        `  - '{job="nightly_report"}=36h'`,
        '  - selector: \'{job=~"ci_.*"}\'',
        '    ttl: 1s',
        'dryRun: true',
        'output: json',
      ].join('\n'),
    );
    const result = await runCli(['--config', file, '--ttl', '1s', '--ignore-declared-ttl']);
    assert.equal(result.code, 0, result.stderr);
    const doc = jsonOf(result);
    assert.equal(doc.dryRun, true);
    const stale = doc.groups.filter((g) => g.outcome === 'would-delete').map((g) => g.labels.job);
    // --ttl 1s beats the file's 36h; declarations are ignored, so both declaring groups go too.
    assert.deepEqual(stale.sort(), ['ci_build', 'declares', 'declares_tiny', 'plain']);
  });

  test('a config file with several problems names each with its line, exit 2', async () => {
    const file = join(tmp, 'bad.yaml');
    writeFileSync(file, ['ttl: 2 hours', 'rules:', "  - '{job=}=1h'", 'dryrun: true'].join('\n'));
    const result = await runCli(['--config', file]);
    assert.equal(result.code, 2);
    const line = result.stderr.trim();
    assert.equal(line.split('\n').length, 1, line);
    assert.match(line, /config file has 3 problems/);
    assert.match(line, /bad\.yaml:1: ttl: "2 hours" is not a duration/);
    assert.match(line, /bad\.yaml:3: rules\[0\]: expected a quoted value/);
    assert.match(line, /bad\.yaml:4: unknown setting "dryrun"/);
  });

  test('a real sweep honours the declared TTL and deletes the rest', async () => {
    const result = await runCli([
      '--url',
      gw.url,
      '--ttl',
      '1s',
      '--rule',
      '{job="nightly_report"}=36h',
      '--output',
      'json',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(keySet(await gw.keys()), keySet([nightly, declares1h, declaresTiny]));
  });
});

describe('guards', () => {
  let gw: Gateway;
  const stale: Labels[] = Array.from({ length: 12 }, (_, i) => ({ job: 'burst', run_id: `r${i}` }));
  const fresh: Labels = { job: 'steady' };

  before(async () => {
    gw = await startPushgateway();
    for (const g of stale) assert.equal(await gw.push(g), 200);
    await sleep(STALE_WAIT_MS);
  });
  after(() => gw?.stop());

  test('too large a share of the gateway: nothing deleted, exit 1, reason given', async () => {
    assert.equal(await gw.push(fresh), 200);
    const result = await runCli(['--url', gw.url, '--ttl', '1s', '--output', 'json']);
    assert.equal(result.code, 1, result.stderr);
    const doc = jsonOf(result);
    assert.match(
      doc.gateways[0]?.guard ?? '',
      /would delete 12 of 13 groups; 12 pushed less than --guard-min-age 1h ago \(is --ttl too short\?\): 92% of the gateway, more than --max-delete-ratio 0\.5/,
    );
    assert.equal(doc.summary.deleted, 0);
    assert.ok(doc.groups.every((g) => g.outcome === 'kept' && g.reason === 'guard-tripped'));
    assert.equal((await gw.keys()).length, 13);
  });

  test('--max-deletes trips even below the ratio', async () => {
    assert.equal(await gw.push(fresh), 200);
    const result = await runCli([
      '--url',
      gw.url,
      '--ttl',
      '1s',
      '--max-delete-ratio',
      '1',
      '--max-deletes',
      '5',
    ]);
    assert.equal(result.code, 1);
    assert.match(
      result.stdout,
      /guard: the sweep would delete 12 groups, more than --max-deletes 5/,
    );
    // The guard is said once: the table says it, the log does not repeat it.
    assert.doesNotMatch(result.stderr, /more than --max-deletes/);
    assert.equal((await gw.keys()).length, 13);
  });

  test('a dry run only warns, and --force deletes', async () => {
    assert.equal(await gw.push(fresh), 200);
    const dry = await runCli(['--url', gw.url, '--ttl', '1s', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    // Said once: in the table's guard line, not again in the log.
    assert.match(dry.stdout, /^guard: the sweep would delete \d+ of \d+ groups/m);
    assert.doesNotMatch(dry.stderr, /would delete \d+ of/);
    const dryJson = await runCli(['--url', gw.url, '--ttl', '1s', '--dry-run', '--output', 'json']);
    assert.match(dryJson.stderr, /a real run would stop here: the sweep would delete/);
    // The exclude keeps the one fresh group out of it however long the dry run took.
    const forced = await runCli([
      '--url',
      gw.url,
      '--ttl',
      '1s',
      '--force',
      '--exclude',
      '{job="steady"}',
      '--output',
      'json',
    ]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(jsonOf(forced).summary.deleted, 12);
    assert.deepEqual(keySet(await gw.keys()), keySet([fresh]));
  });
});

describe('several gateways in one run', () => {
  let a: Gateway;
  let b: Gateway;
  before(async () => {
    [a, b] = await Promise.all([startPushgateway(), startPushgateway()]);
    assert.equal(await a.push({ job: 'on_a' }), 200);
    assert.equal(await b.push({ job: 'on_b' }), 200);
    await sleep(STALE_WAIT_MS);
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
  });

  test('each is swept and reported; an unreachable one makes the exit code 1', async () => {
    const dead = 'http://127.0.0.1:9/';
    const result = await runCli([
      '--url',
      a.url,
      '--url',
      dead,
      '--url',
      b.url,
      '--ttl',
      '1s',
      '--output',
      'json',
    ]);
    assert.equal(result.code, 1, result.stderr);
    const doc = jsonOf(result);
    assert.deepEqual(
      doc.gateways.map((g) => [g.gateway, g.ok, g.summary?.deleted]),
      [
        [a.url, true, 1],
        [dead, false, undefined],
        [b.url, true, 1],
      ],
    );
    assert.match(doc.gateways[1]?.error ?? '', /connection refused/);
    assert.equal(doc.summary.deleted, 2);
    assert.deepEqual(await a.keys(), []);
    assert.deepEqual(await b.keys(), []);
    assert.match(result.stderr, /pgsweep: error: http:\/\/127\.0\.0\.1:9\/: .*connection refused/);
  });
});
