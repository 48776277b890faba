/**
 * The chart a release publishes: by default it runs the image that release pushes to GHCR, at the
 * chart's appVersion, and scripts/release-chart.sh packages it with the real helm.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { CHART, cleanupHelm, containerOf, cronJobOf, ROOT, render, setupHelm } from './helm.ts';

after(cleanupHelm);
const chart = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as {
  version: string;
  appVersion: string;
};

test('default image: ghcr.io/pgsweep/pgsweep at the chart appVersion', async () => {
  const c = containerOf(
    cronJobOf(await render({ set: ['pushgateway.url=http://pushgateway:9091'] })),
  );
  assert.equal(c.image, `ghcr.io/pgsweep/pgsweep:${chart.appVersion}`);
});

test('release-chart.sh --dry-run packages the chart at its version with the real helm', () => {
  const helm = setupHelm();
  const env = { ...process.env, HELM: helm, REGISTRY_USERNAME: '', REGISTRY_PASSWORD: '' };
  const script = join(ROOT, 'scripts', 'release-chart.sh');
  let run = spawnSync(
    'bash',
    [script, '--dry-run', chart.version, 'oci://ghcr.io/pgsweep/charts'],
    { encoding: 'utf8', env },
  );
  assert.equal(run.status, 0, run.stderr);
  assert.match(
    run.stdout,
    new RegExp(`packaged pgsweep-${chart.version.replace(/\./g, '\\.')}\\.tgz; dry run`),
  );
  // A version the chart is not at: nothing to push.
  run = spawnSync('bash', [script, '--dry-run', '9.9.9', 'oci://ghcr.io/pgsweep/charts'], {
    encoding: 'utf8',
    env,
  });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /did not write pgsweep-9\.9\.9\.tgz: is Chart\.yaml at 9\.9\.9\?/);
  run = spawnSync('bash', [script, '--dry-run', chart.version, 'ghcr.io/x'], {
    encoding: 'utf8',
    env,
  });
  assert.equal(run.status, 2);
});
