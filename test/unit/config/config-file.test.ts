import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Config,
  DEFAULTS,
  type FlagValues,
  resolveConfig,
} from '../../../src/config/config.ts';
import { type ConfigFile, parseConfigFile } from '../../../src/config/config-file.ts';
import { matchesAny, matchesSelector } from '../../../src/core/matchers.ts';
import { usageError } from '../../support/usage-error.ts';

const PATH = 'pgsweep.yaml';
type Env = Record<string, string | undefined>;

const lines = (...l: string[]) => `${l.join('\n')}\n`;

/** Every setting the file knows, in YAML. Line numbers matter to some tests below. */
const FULL_YAML = lines(
  'url: http://a:9091', // 1
  'ttl: 2h', // 2
  'dryRun: true', // 3
  'check: false', // 4
  'selector:', // 5
  `  - '{job=~"etl_.*"}'`, // 6
  'exclude:', // 7
  `  - '{env="prod"}'`, // 8
  'rule:', // 9
  `  - '{job="nightly"}=36h'`, // 10
  `  - selector: '{job=~"ci_.*"}'`, // 11
  '    ttl: 30m', // 12
  'output: json', // 13
  'concurrency: 4', // 14
  'timeout: 30s', // 15
  'logLevel: debug', // 16
  'recheck: false', // 17
  'username: sweeper', // 18
  'passwordFile: /run/secrets/pw', // 19
  'header:', // 20
  '  X-Scope-OrgID: team-a', // 21
  '  X-Other: "b"', // 22
  'caFile: /tls/ca.pem', // 23
  'certFile: /tls/client.pem', // 24
  'keyFile: /tls/client.key', // 25
  'insecureSkipVerify: true', // 26
  'ignoreDeclaredTtl: true', // 27
  'maxDeletes: 50', // 28
  'maxDeleteRatio: 0.25', // 29
  'force: true', // 30
  'trustLocalClock: true', // 31
);

describe('parseConfigFile: YAML', () => {
  const file = parseConfigFile(FULL_YAML, PATH);
  const v = file.values;

  it('keeps the path', () => {
    assert.equal(file.path, PATH);
  });

  it('maps scalar settings to typed values', () => {
    assert.deepEqual(
      v.url?.map((u) => u.text),
      ['http://a:9091'],
    );
    assert.equal(v.ttl, 7_200_000);
    assert.equal(v.dryRun, true);
    assert.equal(v.check, false);
    assert.equal(v.output, 'json');
    assert.equal(v.concurrency, 4);
    assert.equal(v.timeout, 30_000);
    assert.equal(v.logLevel, 'debug');
    assert.equal(v.recheck, false);
    assert.equal(v.username, 'sweeper');
    assert.equal(v.passwordFile, '/run/secrets/pw');
    assert.equal(v.caFile, '/tls/ca.pem');
    assert.equal(v.certFile, '/tls/client.pem');
    assert.equal(v.keyFile, '/tls/client.key');
    assert.equal(v.insecureSkipVerify, true);
    assert.equal(v.ignoreDeclaredTtl, true);
    assert.equal(v.maxDeletes, 50);
    assert.equal(v.maxDeleteRatio, 0.25);
    assert.equal(v.force, true);
    assert.equal(v.trustLocalClock, true);
  });

  it('parses selectors and excludes', () => {
    assert.equal(v.selector?.length, 1);
    assert.equal(matchesAny({ job: 'etl_1' }, v.selector ?? []), true);
    assert.equal(matchesAny({ job: 'web' }, v.selector ?? []), false);
    assert.equal(matchesAny({ env: 'prod' }, v.exclude ?? []), true);
  });

  it('reads rules written as strings and as {selector, ttl} objects, in order', () => {
    const rules = v.rule ?? [];
    assert.deepEqual(
      rules.map((r) => r.ttlMs),
      [36 * 3_600_000, 30 * 60_000],
    );
    assert.equal(rules[0]?.text, '{job="nightly"}=36h');
    assert.equal(matchesSelector({ job: 'nightly' }, rules[0]?.selector ?? []), true);
    assert.equal(matchesSelector({ job: 'ci_lint' }, rules[1]?.selector ?? []), true);
    assert.equal(matchesSelector({ job: 'nightly' }, rules[1]?.selector ?? []), false);
  });

  it('reads headers as a map of name to value', () => {
    assert.deepEqual(v.header, [
      ['X-Scope-OrgID', 'team-a'],
      ['X-Other', 'b'],
    ]);
  });

  it('takes url as a list too', () => {
    const f = parseConfigFile(lines('url:', '  - http://a:9091', '  - https://b/p/'), PATH);
    assert.deepEqual(
      f.values.url?.map((u) => u.text),
      ['http://a:9091', 'https://b/p/'],
    );
  });

  it('takes guardMinAge as a duration, and names a bad one with its line', () => {
    assert.equal(parseConfigFile(lines('guardMinAge: 10m'), PATH).values.guardMinAge, 600_000);
    usageError(
      () => parseConfigFile(lines('ttl: 2h', 'guardMinAge: 3600'), PATH),
      /pgsweep\.yaml:2: guardMinAge: /,
    );
  });

  it('accepts an empty file (or only comments) as no settings', () => {
    assert.deepEqual(parseConfigFile('', PATH).values, {});
    assert.deepEqual(parseConfigFile('# nothing here\n', PATH).values, {});
  });

  it('where(key) gives path:line (key) of a setting', () => {
    assert.equal(file.where('ttl'), `${PATH}:2 (ttl)`);
    assert.equal(file.where('passwordFile'), `${PATH}:19 (passwordFile)`);
    assert.equal(file.where('maxDeletes'), `${PATH}:28 (maxDeletes)`);
  });
});

