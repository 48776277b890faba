/**
 * Renders the chart with every example values file and checks what reaches the cluster: valid
 * Kubernetes objects, restricted pod security, CronJob policy, and the exact arguments and
 * environment the pgsweep container gets (which the CLI must know).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { after, before, test } from 'node:test';
import { CronExpressionParser } from 'cron-parser';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { rawRequest, startPushgateway } from '../support/pushgateway.ts';
import {
  CI_VALUES,
  cleanupHelm,
  containerOf,
  cronJobOf,
  flagNames,
  type Manifest,
  podSpecOf,
  ROOT,
  render,
  setupHelm,
} from './helm.ts';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

/** Every rendering under test, by values file, rendered concurrently once. */
let renderings: Map<string, Manifest[]>;

before(async () => {
  setupHelm();
  const files = CI_VALUES;
  const results = await Promise.all(files.map((f) => render({ values: [f] })));
  renderings = new Map(files.map((f, i) => [f, results[i] as Manifest[]]));
});
after(cleanupHelm);

function rendered(file: string): Manifest[] {
  const manifests = renderings.get(file);
  assert.ok(manifests, `no rendering for ${file}`);
  return manifests;
}

const MODELS: Record<string, (data: Manifest) => { validate(): void }> = {
  'batch/v1/CronJob': (d) => new CronJob(d as never),
  'v1/ServiceAccount': (d) => new ServiceAccount(d as never),
};

// --- Every values file ---------------------------------------------------------------------

