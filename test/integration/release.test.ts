/**
 * What a release needs that can be checked without npm, GHCR or GitHub: the workflows parse and
 * call scripts that exist, the tag check agrees with the repository (and refuses a mismatch),
 * the package metadata is complete, and `npm publish --dry-run` is clean and ships what bin/
 * runs. (The chart side is in test/helm/release.test.ts.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORKFLOWS = join(ROOT, '.github', 'workflows');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const scratch = mkdtempSync(join(tmpdir(), 'pgsweep-release-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  'runs-on'?: string;
  needs?: string | string[];
  uses?: string;
  permissions?: Record<string, string>;
  steps?: Step[];
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

function workflow(file: string): Workflow {
  return parse(readFileSync(join(WORKFLOWS, file), 'utf8')) as Workflow;
}
const workflowFiles = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));

/** Repository files a `run:` script names: scripts/…, .ci/…, ./… (first word or after bash/node/sudo). */
function scriptsCalled(run: string): string[] {
  const found: string[] = [];
  for (const line of run.split('\n')) {
    const re =
      /(?:^|[;&|]\s*|\b(?:bash|sh|node|sudo(?:\s+-\S+)*)\s+)((?:\.\/)?(?:scripts|\.ci)\/[\w./-]+|\.\/[\w./-]+)/g;
    for (const m of line.trim().matchAll(re)) found.push((m[1] as string).replace(/^\.\//, ''));
  }
  return found;
}

test('scriptsCalled finds the scripts a run: step names', () => {
  assert.deepEqual(scriptsCalled('bash scripts/a.sh\nnode scripts/b.js --x\nscripts/c.sh "$V"'), [
    'scripts/a.sh',
    'scripts/b.js',
    'scripts/c.sh',
  ]);
  assert.deepEqual(scriptsCalled('sudo -E .ci/run && ./x.sh'), ['.ci/run', 'x.sh']);
  assert.deepEqual(scriptsCalled('npm test'), []);
});

test('every workflow parses and calls only scripts that exist and are executable', () => {
  assert.ok(workflowFiles.includes('release.yml'), 'a release workflow');
  let calls = 0;
  for (const file of workflowFiles) {
    const wf = workflow(file);
    assert.equal(typeof wf.name, 'string', `${file}: name`);
    assert.ok(wf.on && typeof wf.on === 'object', `${file}: on`);
    assert.ok(Object.keys(wf.jobs ?? {}).length > 0, `${file}: jobs`);
    for (const [id, job] of Object.entries(wf.jobs)) {
      const where = `${file}: job ${id}`;
      for (const need of [job.needs ?? []].flat())
        assert.ok(wf.jobs[need], `${where}: needs ${need}`);
      if (job.uses) {
        // A reusable workflow in this repository must exist and accept workflow_call.
        const local = /^\.\/\.github\/workflows\/(.+)$/.exec(job.uses);
        assert.ok(local, `${where}: uses ${job.uses}`);
        assert.ok('workflow_call' in workflow(local[1] as string).on, `${where}: ${job.uses}`);
        continue;
      }
      assert.ok(job['runs-on'], `${where}: runs-on`);
      for (const step of job.steps ?? []) {
        if (step.uses) {
          assert.match(
            step.uses,
            /^[\w.-]+\/[\w.-]+@v\d+$/,
            `${where}: pin ${step.uses} to a major`,
          );
        }
        for (const script of scriptsCalled(step.run ?? '')) {
          calls++;
          const path = join(ROOT, script);
          assert.ok(existsSync(path), `${where}: ${script} does not exist`);
          assert.doesNotThrow(
            () => accessSync(path, constants.X_OK),
            `${where}: ${script} is not executable`,
          );
        }
      }
    }
  }
  assert.ok(calls >= 4, `the workflows call the repository's scripts (${calls})`);
});

test('release.yml: on a v* tag, tests, then npm with provenance, a multi-arch GHCR image, the chart', () => {
  const wf = workflow('release.yml');
  assert.deepEqual((wf.on.push as { tags: string[] }).tags, ['v*']);
  assert.deepEqual(wf.permissions, { contents: 'read' }, 'write access only where a job needs it');
  const { version, test: tests, npm, image, chart } = wf.jobs;
  assert.ok(version && tests && npm && image && chart);
  assert.ok(
    version.steps?.some((s) =>
      s.run?.includes('scripts/release-check.js --tag "$GITHUB_REF_NAME"'),
    ),
  );
  assert.equal(tests.uses, './.github/workflows/ci.yml');
  for (const job of [npm, image]) assert.deepEqual([job.needs].flat(), ['version', 'test']);
  assert.ok([chart.needs].flat().includes('image'), 'the chart waits for its image');

  assert.equal(npm.permissions?.['id-token'], 'write');
  assert.ok(npm.steps?.some((s) => s.run === 'npm publish --provenance --access public'));

  const uses = (image.steps ?? []).map((s) => s.uses?.replace(/@.*/, ''));
  for (const action of [
    'setup-qemu-action',
    'setup-buildx-action',
    'login-action',
    'build-push-action',
  ]) {
    assert.ok(uses.includes(`docker/${action}`), action);
  }
  const build = image.steps?.find((s) => s.uses?.startsWith('docker/build-push-action'));
  assert.equal(build?.with?.platforms, 'linux/amd64,linux/arm64');
  assert.equal(build?.with?.push, true);
  assert.equal(
    build?.with?.tags,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression
    '${{ needs.version.outputs.image }}:${{ needs.version.outputs.version }}',
    'tagged with the version, without the v',
  );
  assert.equal(image.permissions?.packages, 'write');
  assert.ok(chart.steps?.some((s) => s.run?.startsWith('scripts/release-chart.sh ')));
});

test('ci.yml: the same steps as .ci/run (Pushgateway from apt, npm ci, npm test, smoke checks)', () => {
  const wf = workflow('ci.yml');
  assert.ok('workflow_call' in wf.on && 'pull_request' in wf.on);
  const runs = Object.values(wf.jobs).flatMap((j) => (j.steps ?? []).map((s) => s.run ?? ''));
  const ciRun = read('.ci/run');
  assert.ok(
    runs.some((r) => r.includes('apt-get install') && r.includes('prometheus-pushgateway')),
  );
  for (const cmd of [
    'npm ci',
    'npm test',
    'bash scripts/smoke-tarball.sh',
    'bash scripts/readme-run.sh',
  ]) {
    assert.ok(ciRun.includes(cmd), `.ci/run: ${cmd}`);
    assert.ok(
      runs.some((r) => r.startsWith(cmd)),
      `ci.yml: ${cmd}`,
    );
  }
  assert.ok(ciRun.includes('bash scripts/systemd-check.sh'), '.ci/run: the systemd example');
  assert.ok(
    runs.some((r) => r.endsWith('bash scripts/systemd-check.sh')),
    'ci.yml: the systemd example',
  );
});

// --- The tag check ---------------------------------------------------------------------------

function releaseCheck(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [join(ROOT, 'scripts', 'release-check.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, GITHUB_OUTPUT: '', ...env },
  });
}
const pkg = JSON.parse(read('package.json')) as Record<string, unknown> & { version: string };

test('release-check: the tag of this version passes and gives the workflow its outputs', () => {
  const output = join(scratch, 'github-output');
  writeFileSync(output, '');
  const run = releaseCheck(['--tag', `v${pkg.version}`, '--owner', 'PgSweep'], {
    GITHUB_OUTPUT: output,
  });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, `${pkg.version}\n`);
  assert.equal(
    readFileSync(output, 'utf8'),
    `version=${pkg.version}\nimage=ghcr.io/pgsweep/pgsweep\ncharts=oci://ghcr.io/pgsweep/charts\n`,
  );
});

test('release-check: a tag, chart or image that names another release fails, one line each', () => {
  let run = releaseCheck(['--tag', 'v9.9.9']);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /package\.json version is .*, the tag says 9\.9\.9/);
  assert.match(run.stderr, /Chart\.yaml version is/);
  assert.match(run.stderr, /Chart\.yaml appVersion is/);
  run = releaseCheck(['--tag', `${pkg.version}`]);
  assert.equal(run.status, 1, 'a tag without the v');
  assert.match(run.stderr, /is not v<major>/);
  run = releaseCheck(['--tag', `v${pkg.version}`, '--owner', 'someone-else']);
  assert.equal(run.status, 1);
  assert.match(
    run.stderr,
    /image\.repository is ghcr\.io\/pgsweep\/pgsweep, want ghcr\.io\/someone-else\/pgsweep/,
  );
  assert.equal(releaseCheck([]).status, 2);

  // A chart whose appVersion was not bumped with the package.
  const root = join(scratch, 'repo');
  for (const f of [
    'package.json',
    'package-lock.json',
    'helm/pgsweep/Chart.yaml',
    'helm/pgsweep/values.yaml',
  ]) {
    cpSync(join(ROOT, f), join(root, f));
  }
  const chartFile = join(root, 'helm/pgsweep/Chart.yaml');
  writeFileSync(
    chartFile,
    readFileSync(chartFile, 'utf8').replace(/^appVersion: .*$/m, 'appVersion: "0.0.1"'),
  );
  run = releaseCheck(['--tag', `v${pkg.version}`, '--root', root]);
  assert.equal(run.status, 1);
  assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
  assert.match(run.stderr, /appVersion is 0\.0\.1/);
});

