/**
 * Output users can build on, against a real Pushgateway: rows in a stable sorted order, ages that
 * can be told from the TTL, selectors that match nothing, a quiet info log, the run time in
 * schedule mode, and a warning for secrets on plain http.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type CliResult, jsonOf, runCli, sleep, startCli } from '../support/cli.ts';
import { type Gateway, startPushgateway } from '../support/pushgateway.ts';

/** The gateway's Date has whole seconds, so a group is surely older than 1s after 2.1s. */
const PAST_1S_MS = 2100;

let gw: Gateway;
before(async () => {
  gw = await startPushgateway();
});
after(() => gw?.stop());

/** Empties the gateway between tests: each test pushes what it needs. */
async function clear(): Promise<void> {
  const result = await runCli([
    '--url',
    gw.url,
    '--ttl',
    '1s',
    '--force',
    '--no-recheck',
    '--ignore-declared-ttl',
  ]);
  assert.equal(result.code, 0, result.stderr);
  // Everything was at least a second old, or the next line finds it: wait until it is empty.
  for (let i = 0; i < 50 && (await gw.keys()).length > 0; i++) await sleep(100);
}

const rowsOf = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => /^(would-delete|deleted|kept|skipped|failed) /.test(l))
    .map((l) => l.slice(l.indexOf('{')));

/** pino JSON lines on stderr. */
const logLines = (stderr: string) =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string });

test('two runs over the same store print the rows in the same order, sorted by labels', async () => {
  // Pushed in no particular order; the gateway lists its groups in a random order each time.
  const jobs = ['zeta', 'alpha', 'mid', 'beta'];
  for (const job of jobs)
    for (const instance of ['i3', 'i1', 'i2']) assert.equal(await gw.push({ job, instance }), 200);
  await sleep(PAST_1S_MS);
  const runs: CliResult[] = [];
  for (let i = 0; i < 3; i++)
    runs.push(await runCli(['--url', gw.url, '--ttl', '1s', '--dry-run']));
  const expected = ['alpha', 'beta', 'mid', 'zeta'].flatMap((job) =>
    ['i1', 'i2', 'i3'].map((instance) => `{job="${job}", instance="${instance}"}`),
  );
  for (const r of runs) {
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(rowsOf(r.stdout), expected);
  }
  const json = jsonOf(
    await runCli(['--url', gw.url, '--ttl', '1s', '--dry-run', '--output', 'json']),
  );
  const labels = (json as unknown as { groups: Array<{ labels: Record<string, string> }> }).groups;
  assert.deepEqual(
    labels.map((g) => `{job="${g.labels.job}", instance="${g.labels.instance}"}`),
    expected,
  );
  await clear();
});

test('a group just past a 1s TTL shows an age that differs from the TTL', async () => {
  assert.equal(await gw.push({ job: 'just_past' }), 200);
  await sleep(PAST_1S_MS);
  const result = await runCli(['--url', gw.url, '--ttl', '1s', '--dry-run']);
  assert.equal(result.code, 0, result.stderr);
  const row = result.stdout.split('\n').find((l) => l.includes('just_past')) ?? '';
  const [outcome, age, ttl] = row.split(/\s+/);
  assert.equal(outcome, 'would-delete', result.stdout);
  assert.equal(ttl, '1s');
  assert.match(age ?? '', /^\d+\.\ds$/, row);
  assert.notEqual(age, ttl);
  assert.ok(Number.parseFloat(age ?? '') > 1, row);
  const doc = jsonOf(
    await runCli(['--url', gw.url, '--ttl', '1s', '--dry-run', '--output', 'json']),
  );
  const ageSeconds = (doc as unknown as { groups: Array<{ ageSeconds: number }> }).groups[0]
    ?.ageSeconds;
  assert.ok(ageSeconds !== undefined && ageSeconds > 1 && !Number.isInteger(ageSeconds));
  await clear();
});

test('a selector typo warns, and the summary counts the unselected and excluded groups', async () => {
  for (const run_id of ['r1', 'r2', 'r3']) assert.equal(await gw.push({ job: 'etl', run_id }), 200);
  assert.equal(await gw.push({ job: 'web' }), 200);
  const args = ['--url', gw.url, '--ttl', '1h', '--check'];
  const typo = await runCli([
    ...args,
    '--selector',
    '{job="etl_typo"}',
    '--exclude',
    '{job="web"}',
  ]);
  assert.equal(typo.code, 0, typo.stderr);
  const warnings = logLines(typo.stderr).filter((l) => l.level === 40);
  assert.deepEqual(
    warnings.map((l) => l.msg),
    ['--selector {job="etl_typo"} matched none of the 4 listed groups (a typo?)'],
  );
  assert.match(typo.stdout, /kept 4 \(1 excluded, 3 not selected\)/);
  const doc = jsonOf(
    await runCli([
      ...args,
      '--output',
      'json',
      '--selector',
      '{job="etl_typo"}',
      '--exclude',
      '{job="web"}',
    ]),
  );
  const summary = doc.summary as unknown as { excluded: number; unselected: number };
  assert.deepEqual([summary.excluded, summary.unselected], [1, 3]);
  // An exclude and a rule that match nothing are named too; a selector that matches is not.
  const rule = await runCli([
    ...args,
    '--selector',
    '{job="etl"}',
    '--exclude',
    '{job="wbe"}',
    '--rule',
    '{job="nope"}=2h',
  ]);
  assert.match(
    rule.stderr,
    /--exclude \{job=\\"wbe\\"\}, --rule \{job=\\"nope\\"\}=2h matched none of the 4 listed groups/,
  );
  assert.doesNotMatch(rule.stderr, /--selector/);
  await sleep(2100);
  await clear();
});

