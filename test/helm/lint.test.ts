/**
 * helm lint --strict on every example values file, and the errors a user gets for a missing URL,
 * values the schema rejects and combinations the templates reject.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CHART, CI_DIR, CI_VALUES, cleanupHelm, helm, setupHelm, templateArgs } from './helm.ts';

before(() => {
  setupHelm();
});
after(cleanupHelm);

test('the fetched helm is v3.17.3', async () => {
  const run = await helm(['version', '--short']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^v3\.17\.3\b/);
});

test('there are example values files for each feature area', () => {
  for (const name of [
    'minimal-values.yaml',
    'auth-secret-values.yaml',
    'tls-values.yaml',
    'rules-dryrun-values.yaml',
    'timezone-podfailurepolicy-values.yaml',
  ]) {
    assert.ok(CI_VALUES.includes(name), `helm/pgsweep/ci/${name} is missing`);
  }
});

for (const file of CI_VALUES) {
  test(`helm lint --strict passes with ci/${file}`, async () => {
    const run = await helm(['lint', '--strict', CHART, '--values', `${CI_DIR}/${file}`]);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
  });
}

const URL_HINT =
  /pushgateway\.url is required: the Pushgateway base URL including any route prefix/;

test('without pushgateway.url, helm lint shows the clear message', async () => {
  // Helm's lint mode deliberately downgrades `required` to an [INFO] line so that charts with
  // required values can be linted; `helm template` and `helm install` fail (next test).
  const run = await helm(['lint', '--strict', CHART]);
  assert.match(`${run.stdout}${run.stderr}`, URL_HINT);
});

test('without pushgateway.url, helm template fails with a clear message', async () => {
  const run = await helm(templateArgs());
  assert.notEqual(run.code, 0);
  assert.match(run.stderr, URL_HINT);
  assert.match(run.stderr, /--set pushgateway\.url=http:\/\//, 'the message shows how to set it');
  assert.equal(run.stdout, '');
});

/** Each case: extra --set values on top of a valid URL, and what the error must name. */
const rejected: Array<{
  name: string;
  set?: string[];
  setString?: string[];
  setJson?: string[];
  error: RegExp;
}> = [
  {
    name: 'a concurrencyPolicy (the chart always forbids overlapping sweeps)',
    set: ['cronjob.concurrencyPolicy=Allow'],
    error: /cronjob: Additional property concurrencyPolicy is not allowed/,
  },
  {
    name: 'an unknown top-level key',
    set: ['schedule=*/5 * * * *'],
    error: /Additional property schedule is not allowed/,
  },
  { name: 'a misspelt nested key', set: ['sweep.tll=2h'], error: /tll is not allowed/ },
  {
    name: 'a TTL that is not a duration',
    setString: ['sweep.ttl=2 hours'],
    error: /sweep\.ttl: Does not match pattern/,
  },
  { name: 'a bare-number TTL', setString: ['sweep.ttl=3600'], error: /sweep\.ttl/ },
  {
    name: 'a URL with credentials',
    setString: ['pushgateway.url=http://user:secret@pushgateway:9091'],
    error: /pushgateway\.url: Does not match pattern/,
  },
  {
    name: 'a URL without a scheme',
    setString: ['pushgateway.url=pushgateway:9091'],
    error: /pushgateway\.url: Does not match pattern/,
  },
  {
    name: 'a delete ratio above 1',
    setJson: ['sweep.maxDeleteRatio=1.5'],
    error: /sweep\.maxDeleteRatio: Must validate at least one schema/,
  },
  {
    name: 'a delete ratio above 1 given as a string (helm --set passes decimals as strings)',
    set: ['sweep.maxDeleteRatio=1.5'],
    error: /sweep\.maxDeleteRatio: Must validate at least one schema/,
  },
  {
    name: 'an unknown listing mode',
    set: ['sweep.listing=xml'],
    error: /sweep\.listing.*must be one of.*"json", "text"/s,
  },
  { name: 'a concurrency of 0', set: ['sweep.concurrency=0'], error: /sweep\.concurrency/ },
  {
    name: "a concurrency above pgsweep's limit",
    set: ['sweep.concurrency=257'],
    error: /sweep\.concurrency/,
  },
  {
    name: 'a rule without a ttl',
    set: ['sweep.rules[0].selector={job="x"}'],
    error: /sweep\.rules\.0: ttl is required/,
  },
  {
    name: 'an unknown auth type',
    setString: ['pushgateway.auth.existingSecret=pg', 'pushgateway.auth.type=digest'],
    error: /pushgateway\.auth\.type.*must be one of/s,
  },
  {
    name: 'TZ= in the schedule (the API server rejects it; use cronjob.timeZone)',
    setString: ['cronjob.schedule=TZ=Europe/Berlin 0 * * * *'],
    error: /cronjob\.schedule: Must not validate the schema/,
  },
  {
    name: 'a zero activeDeadlineSeconds',
    set: ['cronjob.activeDeadlineSeconds=0'],
    error: /cronjob\.activeDeadlineSeconds: Must be greater than or equal to 1/,
  },
  {
    name: 'a CA from both a Secret and a ConfigMap',
    setString: ['pushgateway.tls.ca.existingSecret=ca', 'pushgateway.tls.ca.existingConfigMap=ca'],
    error: /pushgateway\.tls\.ca: set existingSecret or existingConfigMap, not both/,
  },
  {
    name: 'insecureSkipVerify together with a CA',
    set: ['pushgateway.tls.insecureSkipVerify=true'],
    setString: ['pushgateway.tls.ca.existingSecret=ca'],
    error: /insecureSkipVerify ignores the CA you configured/,
  },
  {
    name: 'a bearer auth type without a Secret',
    setString: ['pushgateway.auth.type=bearer'],
    error: /pushgateway\.auth\.existingSecret is empty/,
  },
];

for (const c of rejected) {
  test(`helm template rejects ${c.name}`, async () => {
    const run = await helm(
      templateArgs({
        values: ['minimal-values.yaml'],
        set: c.set ?? [],
        setString: c.setString ?? [],
        setJson: c.setJson ?? [],
      }),
    );
    assert.notEqual(run.code, 0, `rendered anyway:\n${run.stdout}`);
    assert.match(run.stderr, c.error);
    assert.equal(run.stdout, '');
  });
}

test('the same values without the mistake render (the rejections above are not flukes)', async () => {
  const run = await helm(
    templateArgs({
      values: ['minimal-values.yaml'],
      set: ['sweep.maxDeleteRatio=0.25'],
      setString: ['sweep.ttl=1h30m', 'pushgateway.auth.existingSecret=pg'],
      setJson: ['sweep.maxDeletes=0'],
    }),
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /concurrencyPolicy: Forbid/);
  assert.match(run.stdout, /"--ttl=1h30m"/);
  assert.match(run.stdout, /"--max-delete-ratio=0\.25"/);
  assert.match(run.stdout, /"--max-deletes=0"/, '0 (no limit) is passed, not dropped');
});