// --- The npm package -------------------------------------------------------------------------

test('package.json: repository, homepage, bugs, files, engines, license', () => {
  assert.deepEqual(pkg.repository, {
    type: 'git',
    url: 'git+https://github.com/pgsweep/pgsweep.git',
  });
  assert.equal(pkg.homepage, 'https://github.com/pgsweep/pgsweep#readme');
  assert.deepEqual(pkg.bugs, { url: 'https://github.com/pgsweep/pgsweep/issues' });
  assert.deepEqual(pkg.files, ['bin', 'dist']);
  assert.deepEqual(pkg.engines, { node: '>=20.19' });
  assert.equal(pkg.license, 'Apache-2.0');
  assert.ok(existsSync(join(ROOT, 'LICENSE')));
});

test('npm publish --dry-run: clean, offline, and ships what bin/ runs and nothing else', () => {
  // --offline: npm 11's dry run otherwise asks the registry whether the version exists (and
  // retries for a minute without a network). A placeholder token in a private userconfig
  // silences the "requires you to be logged in" warning; nothing is sent anywhere.
  const npmrc = join(scratch, 'npmrc');
  writeFileSync(npmrc, '//registry.npmjs.org/:_authToken=placeholder\n');
  // Scripts off: `npm test` has just built dist/ (the real publish runs prepare, which builds).
  const run = spawnSync(
    'npm',
    [
      'publish',
      '--dry-run',
      '--offline',
      '--ignore-scripts',
      '--no-update-notifier',
      '--json',
      '--userconfig',
      npmrc,
    ],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'notice' } },
  );
  assert.equal(run.status, 0, run.stderr);
  assert.doesNotMatch(run.stderr, /npm (warn|WARN|ERR)/, run.stderr);
  assert.match(run.stderr, /Publishing to https:\/\/registry\.npmjs\.org\/ .*\(dry-run\)/);
  const result = JSON.parse(run.stdout) as Record<
    string,
    { version: string; files: Array<{ path: string }> }
  >;
  const entry = result.pgsweep;
  assert.ok(entry);
  assert.equal(entry.version, pkg.version);
  const files = entry.files.map((f) => f.path);
  for (const f of [
    'LICENSE',
    'README.md',
    'package.json',
    'bin/pgsweep.js',
    'dist/cli/main.js',
    'dist/gateway/client.js',
  ]) {
    assert.ok(files.includes(f), `${f} is in the package`);
  }
  // Every module dist/ has is the build of a module src/ has: no stale or stray files.
  const built = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `dist/${f.replace(/\.ts$/, '.js')}`);
  for (const f of files) {
    assert.ok(
      /^(LICENSE|README\.md|package\.json|bin\/pgsweep\.js)$/.test(f) || built.includes(f),
      `${f} is shipped but src/ has no such module (a stale build? rm -rf dist && npm run build)`,
    );
  }
});