test('a trivial sweep at info level logs one line per phase, none twice, and folds repeats', async () => {
  // Six groups that declare a TTL below the 1m floor: the clamp warning is folded after three.
  for (let i = 0; i < 6; i++)
    assert.equal(await gw.push({ job: 'clamp', run_id: `r${i}` }, 'pgsweep_ttl_seconds 5\n'), 200);
  for (const run_id of ['a', 'b']) assert.equal(await gw.push({ job: 'old', run_id }), 200);
  await sleep(PAST_1S_MS);
  const result = await runCli(['--url', gw.url, '--ttl', '1s', '--log-level', 'info']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /deleted 2,/);
  const lines = logLines(result.stderr);
  const infos = lines.filter((l) => l.level === 30).map((l) => l.msg);
  assert.deepEqual(infos, ['planned sweep', 're-checked candidates', 'deletes sent']);
  const warns = lines.filter((l) => l.level === 40).map((l) => l.msg);
  assert.equal(warns.filter((m) => m.startsWith('pgsweep_ttl_seconds 5')).length, 3);
  assert.ok(
    warns.includes('3 more groups logged for the same reason (declared-ttl)'),
    warns.join('\n'),
  );
  // In all: the short-TTL warning, three clamp warnings and their fold line, three phase lines.
  assert.equal(warns.length, 5, result.stderr);
  assert.equal(lines.length, 8, result.stderr);
  // No line twice (the clamp warnings differ by group, which is in their fields).
  const texts = result.stderr
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(/"time":\d+,/, ''));
  assert.equal(new Set(texts).size, texts.length, result.stderr);
  await sleep(2100);
  await clear();
});

test('doctor prints each problem once: in its report, not again in the log', async () => {
  // A sample timestamp gets a push rejected (400); on a new key it leaves a phantom group.
  assert.equal(await gw.push({ job: 'ghost' }, 'pgsweep_test_value 1 1700000000000\n'), 400);
  const result = await runCli(['doctor', '--url', gw.url]);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stdout, /ghost/);
  assert.doesNotMatch(result.stderr, /ghost/);
  await sleep(2100);
  await clear();
});

test('in schedule mode each run is headed by its time, and the JSON has it', async () => {
  for (const format of ['table', 'json']) {
    const cli = startCli([
      '--url',
      gw.url,
      '--ttl',
      '1h',
      '--schedule',
      '* * * * * *',
      '--output',
      format,
    ]);
    let stdout = '';
    cli.child.stdout?.on('data', (d: Buffer | string) => {
      stdout += d.toString();
    });
    const before = Date.now();
    for (
      let i = 0;
      i < 60 && (stdout.match(/^scanned |^\{"schemaVersion"/gm) ?? []).length < 2;
      i++
    )
      await sleep(100);
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    assert.equal(result.code, 0, result.stderr);
    const stamps =
      format === 'table'
        ? [...stdout.matchAll(/^run (\S+)$/gm)].map((m) => m[1] ?? '')
        : stdout
            .split('\n')
            .filter(Boolean)
            .map((l) => (JSON.parse(l) as { startedAt: string }).startedAt);
    assert.ok(stamps.length >= 2, stdout);
    if (format === 'table') {
      // Each run's block starts with its time: the first line of all, and one per summary line.
      assert.match(stdout, /^run \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n/);
      assert.equal(stamps.length, (stdout.match(/^scanned /gm) ?? []).length);
    }
    for (const s of stamps) assert.ok(Math.abs(Date.parse(s) - before) < 15_000, s);
    assert.notEqual(stamps[0], stamps[1]);
  }
});

test('a bearer token on an http:// URL gets one warning, without the token', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgsweep-plain-'));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, 'sup3r-s3cret\n');
  const result = await runCli([
    '--url',
    gw.url,
    '--ttl',
    '1h',
    '--dry-run',
    '--bearer-token-file',
    tokenFile,
  ]);
  const plain = logLines(result.stderr).filter((l) => l.msg.startsWith('plain http'));
  assert.equal(plain.length, 1, result.stderr);
  assert.equal(plain[0]?.level, 40);
  assert.match(
    plain[0]?.msg ?? '',
    /^plain http \(http:\/\/127\.0\.0\.1:\d+\/\): the bearer token travels in clear text; use an https:\/\/ URL$/,
  );
  assert.doesNotMatch(result.stderr, /sup3r-s3cret/);
});
