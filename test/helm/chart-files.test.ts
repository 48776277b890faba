/**
 * The chart's own files: Chart.yaml metadata, a comment on every value, values.yaml and
 * values.schema.json describing the same keys, NOTES.txt, and the Dockerfile the chart runs.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isMap, parse, parseDocument, type YAMLMap } from 'yaml';
import { CHART, CI_DIR, cleanupHelm, helm, parseManifests, ROOT, setupHelm } from './helm.ts';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

before(() => {
  setupHelm();
});
after(cleanupHelm);

test('Chart.yaml: apiVersion v2, versions follow package.json, Kubernetes >= 1.27', () => {
  const chart = parse(read('helm/pgsweep/Chart.yaml')) as Record<string, unknown>;
  assert.equal(chart.apiVersion, 'v2');
  assert.equal(chart.name, 'pgsweep');
  assert.equal(chart.type, 'application');
  assert.equal(chart.version, pkg.version);
  assert.equal(chart.appVersion, pkg.version);
  assert.equal(chart.kubeVersion, '>=1.27.0-0');
});

// --- values.yaml and values.schema.json --------------------------------------------------------

interface SchemaNode {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  $ref?: string;
}

const schema = JSON.parse(read('helm/pgsweep/values.schema.json')) as SchemaNode & {
  $schema: string;
};

/** A map the schema closes (additionalProperties: false) is a group of values, not a value. */
const isGroup = (node: SchemaNode | undefined): node is SchemaNode =>
  node?.additionalProperties === false && node.properties !== undefined;

/**
 * Walks values.yaml alongside the schema. Every value (a leaf, or an open object such as
 * resources) must carry a comment; groups are walked into. Returns the dotted paths seen.
 */
function walkValues(map: YAMLMap, node: SchemaNode, path: string, problems: string[]): string[] {
  const seen: string[] = [];
  map.items.forEach((pair, i) => {
    const key = String((pair.key as { value: unknown }).value);
    const here = path ? `${path}.${key}` : key;
    seen.push(here);
    const child = node.properties?.[key];
    if (!child) {
      problems.push(`${here}: not in values.schema.json`);
      return;
    }
    if (isGroup(child)) {
      assert.ok(isMap(pair.value), `${here} is a map`);
      seen.push(...walkValues(pair.value, child, here, problems));
      return;
    }
    // yaml attaches the comment above a map's first key to the map itself.
    const comment = (pair.key as { commentBefore?: string }).commentBefore ?? '';
    const lead = i === 0 ? (map.commentBefore ?? '') : '';
    if (!/^ ?-- \S/m.test(`${lead}\n${comment}`)) problems.push(`${here}: no "# -- " comment`);
  });
  return seen;
}

function schemaPaths(node: SchemaNode, path: string): string[] {
  return Object.entries(node.properties ?? {}).flatMap(([key, child]) => {
    const here = path ? `${path}.${key}` : key;
    return [here, ...(isGroup(child) ? schemaPaths(child, here) : [])];
  });
}

test('values.schema.json is draft-07 and closes the top level and every group', () => {
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  assert.equal(schema.additionalProperties, false);
  for (const group of ['pushgateway', 'sweep', 'cronjob', 'image', 'serviceAccount']) {
    assert.ok(isGroup(schema.properties?.[group]), `${group} has additionalProperties: false`);
  }
});

