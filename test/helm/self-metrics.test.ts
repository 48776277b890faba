/**
 * selfMetrics: --push-metrics with a stable instance (the release name by default, not the pod
 * name), so every run pushes to the same group and an alert on it works.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { cleanupHelm, containerOf, cronJobOf, helm, render, templateArgs } from './helm.ts';

after(cleanupHelm);
const URL = 'pushgateway.url=http://pushgateway:9091';

async function argsOf(opts: { set?: string[]; release?: string }): Promise<string[]> {
  const c = containerOf(cronJobOf(await render({ ...opts, set: [URL, ...(opts.set ?? [])] })));
  return c.args ?? [];
}

test('selfMetrics off (the default): neither --push-metrics nor --instance', async () => {
  const args = await argsOf({ release: 'sweeper' });
  assert.ok(!args.includes('--push-metrics'), args.join(' '));
  assert.ok(!args.some((a) => a.startsWith('--instance')), args.join(' '));
});

test('selfMetrics.enabled: --push-metrics and --instance=<release name>', async () => {
  const args = await argsOf({ release: 'sweeper', set: ['selfMetrics.enabled=true'] });
  assert.ok(args.includes('--push-metrics'), args.join(' '));
  assert.deepEqual(
    args.filter((a) => a.startsWith('--instance')),
    ['--instance=sweeper'],
  );
  // extraArgs still come last, so a user's own --instance there wins.
  const last = await argsOf({
    release: 'sweeper',
    set: ['selfMetrics.enabled=true', 'sweep.extraArgs[0]=--no-recheck'],
  });
  assert.equal(last.at(-1), '--no-recheck');
});

test('selfMetrics.instance overrides the release name; an empty-looking one is refused', async () => {
  const args = await argsOf({
    release: 'sweeper',
    set: ['selfMetrics.enabled=true', 'selfMetrics.instance=prod-sweeper'],
  });
  assert.deepEqual(
    args.filter((a) => a.startsWith('--instance')),
    ['--instance=prod-sweeper'],
  );
  const run = await helm(
    templateArgs({
      set: [URL, 'selfMetrics.enabled=true'],
      setString: ['selfMetrics.instance=  '],
    }),
  );
  assert.notEqual(run.code, 0);
  assert.match(run.stderr, /selfMetrics\.instance/);
  const typo = await helm(templateArgs({ set: [URL, 'selfMetrics.enable=true'] }));
  assert.notEqual(typo.code, 0, 'a misspelt key is an error');
});