for (const file of CI_VALUES) {
  test(`ci/${file}: every rendered object validates against the Kubernetes schema`, () => {
    const manifests = rendered(file);
    assert.ok(manifests.some((m) => m.kind === 'CronJob'));
    for (const m of manifests) {
      const model = MODELS[`${m.apiVersion}/${m.kind}`];
      assert.ok(model, `unexpected object ${m.apiVersion} ${m.kind}: add it to MODELS`);
      model(m).validate();
    }
  });

  test(`ci/${file}: restricted pod security`, () => {
    const manifests = rendered(file);
    const cj = cronJobOf(manifests);
    const pod = podSpecOf(cj);
    const c = containerOf(cj);
    assert.equal(pod.restartPolicy, 'Never');
    assert.equal(pod.automountServiceAccountToken, false);
    assert.deepEqual(pod.securityContext, {
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      fsGroup: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    assert.deepEqual(c.securityContext, {
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    // Only volume types the "restricted" Pod Security Standard allows.
    for (const v of pod.volumes ?? []) {
      const types = Object.keys(v).filter((k) => k !== 'name');
      assert.equal(types.length, 1, `${v.name}: ${types}`);
      assert.ok(['secret', 'configMap', 'emptyDir', 'projected'].includes(types[0] as string));
    }
    for (const sa of manifests.filter((m) => m.kind === 'ServiceAccount')) {
      assert.equal(sa.automountServiceAccountToken, false);
      assert.equal(
        (sa.metadata as { name: string }).name,
        pod.serviceAccountName,
        'the pods use the ServiceAccount the chart creates',
      );
    }
  });

  test(`ci/${file}: CronJob policy fields`, () => {
    const cj = cronJobOf(rendered(file));
    assert.equal(cj.apiVersion, 'batch/v1');
    assert.equal(cj.spec.concurrencyPolicy, 'Forbid');
    assert.equal(typeof cj.spec.suspend, 'boolean');
    assert.ok((cj.spec.startingDeadlineSeconds ?? 0) >= 10, 'startingDeadlineSeconds is set');
    assert.ok(Number.isInteger(cj.spec.successfulJobsHistoryLimit));
    assert.ok(Number.isInteger(cj.spec.failedJobsHistoryLimit));
    const job = cj.spec.jobTemplate.spec;
    assert.ok(job.backoffLimit !== undefined && job.backoffLimit <= 3, 'a small backoffLimit');
    assert.ok(cj.metadata.name.length <= 52, `${cj.metadata.name} is over 52 characters`);
    assert.match(cj.metadata.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    assert.equal(cj.metadata.namespace, 'monitoring');
  });

  test(`ci/${file}: activeDeadlineSeconds ends before the next scheduled run`, () => {
    const cj = cronJobOf(rendered(file));
    const deadline = cj.spec.jobTemplate.spec.activeDeadlineSeconds;
    assert.ok(deadline !== undefined && deadline > 0, 'activeDeadlineSeconds is set');
    const interval = minIntervalSeconds(cj.spec.schedule, cj.spec.timeZone);
    assert.ok(
      deadline < interval,
      `activeDeadlineSeconds ${deadline} is not shorter than the ${interval} s between runs`,
    );
  });

  test(`ci/${file}: standard labels on the CronJob, its Jobs and their pods`, () => {
    const cj = cronJobOf(rendered(file));
    const sets = {
      cronjob: cj.metadata.labels,
      job: cj.spec.jobTemplate.metadata?.labels,
      pod: cj.spec.jobTemplate.spec.template.metadata?.labels,
    };
    for (const [where, labels] of Object.entries(sets)) {
      assert.ok(labels, `${where} has labels`);
      assert.equal(labels['app.kubernetes.io/name'], 'pgsweep', where);
      assert.equal(labels['app.kubernetes.io/instance'], 'pgsweep', where);
      assert.equal(labels['app.kubernetes.io/version'], pkg.version, where);
      assert.equal(labels['app.kubernetes.io/managed-by'], 'Helm', where);
      assert.equal(labels['helm.sh/chart'], `pgsweep-${pkg.version}`, where);
    }
  });

  test(`ci/${file}: the chart sets only args; every --*-file is a mounted, read-only key`, () => {
    const cj = cronJobOf(rendered(file));
    const c = containerOf(cj);
    assert.equal(c.command, undefined, "the image's entrypoint runs pgsweep");
    assert.ok(c.args && c.args.length >= 2);
    const pod = podSpecOf(cj);
    for (const arg of c.args) {
      const m = /^--[a-z-]+-file=(.*)$/.exec(arg);
      if (!m) continue;
      const path = m[1] as string;
      const mount = (c.volumeMounts ?? []).find((vm) => vm.mountPath === posix.dirname(path));
      assert.ok(mount, `${arg}: no volume mounted at ${posix.dirname(path)}`);
      assert.equal(mount.readOnly, true, `${mount.name} is read-only`);
      const volume = (pod.volumes ?? []).find((v) => v.name === mount.name);
      const items = volume?.secret?.items ?? volume?.configMap?.items ?? [];
      assert.ok(
        items.some((i) => i.path === posix.basename(path)),
        `${arg}: volume ${mount.name} does not project ${posix.basename(path)}`,
      );
    }
    for (const vm of c.volumeMounts ?? []) {
      assert.ok(
        pod.volumes?.some((v) => v.name === vm.name),
        `mount ${vm.name} has a volume`,
      );
    }
  });
}

// --- What each example configures ------------------------------------------------------------

test('minimal: URL, default TTL and log level, nothing else', () => {
  const cj = cronJobOf(rendered('minimal-values.yaml'));
  const c = containerOf(cj);
  assert.deepEqual(c.args, [
    '--url=http://pushgateway-prometheus-pushgateway:9091',
    '--ttl=2h',
    '--log-level=info',
  ]);
  assert.equal(c.env, undefined);
  assert.equal(c.volumeMounts, undefined);
  assert.equal(c.image, `ghcr.io/pgsweep/pgsweep:${pkg.version}`, 'the tag defaults to appVersion');
  assert.equal(c.imagePullPolicy, 'IfNotPresent');
  assert.equal(cj.spec.schedule, '*/15 * * * *');
  assert.equal(cj.spec.timeZone, undefined);
  assert.equal(cj.spec.suspend, false);
  assert.equal(cj.spec.startingDeadlineSeconds, 300);
  assert.equal(cj.spec.successfulJobsHistoryLimit, 3);
  assert.equal(cj.spec.failedJobsHistoryLimit, 3);
  assert.equal(cj.spec.jobTemplate.spec.backoffLimit, 1);
  assert.equal(cj.spec.jobTemplate.spec.activeDeadlineSeconds, 600);
  assert.equal(cj.spec.jobTemplate.spec.podFailurePolicy, undefined);
  assert.deepEqual(c.resources, {
    requests: { cpu: '10m', memory: '64Mi' },
    limits: { memory: '512Mi' },
  });
  assert.equal(podSpecOf(cj).serviceAccountName, 'pgsweep');
});

test('auth-secret: username from the Secret as PGSWEEP_USERNAME, password as a mounted file', () => {
  const cj = cronJobOf(rendered('auth-secret-values.yaml'));
  const c = containerOf(cj);
  const pod = podSpecOf(cj);
  assert.deepEqual(c.args, [
    '--url=http://pushgateway.monitoring.svc:9091/pushgateway/',
    '--ttl=2h',
    '--timeout=45s',
    '--log-level=info',
    '--password-file=/etc/pgsweep/auth/pass',
    '--header=X-Scope-OrgID: team-a',
  ]);
  assert.deepEqual(c.env, [
    {
      name: 'PGSWEEP_USERNAME',
      valueFrom: { secretKeyRef: { name: 'pushgateway-basic-auth', key: 'user' } },
    },
    { name: 'NODE_OPTIONS', value: '--max-old-space-size=384' },
  ]);
  assert.deepEqual(c.volumeMounts, [
    { name: 'auth', mountPath: '/etc/pgsweep/auth', readOnly: true },
  ]);
  assert.deepEqual(pod.volumes, [
    {
      name: 'auth',
      // 0440: readable through the pod's fsGroup, by nobody else.
      secret: {
        secretName: 'pushgateway-basic-auth',
        defaultMode: 0o440,
        items: [{ key: 'pass', path: 'pass' }],
      },
    },
  ]);
  assert.deepEqual(pod.imagePullSecrets, [{ name: 'regcred' }]);
  assert.deepEqual(pod.nodeSelector, { 'kubernetes.io/os': 'linux' });
  assert.equal(pod.tolerations?.length, 1);
  assert.ok(pod.affinity?.nodeAffinity);
  const meta = cj.spec.jobTemplate.spec.template.metadata;
  assert.equal(meta?.labels?.team, 'observability');
  assert.deepEqual(meta?.annotations, { 'example.com/owner': 'observability' });
  assert.ok(!JSON.stringify(cj).includes('password='), 'no secret value in the spec');
});

test('bearer-token: the token is a mounted file; the image is pinned by digest', () => {
  const cj = cronJobOf(rendered('bearer-token-values.yaml'));
  const c = containerOf(cj);
  assert.ok(c.args?.includes('--bearer-token-file=/etc/pgsweep/auth/api-token'));
  assert.ok(!c.args?.some((a) => a.startsWith('--password-file')));
  assert.equal(c.env, undefined, 'no username for bearer auth');
  assert.deepEqual(podSpecOf(cj).volumes?.[0]?.secret?.items, [
    { key: 'api-token', path: 'api-token' },
  ]);
  assert.equal(
    c.image,
    'registry.example.com/observability/pgsweep:0.1.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  );
});

test('tls: CA bundle from a ConfigMap, client certificate and key from a Secret', () => {
  const cj = cronJobOf(rendered('tls-values.yaml'));
  const c = containerOf(cj);
  const pod = podSpecOf(cj);
  assert.deepEqual(c.args?.slice(3), [
    '--ca-file=/etc/pgsweep/tls/ca/ca-bundle.pem',
    '--cert-file=/etc/pgsweep/tls/client/tls.crt',
    '--key-file=/etc/pgsweep/tls/client/tls.key',
  ]);
  assert.deepEqual(pod.volumes, [
    {
      name: 'tls-ca',
      configMap: {
        name: 'internal-ca-bundle',
        defaultMode: 0o444,
        items: [{ key: 'ca-bundle.pem', path: 'ca-bundle.pem' }],
      },
    },
    {
      name: 'tls-client',
      secret: {
        secretName: 'pgsweep-client-tls',
        defaultMode: 0o440,
        items: [
          { key: 'tls.crt', path: 'tls.crt' },
          { key: 'tls.key', path: 'tls.key' },
        ],
      },
    },
    { name: 'scratch', emptyDir: { sizeLimit: '16Mi' } },
  ]);
  assert.deepEqual(
    c.volumeMounts?.map((m) => m.mountPath),
    ['/etc/pgsweep/tls/ca', '/etc/pgsweep/tls/client', '/scratch'],
  );
});

test('rules-dryrun: selectors, excludes, rules and guards become repeatable flags, in order', () => {
  const c = containerOf(cronJobOf(rendered('rules-dryrun-values.yaml')));
  assert.deepEqual(c.args, [
    '--url=http://pushgateway-prometheus-pushgateway:9091',
    '--ttl=6h',
    '--log-level=debug',
    '--output=json',
    '--listing=text',
    '--concurrency=4',
    '--dry-run',
    '--selector={job=~"etl_.*"}',
    '--selector={job="spark_nightly"}',
    '--exclude={env="prod", team!="data"}',
    '--rule={job="spark_nightly"}=36h',
    '--rule={job=~"etl_.*", run_id!=""}=1h30m',
    '--ignore-declared-ttl',
    '--max-deletes=500',
    '--max-delete-ratio=0.25',
    '--push-metrics',
    '--instance=pgsweep',
    '--no-recheck',
  ]);
});

test('timezone-podfailurepolicy: time zone, suspend, podFailurePolicy, own ServiceAccount', () => {
  const manifests = rendered('timezone-podfailurepolicy-values.yaml');
  const cj = cronJobOf(manifests);
  assert.equal(cj.spec.schedule, '5 * * * *');
  assert.equal(cj.spec.timeZone, 'Europe/Berlin');
  assert.equal(cj.spec.suspend, true);
  assert.equal(cj.spec.startingDeadlineSeconds, 600);
  assert.equal(cj.spec.successfulJobsHistoryLimit, 1);
  assert.equal(cj.spec.failedJobsHistoryLimit, 5);
  const job = cj.spec.jobTemplate.spec;
  assert.equal(job.backoffLimit, 2);
  assert.equal(job.activeDeadlineSeconds, 1800);
  assert.deepEqual(job.podFailurePolicy, {
    rules: [
      {
        action: 'FailJob',
        onExitCodes: { containerName: 'pgsweep', operator: 'In', values: [2] },
      },
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
    ],
  });
  // podFailurePolicy is only valid with restartPolicy Never.
  assert.equal(job.template.spec.restartPolicy, 'Never');
  // The 61-character fullnameOverride is cut to 52 for the CronJob.
  assert.equal(cj.metadata.name, 'pushgateway-stale-group-sweeper-for-the-platform-tea');
  assert.equal(podSpecOf(cj).serviceAccountName, 'batch-jobs');
  assert.ok(!manifests.some((m) => m.kind === 'ServiceAccount'), 'serviceAccount.create=false');
  assert.ok(containerOf(cj).args?.includes('--ca-file=/etc/pgsweep/tls/ca/ca.crt'));
  assert.equal(podSpecOf(cj).volumes?.[0]?.secret?.secretName, 'pushgateway-ca');
});

// --- Names, deadlines and flags --------------------------------------------------------------

test('long names: the CronJob name stays within 52 characters', async () => {
  // Helm itself caps release names at 53 characters; fullnameOverride has no cap.
  const release = `pgsweep-${'r'.repeat(45)}`;
  const cases: Array<{ release: string; set: string[]; prefix: string }> = [
    { release: release.replace('pgsweep-', 'sweeper-'), set: [], prefix: 'sweeper-rrrr' },
    { release: 'ops', set: [`fullnameOverride=${'f'.repeat(50)}-sweeper-x`], prefix: 'ffff' },
    { release: 'a'.repeat(53), set: ['nameOverride=x-'], prefix: 'aaaa' },
  ];
  assert.equal(cases[0]?.release.length, 53);
  assert.equal(cases[1]?.set[0]?.length, 'fullnameOverride='.length + 60);
  for (const c of cases) {
    const manifests = await render({
      release: c.release,
      values: ['minimal-values.yaml'],
      set: c.set,
    });
    const cj = cronJobOf(manifests);
    assert.ok(cj.metadata.name.length <= 52, `${cj.metadata.name} (${cj.metadata.name.length})`);
    assert.ok(cj.metadata.name.length >= 50, `${cj.metadata.name} is cut, not replaced`);
    assert.match(cj.metadata.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'no trailing dash');
    assert.ok(cj.metadata.name.startsWith(c.prefix), cj.metadata.name);
    new CronJob(cj as never).validate();
    for (const m of manifests) {
      const name = (m.metadata as { name: string }).name;
      assert.ok(name.length <= 63, `${m.kind} ${name}`);
    }
  }
});

test('the deadline check catches a deadline longer than the schedule interval', async () => {
  // The chart cannot compute cron intervals, so this check is what guards the examples.
  const cj = cronJobOf(
    await render({
      values: ['minimal-values.yaml'],
      set: ['cronjob.activeDeadlineSeconds=1200'],
    }),
  );
  const interval = minIntervalSeconds(cj.spec.schedule, cj.spec.timeZone);
  assert.equal(interval, 900);
  assert.ok(!((cj.spec.jobTemplate.spec.activeDeadlineSeconds ?? 0) < interval));
  // Irregular schedules: the shortest gap counts, and the time zone is honoured.
  assert.equal(minIntervalSeconds('0 2,3 * * *'), 3600);
  assert.equal(minIntervalSeconds('30 1 * * *', 'America/New_York'), 82_800, 'the DST change');
});

test('every --flag the chart passes, in every example, is one pgsweep --help lists', () => {
  const known = knownFlags();
  const used = new Map<string, string>();
  for (const [file, manifests] of renderings) {
    for (const flag of flagNames(containerOf(cronJobOf(manifests)).args ?? [])) {
      if (!used.has(flag)) used.set(flag, file);
    }
  }
  // The examples must exercise every flag the templates can emit.
  const templates = readFileSync(join(ROOT, 'helm/pgsweep/templates/_helpers.tpl'), 'utf8');
  const emitted = new Set(templates.match(/"--[a-z][a-z-]*(?==|")/g)?.map((f) => f.slice(1)));
  for (const flag of emitted) assert.ok(used.has(flag), `no ci values file renders ${flag}`);
  const unknown = [...used].filter(([flag]) => !known.has(flag));
  assert.deepEqual(
    unknown.map(([flag, file]) => `${flag} (ci/${file})`),
    [],
    'the chart passes flags that `pgsweep --help` does not list',
  );
});

test('rules-dryrun: pgsweep runs with exactly the rendered arguments, against a real Pushgateway', async () => {
  const gw = await startPushgateway();
  try {
    const pushed = await rawRequest(gw.port, 'PUT', '/metrics/job/etl_load/run_id/r1', 'rows 1\n');
    assert.equal(pushed.status, 200);
    const args = (containerOf(cronJobOf(rendered('rules-dryrun-values.yaml'))).args ?? []).map(
      (a) => (a.startsWith('--url=') ? `--url=${gw.url}` : a),
    );
    assert.ok(args.includes('--listing=text') && args.includes('--concurrency=4'));
    const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'pgsweep.js'), ...args], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { summary: { scanned: number; dryRun: boolean } };
    assert.deepEqual(report.summary.scanned, 1);
    assert.equal(report.summary.dryRun, true);
    // The debug log gives the listing's size: not the JSON API's (the text page is bigger: it
    // carries the gateway's own metrics too).
    const listed = /"bytes":(\d+)/.exec(run.stderr)?.[1];
    const json = await rawRequest(gw.port, 'GET', '/api/v1/metrics');
    assert.ok(Number(listed) > json.body.length, `listed ${listed} bytes`);
    // selfMetrics: the run pushed its result as the release's group, not the pod's.
    const own = await rawRequest(gw.port, 'GET', '/metrics');
    assert.match(own.body, /pgsweep_dry_run\{instance="pgsweep",job="pgsweep"\} 1/);
  } finally {
    await gw.stop();
  }
});

test('every PGSWEEP_* variable the chart sets is one pgsweep --help lists', () => {
  const help = helpText();
  const knownEnv = new Set(help.match(/PGSWEEP_[A-Z_]+/g));
  assert.ok(knownEnv.has('PGSWEEP_TTL'), 'the help lists environment variables');
  const used = new Set<string>();
  for (const manifests of renderings.values()) {
    for (const e of containerOf(cronJobOf(manifests)).env ?? []) {
      if (e.name.startsWith('PGSWEEP_')) used.add(e.name);
    }
  }
  assert.ok(used.has('PGSWEEP_USERNAME'), 'an example sets the username from a Secret');
  for (const name of used) assert.ok(knownEnv.has(name), `${name} is not in pgsweep --help`);
});

// --- Helpers -------------------------------------------------------------------------------

let help: string | undefined;
function helpText(): string {
  const bin = join(ROOT, 'bin', 'pgsweep.js');
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
    assert.fail('dist/cli/main.js is missing: run `npm run build` first (npm run test:helm does)');
  }
  help ??= execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
  return help;
}

function knownFlags(): Set<string> {
  const flags = new Set(helpText().match(/--[a-z][a-z-]*/g));
  assert.ok(flags.has('--ttl') && flags.has('--url'), 'the help text lists flags');
  return flags;
}

/**
 * The shortest time between two consecutive runs of a cron schedule, in seconds, in the
 * CronJob's time zone (UTC when unset, like a typical kube-controller-manager). Looks at a
 * stretch starting now and stretches around both European and American DST changes.
 */
function minIntervalSeconds(schedule: string, timeZone?: string): number {
  const tz = timeZone || 'UTC';
  let min = Number.POSITIVE_INFINITY;
  for (const start of [new Date(), '2026-03-07T00:00:00Z', '2026-10-24T00:00:00Z']) {
    const it = CronExpressionParser.parse(schedule, { tz, currentDate: start });
    let prev = it.next().getTime();
    for (let i = 0; i < 400; i++) {
      const next = it.next().getTime();
      min = Math.min(min, (next - prev) / 1000);
      prev = next;
    }
  }
  return min;
}