test('every value in values.yaml has a comment, and values.yaml and the schema agree', () => {
  const doc = parseDocument(read('helm/pgsweep/values.yaml'));
  assert.equal(doc.errors.length, 0);
  assert.ok(isMap(doc.contents));
  const problems: string[] = [];
  const inValues = new Set(walkValues(doc.contents, schema, '', problems));
  for (const path of schemaPaths(schema, '')) {
    // Helm adds `global` to a subchart's values, so the schema must allow it.
    if (path !== 'global' && !inValues.has(path)) {
      problems.push(`${path}: in the schema, missing from values.yaml`);
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(inValues.has('cronjob.podFailurePolicy.enabled'), 'nested groups are walked');
});

test('values.yaml defaults: restricted security, Forbid, a 15-minute schedule, 2h TTL', () => {
  const values = parse(read('helm/pgsweep/values.yaml')) as {
    pushgateway: { url: string };
    sweep: { ttl: string; dryRun: boolean; selectors: unknown };
    cronjob: Record<string, unknown>;
    image: { tag: string };
    podSecurityContext: Record<string, unknown>;
  };
  assert.equal(values.pushgateway.url, '', 'no default gateway: the user must choose');
  assert.equal(values.sweep.ttl, '2h');
  assert.equal(values.sweep.dryRun, false);
  assert.deepEqual(values.sweep.selectors, []);
  assert.equal(values.cronjob.schedule, '*/15 * * * *');
  assert.equal(values.cronjob.concurrencyPolicy, undefined, 'overlap is never a value');
  assert.equal(values.cronjob.activeDeadlineSeconds, 600);
  assert.equal(values.image.tag, '', 'the tag follows appVersion');
  assert.equal(values.podSecurityContext.runAsUser, 65532);
});

// --- NOTES.txt -----------------------------------------------------------------------------

/**
 * `helm template` does not render NOTES.txt, and `helm install --dry-run` needs a cluster, so a
 * scratch copy of the chart renders NOTES.txt's text into a ConfigMap.
 */
let scratch: string | undefined;
async function renderNotes(release: string, set: string[] = []): Promise<string> {
  if (!scratch) {
    scratch = mkdtempSync(join(tmpdir(), 'pgsweep-notes-'));
    cpSync(CHART, join(scratch, 'pgsweep'), { recursive: true });
    const notes = readFileSync(join(CHART, 'templates', 'NOTES.txt'), 'utf8');
    writeFileSync(
      join(scratch, 'pgsweep', 'templates', 'zz-notes-test.yaml'),
      `{{- define "pgsweep.test.notes" }}${notes}{{- end }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: notes
data:
  notes: {{ include "pgsweep.test.notes" . | toJson }}
`,
    );
  }
  const args = ['template', release, join(scratch, 'pgsweep'), '--namespace', 'monitoring'];
  args.push('--values', join(CI_DIR, 'minimal-values.yaml'));
  for (const s of set) args.push('--set', s);
  args.push('--show-only', 'templates/zz-notes-test.yaml');
  const run = await helm(args);
  assert.equal(run.code, 0, run.stderr);
  const [cm] = parseManifests(run.stdout) as unknown as Array<{ data: { notes: string } }>;
  assert.ok(cm);
  return cm.data.notes;
}
after(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test('NOTES.txt: run a sweep now, read its logs, suspend the CronJob', async () => {
  const notes = await renderNotes('pgsweep');
  assert.match(
    notes,
    /kubectl create job --from=cronjob\/pgsweep pgsweep-manual-\$\(date \+%s\) -n monitoring/,
  );
  assert.match(notes, /kubectl logs -n monitoring job\//);
  assert.match(notes, /kubectl get jobs -n monitoring -l app\.kubernetes\.io\/instance=pgsweep/);
  assert.match(
    notes,
    /kubectl patch cronjob pgsweep -n monitoring -p '\{"spec":\{"suspend":true\}\}'/,
  );
  assert.match(notes, /http:\/\/pushgateway-prometheus-pushgateway:9091/);
  assert.doesNotMatch(notes, /DRY RUN/);
  assert.doesNotMatch(notes, /<no value>/);
});

test('NOTES.txt: warns about dry-run and suspend; manual Job names fit in 63 characters', async () => {
  const release = 'r'.repeat(53);
  const notes = await renderNotes(release, ['sweep.dryRun=true', 'cronjob.suspend=true']);
  assert.match(notes, /DRY RUN: sweep\.dryRun is true, so nothing is deleted/);
  assert.match(notes, /SUSPENDED: cronjob\.suspend is true/);
  const m = / (\S+)-manual-\$\(date \+%s\) /.exec(notes);
  assert.ok(m, notes);
  const jobName = `${m[1]}-manual-${Math.floor(Date.now() / 1000)}`;
  assert.ok(jobName.length <= 63, `${jobName} (${jobName.length})`);
  assert.match(notes, new RegExp(`--from=cronjob/${'r'.repeat(52)} `), 'the real CronJob name');
});

test("NOTES.txt: with selfMetrics, the alert rules on the release's own group", async () => {
  const off = await renderNotes('sweeper');
  assert.doesNotMatch(off, /pgsweep_last_success_timestamp_seconds/);
  const on = await renderNotes('sweeper', ['selfMetrics.enabled=true']);
  assert.match(on, /\{job="pgsweep", instance="sweeper"\}/);
  assert.match(
    on,
    /expr: time\(\) - max by \(instance\) \(pgsweep_last_success_timestamp_seconds\{job="pgsweep", instance="sweeper"\}\) > 3 \* 3600/,
  );
  assert.match(
    on,
    /summary: "pgsweep \{\{ \$labels\.instance \}\} has not swept successfully for 3h"/,
  );
  assert.match(
    on,
    /absent\(pgsweep_last_success_timestamp_seconds\{job="pgsweep", instance="sweeper"\}\)/,
  );
  const named = await renderNotes('sweeper', [
    'selfMetrics.enabled=true',
    'selfMetrics.instance=prod',
  ]);
  assert.match(named, /instance="prod"\}\) > 3 \* 3600/);
  // The rule in the NOTES is the one docs/operations.md gives, for one instance.
  const operations = read('docs/operations.md');
  assert.ok(
    operations.includes(
      'expr: time() - max by (instance) (pgsweep_last_success_timestamp_seconds{job="pgsweep"}) > 3 * 3600',
    ),
  );
});

// --- The image the chart runs ---------------------------------------------------------------

test('Dockerfile: multi-stage, production dependencies only, numeric non-root user', () => {
  const dockerfile = read('Dockerfile');
  const lines = dockerfile
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages = lines.filter((l) => /^FROM /i.test(l));
  assert.equal(stages.length, 2, 'a build stage and a runtime stage');
  const runtime = lines.slice(lines.lastIndexOf(stages[1] as string));
  assert.ok(lines.some((l) => /^RUN npm ci\b/.test(l) && !l.includes('--omit=dev')));
  assert.ok(lines.some((l) => /^RUN npm run build\b/.test(l)));
  assert.ok(
    runtime.some((l) => /^RUN npm ci .*--omit=dev/.test(l)),
    'npm ci --omit=dev',
  );
  assert.ok(runtime.includes('COPY package.json package-lock.json ./'));
  assert.ok(runtime.includes('COPY bin ./bin'));
  assert.ok(runtime.includes('COPY --from=build /app/dist ./dist'));
  assert.ok(runtime.includes('ENV NODE_ENV=production'));
  assert.equal(runtime.filter((l) => /^USER /.test(l)).at(-1), 'USER 65532:65532');
  // The image runs node on the bin, so it sets the environment and passes the Node options of
  // the bin's shebang itself.
  const shebang = read('bin/pgsweep.js').split('\n')[0] ?? '';
  const parts = /^#!\/usr\/bin\/env -S((?: [A-Z_]+=\S+)*) node((?: --[\w-]+=\S+)*)$/.exec(shebang);
  assert.ok(parts?.[2], `bin/pgsweep.js starts with node and its options: ${shebang}`);
  const options = parts[2].trim().split(' ');
  const env = (parts[1] ?? '').trim().split(' ').filter(Boolean);
  assert.ok(env.length > 0, 'the shebang sets MALLOC_MMAP_THRESHOLD_ (docs/scale.md)');
  for (const assignment of env) assert.ok(runtime.includes(`ENV ${assignment}`), assignment);
  assert.equal(
    runtime.at(-1),
    `ENTRYPOINT ${JSON.stringify(['node', ...options, '/app/bin/pgsweep.js']).replaceAll(',', ', ')}`,
  );
  // Whatever the build copies from the repository must exist (and pass .dockerignore).
  const ignore = read('.dockerignore');
  for (const l of lines.filter((x) => /^COPY (?!--from)/.test(x))) {
    for (const src of l.split(/\s+/).slice(1, -1)) {
      assert.ok(existsSync(join(ROOT, src)), `${l}: ${src} does not exist`);
      assert.ok(ignore.includes(`!${src}`), `${src} is excluded by .dockerignore`);
    }
  }
  assert.match(ignore, /^\*$/m, '.dockerignore starts from nothing');
});