describe('parseConfigFile: JSON', () => {
  const json = `{
  "url": ["http://a:9091", "http://b:9091"],
  "ttl": "90m",
  "dryRun": true,
  "selector": ["{job=\\"x\\"}"],
  "rule": ["{job=\\"a\\"}=1h", {"selector": "{job=\\"b\\"}", "ttl": "2h"}],
  "header": {"X-Scope-OrgID": "team-a"},
  "bearerTokenFile": "/run/secrets/token",
  "maxDeleteRatio": 1,
  "concurrency": 16
}`;
  const file = parseConfigFile(json, 'pgsweep.json');

  it('reads the same settings from JSON', () => {
    const v = file.values;
    assert.deepEqual(
      v.url?.map((u) => u.text),
      ['http://a:9091', 'http://b:9091'],
    );
    assert.equal(v.ttl, 90 * 60_000);
    assert.equal(v.dryRun, true);
    assert.equal(matchesAny({ job: 'x' }, v.selector ?? []), true);
    assert.deepEqual(
      v.rule?.map((r) => r.ttlMs),
      [3_600_000, 7_200_000],
    );
    assert.deepEqual(v.header, [['X-Scope-OrgID', 'team-a']]);
    assert.equal(v.bearerTokenFile, '/run/secrets/token');
    assert.equal(v.maxDeleteRatio, 1);
    assert.equal(v.concurrency, 16);
  });

  it('knows JSON line numbers too', () => {
    assert.equal(file.where('ttl'), 'pgsweep.json:3 (ttl)');
    usageError(
      () => parseConfigFile('{\n  "ttl": "2h",\n  "dry_run": true\n}', 'p.json'),
      /p\.json:3: unknown setting "dry_run"/,
    );
  });

  it('reports invalid JSON', () => {
    usageError(
      () => parseConfigFile('{"ttl": "2h",', 'p.json'),
      /^config file is not valid YAML or JSON: p\.json:1: /,
    );
  });
});

describe('parseConfigFile: problems', () => {
  it('reports an unknown setting with its line and a hint', () => {
    const e = usageError(() =>
      parseConfigFile(lines('url: http://a:9091', 'ttl: 2h', 'dry-run: true'), PATH),
    );
    assert.match(e.message, /pgsweep\.yaml:3: unknown setting "dry-run"/);
    assert.match(e.message, /camelCase/);
  });

  it('reports an unknown key inside a rule object with its path', () => {
    usageError(
      () =>
        parseConfigFile(
          lines('rule:', `  - selector: '{job="a"}'`, '    ttl: 1h', '    extra: 1'),
          PATH,
        ),
      /pgsweep\.yaml:4: unknown setting "rule\[0\]\.extra"/,
    );
  });

  it('reports every problem together, each with its location', () => {
    const e = usageError(() =>
      parseConfigFile(
        lines('url: http://a:9091', 'ttl: soon', 'dryRun: true', 'selector:', `  - '{job'`),
        PATH,
      ),
    );
    assert.match(e.message, /^config file has 2 problems: /);
    assert.match(e.message, /pgsweep\.yaml:2: ttl: "soon" is not a duration/);
    assert.match(e.message, /pgsweep\.yaml:5: selector\[0\]: .*position/);
  });

  it('counts each unknown setting as one problem', () => {
    // Bug probe: two unknown keys are listed, but the count says "1 problem".
    const e = usageError(() => parseConfigFile(lines('ttl: 2h', 'foo: 1', 'bar: 2'), PATH));
    assert.match(e.message, /pgsweep\.yaml:2: unknown setting "foo"/);
    assert.match(e.message, /pgsweep\.yaml:3: unknown setting "bar"/);
    assert.match(e.message, /^config file has 2 problems: /);
  });

  it('reports wrong types and out-of-range numbers with their lines', () => {
    const e = usageError(() =>
      parseConfigFile(
        lines(
          'dryRun: "maybe"',
          'concurrency: 0',
          'maxDeleteRatio: 1.5',
          'output: yaml',
          'ttl: 7200',
        ),
        PATH,
      ),
    );
    assert.match(e.message, /^config file has 5 problems: /);
    for (const [line, key] of [
      [1, 'dryRun'],
      [2, 'concurrency'],
      [3, 'maxDeleteRatio'],
      [4, 'output'],
      [5, 'ttl'],
    ] as const) {
      assert.match(e.message, new RegExp(`pgsweep\\.yaml:${line}: ${key}: `));
    }
  });

  it('applies the shared validators: secret headers, zero TTLs, bad rule objects', () => {
    usageError(
      () => parseConfigFile(lines('header:', '  Authorization: Bearer x'), PATH),
      /pgsweep\.yaml:2: header\.Authorization: .*--bearer-token-file/,
    );
    usageError(
      () => parseConfigFile(lines('ttl: 0s'), PATH),
      /pgsweep\.yaml:1: ttl: .*greater than 0/,
    );
    usageError(
      () => parseConfigFile(lines('rule:', `  - selector: '{job'`, '    ttl: 1h'), PATH),
      /pgsweep\.yaml:2: rule\[0\]/,
    );
  });

  it('explains why a URL in the file is rejected', () => {
    // Bug probe: the union of "string or list" swallows the validator's message ("Invalid input").
    usageError(
      () => parseConfigFile(lines('url: ftp://pg:9091'), PATH),
      /pgsweep\.yaml:1: url.*http:\/\/ or https:\/\//,
    );
  });

  it('explains why a rule string in the file is rejected', () => {
    // Bug probe: same union problem for rules written as strings.
    usageError(
      () => parseConfigFile(lines('rule:', `  - '{job="x"}=0s'`), PATH),
      /pgsweep\.yaml:2: rule\[0\].*greater than 0/,
    );
  });

  it('rejects a file that is not a mapping', () => {
    usageError(() => parseConfigFile(lines('- a', '- b'), PATH), /pgsweep\.yaml:1: the file: /);
    usageError(() => parseConfigFile('just text', PATH), /pgsweep\.yaml:1: the file: /);
  });

  it('reports invalid YAML with its line', () => {
    usageError(
      () => parseConfigFile(lines('ttl: 2h', 'selector: [a, b', 'x: y'), PATH),
      /^config file is not valid YAML or JSON: pgsweep\.yaml:\d+: /,
    );
    usageError(
      () => parseConfigFile(lines('ttl: 2h', 'ttl: 3h'), PATH),
      /not valid YAML or JSON: pgsweep\.yaml:2: .*unique/,
    );
  });
});

describe('parseConfigFile: hostile files', () => {
  /** Runs `fn`, which must throw a UsageError matching `message`, within `ms`. */
  function quickUsageError(fn: () => unknown, message: RegExp, ms = 1000): void {
    const started = performance.now();
    const e = usageError(fn, message);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < ms, `took ${elapsed.toFixed(0)} ms`);
    assert.ok(!e.message.includes('\n'), `not one line: ${e.message}`);
  }

  it('refuses an alias bomb with a usage error naming the file', () => {
    // Bug probe: yaml's toJS throws a ReferenceError, which reached "please report this".
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const [prev, name] = [String.fromCharCode(96 + i), String.fromCharCode(97 + i)];
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    quickUsageError(
      () => parseConfigFile(lines(...levels), PATH),
      /^config file pgsweep\.yaml: its YAML aliases expand more than 100 times/,
    );
  });

  it('still allows a few aliases', () => {
    const f = parseConfigFile(lines('selector: &s [\'{job="a"}\']', 'exclude: *s'), PATH);
    assert.equal(f.values.exclude?.length, 1);
  });

  it('refuses a map or list used as a key, which toJS would stringify without bound', () => {
    // Bug probe: 500 nested "? " took minutes in toJS (and yaml printed a warning to stderr).
    quickUsageError(
      () => parseConfigFile('? '.repeat(500), PATH),
      /^config file pgsweep\.yaml:1: a setting name must be a plain word/,
    );
    quickUsageError(
      () => parseConfigFile(lines('header:', '  [a]: b'), PATH),
      /pgsweep\.yaml:2: a setting name must be a plain word/,
    );
  });

  it('refuses deep nesting quickly, in flow and block style', () => {
    quickUsageError(() => parseConfigFile('['.repeat(60_000), PATH), /more than 100 brackets open/);
    quickUsageError(() => parseConfigFile('{a: '.repeat(16_000), PATH), /more than 100 brackets/);
    quickUsageError(() => parseConfigFile('- '.repeat(30_000), PATH), /nested too deeply/);
    quickUsageError(
      () =>
        parseConfigFile(
          Array.from({ length: 20 }, (_, i) => `${'  '.repeat(i)}a:`).join('\n'),
          PATH,
        ),
      /nested deeper than 16 levels/,
    );
  });

  it('lists at most five problems, once each, and counts the rest', () => {
    const e = usageError(() => parseConfigFile('a: '.repeat(20_000), PATH));
    assert.ok(e.message.length < 1000, e.message);
    const many = usageError(() =>
      parseConfigFile(lines(...Array.from({ length: 40 }, (_, i) => `k${i}: 1`)), PATH),
    );
    assert.match(many.message, /; and 35 more$/);
  });

  it('refuses duplicate keys and a __proto__ key', () => {
    usageError(
      () => parseConfigFile(lines('ttl: 2h', 'ttl: 3h'), PATH),
      /:2: Map keys must be unique/,
    );
    usageError(
      () => parseConfigFile('{"__proto__": {"ttl": "1h"}, "ttl": "2h"}', PATH),
      /unknown setting "__proto__"/,
    );
    assert.equal(({} as Record<string, unknown>).ttl, undefined);
  });

  it('refuses binary garbage and NUL bytes as YAML errors, not crashes', () => {
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)).toString(
      'latin1',
    );
    usageError(() => parseConfigFile(garbage, PATH), /^config file/);
    usageError(() => parseConfigFile('ttl: 2h\0\0', PATH), /^config file/);
  });
});

describe('resolveConfig with a config file', () => {
  const full = parseConfigFile(FULL_YAML, PATH);

  it('takes every setting from the file', () => {
    const c: Config = resolveConfig({}, {}, full);
    assert.deepEqual(
      c.urls.map((u) => u.text),
      ['http://a:9091'],
    );
    assert.equal(c.ttlMs, 7_200_000);
    assert.equal(c.dryRun, true);
    assert.equal(c.check, false);
    assert.equal(c.selectors.length, 1);
    assert.equal(c.excludes.length, 1);
    assert.equal(c.rules.length, 2);
    assert.equal(c.output, 'json');
    assert.equal(c.concurrency, 4);
    assert.equal(c.timeoutMs, 30_000);
    assert.equal(c.logLevel, 'debug');
    assert.equal(c.recheck, false);
    assert.deepEqual(c.auth, {
      kind: 'basic',
      username: 'sweeper',
      password: { kind: 'file', path: '/run/secrets/pw', from: `${PATH}:19 (passwordFile)` },
    });
    assert.deepEqual(c.headers, [
      ['X-Scope-OrgID', 'team-a'],
      ['X-Other', 'b'],
    ]);
    assert.deepEqual(c.tls, {
      caFile: '/tls/ca.pem',
      certFile: '/tls/client.pem',
      keyFile: '/tls/client.key',
      insecureSkipVerify: true,
    });
    assert.equal(c.useDeclaredTtl, false);
    assert.deepEqual(c.guards, {
      maxDeletes: 50,
      maxDeleteRatio: 0.25,
      minAgeMs: 3_600_000,
      force: true,
    });
    assert.equal(c.trustLocalClock, true);
  });

  it('takes a bearer token file from the file', () => {
    const f = parseConfigFile(lines('ttl: 1h', 'bearerTokenFile: /tok'), PATH);
    assert.deepEqual(resolveConfig({}, {}, f).auth, {
      kind: 'bearer',
      token: { kind: 'file', path: '/tok', from: `${PATH}:2 (bearerTokenFile)` },
    });
  });

  it('lets PGSWEEP_PASSWORD beat a passwordFile in the file', () => {
    const c = resolveConfig({}, { PGSWEEP_PASSWORD: 'from-env' }, full);
    assert.deepEqual(c.auth?.kind === 'basic' ? c.auth.password : undefined, {
      kind: 'env',
      name: 'PGSWEEP_PASSWORD',
      value: 'from-env',
    });
  });

  it('still checks combinations across sources (cert from the file, key from a flag)', () => {
    const f = parseConfigFile(lines('ttl: 1h', 'certFile: /c.pem'), PATH);
    usageError(() => resolveConfig({}, {}, f), /--cert-file and --key-file go together/);
    assert.equal(resolveConfig({ keyFile: '/k.pem' }, {}, f).tls.keyFile, '/k.pem');
  });

  it('mentions the config file when the TTL is missing everywhere', () => {
    usageError(() => resolveConfig({}, {}, parseConfigFile('', PATH)), /ttl in --config/);
  });

  describe('precedence: flags > env > file > defaults', () => {
    const file: ConfigFile = parseConfigFile(
      lines('ttl: 3h', 'dryRun: true', 'selector:', `  - '{job="file"}'`),
      PATH,
    );
    /** `null`: no config file at all. */
    const resolve = (flags: FlagValues, env: Env, f: ConfigFile | null = file) =>
      resolveConfig(flags, env, f ?? undefined);

    it('for a scalar (ttl)', () => {
      assert.equal(resolve({}, {}).ttlMs, 3 * 3_600_000);
      assert.equal(resolve({}, { PGSWEEP_TTL: '4h' }).ttlMs, 4 * 3_600_000);
      assert.equal(resolve({ ttl: '5h' }, { PGSWEEP_TTL: '4h' }).ttlMs, 5 * 3_600_000);
      // Nothing anywhere: timeout falls back to its default.
      assert.equal(resolve({}, {}).timeoutMs, 120_000);
      assert.equal(DEFAULTS.timeout, '2m');
    });

    it('for a boolean (dryRun)', () => {
      assert.equal(resolve({}, {}).dryRun, true);
      assert.equal(resolve({}, { PGSWEEP_DRY_RUN: 'false' }).dryRun, false);
      assert.equal(resolve({ dryRun: true }, { PGSWEEP_DRY_RUN: 'false' }).dryRun, true);
      assert.equal(resolve({ dryRun: false }, {}).dryRun, false);
      assert.equal(resolve({ ttl: '1h' }, {}, null).dryRun, false);
    });

    it('for a list (selectors), replacing rather than merging', () => {
      const jobs = (c: Config) =>
        ['file', 'env', 'flag'].filter((job) => matchesAny({ job }, c.selectors));
      assert.deepEqual(jobs(resolve({}, {})), ['file']);
      assert.deepEqual(jobs(resolve({}, { PGSWEEP_SELECTOR: '{job="env"}' })), ['env']);
      assert.deepEqual(
        jobs(resolve({ selector: ['{job="flag"}'] }, { PGSWEEP_SELECTOR: '{job="env"}' })),
        ['flag'],
      );
      assert.deepEqual(resolve({ ttl: '1h' }, {}, null).selectors, []);
    });

    it('for the URL list', () => {
      const f = parseConfigFile(lines('ttl: 1h', 'url: [http://file:1, http://file:2]'), PATH);
      assert.deepEqual(
        resolveConfig({}, {}, f).urls.map((u) => u.text),
        ['http://file:1', 'http://file:2'],
      );
      assert.deepEqual(
        resolveConfig({}, { PGSWEEP_URL: 'http://env:1' }, f).urls.map((u) => u.text),
        ['http://env:1'],
      );
      assert.deepEqual(
        resolveConfig({ url: ['http://flag:1'] }, {}, f).urls.map((u) => u.text),
        ['http://flag:1'],
      );
    });

    it('an invalid flag is reported, never silently replaced by the file value', () => {
      usageError(() => resolve({ ttl: 'soon' }, {}), /^--ttl: /);
    });
  });
});
