import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Config,
  configPath,
  DEFAULTS,
  envName,
  type FlagValues,
  MAX_CONCURRENCY,
  resolveConfig,
  SHORT_TTL_MS,
} from '../../../src/config/config.ts';
import { parseConfigFile } from '../../../src/config/config-file.ts';
import { matchesAny, matchesSelector, type Selector } from '../../../src/core/matchers.ts';
import { usageError } from '../../support/usage-error.ts';

type Env = Record<string, string | undefined>;

/** Resolves with a TTL given, so tests only spell out what they are about. */
function resolve(flags: FlagValues = {}, env: Env = {}): Config {
  return resolveConfig({ ttl: '2h', ...flags }, env);
}

describe('envName', () => {
  it('maps a long flag to its PGSWEEP_ variable', () => {
    assert.equal(envName('--dry-run'), 'PGSWEEP_DRY_RUN');
    assert.equal(envName('--ttl'), 'PGSWEEP_TTL');
    assert.equal(envName('--log-level'), 'PGSWEEP_LOG_LEVEL');
    assert.equal(envName('--no-recheck'), 'PGSWEEP_NO_RECHECK');
  });
});

describe('resolveConfig', () => {
  it('applies defaults', () => {
    const c = resolveConfig({ ttl: '2h' }, {});
    assert.deepEqual(
      c.urls.map((u) => u.text),
      [DEFAULTS.url],
    );
    assert.equal(c.ttlMs, 7_200_000);
    assert.equal(c.dryRun, false);
    assert.equal(c.check, false);
    assert.deepEqual(c.selectors, []);
    assert.deepEqual(c.excludes, []);
    assert.equal(c.output, 'table');
    assert.equal(c.concurrency, 8);
    assert.equal(DEFAULTS.timeout, '2m');
    assert.equal(c.timeoutMs, 120_000);
    assert.equal(c.logLevel, 'info');
    assert.equal(c.recheck, true);
    assert.deepEqual(c.rules, []);
    assert.equal(c.useDeclaredTtl, true);
    assert.equal(c.auth, undefined);
    assert.deepEqual(c.headers, []);
    assert.deepEqual(c.tls, { insecureSkipVerify: false });
    assert.deepEqual(c.guards, {
      maxDeletes: 10_000,
      maxDeleteRatio: 0.5,
      minAgeMs: 3_600_000,
      force: false,
    });
    assert.equal(c.trustLocalClock, false);
    assert.deepEqual(c.warnings, []);
  });

  it('reads the environment', () => {
    const c = resolveConfig(
      {},
      {
        PGSWEEP_URL: 'https://pg.example:9091/prefix',
        PGSWEEP_TTL: '1d',
        PGSWEEP_DRY_RUN: 'true',
        PGSWEEP_OUTPUT: 'json',
        PGSWEEP_CONCURRENCY: '4',
        PGSWEEP_TIMEOUT: '5s',
        PGSWEEP_LOG_LEVEL: 'debug',
        PGSWEEP_EXCLUDE: '{env="prod"}',
      },
    );
    assert.deepEqual(
      c.urls.map((u) => u.text),
      ['https://pg.example:9091/prefix'],
    );
    assert.equal(c.ttlMs, 86_400_000);
    assert.equal(c.dryRun, true);
    assert.equal(c.output, 'json');
    assert.equal(c.concurrency, 4);
    assert.equal(c.timeoutMs, 5000);
    assert.equal(c.logLevel, 'debug');
    assert.equal(c.excludes.length, 1);
  });

  it('lets flags beat the environment', () => {
    const c = resolveConfig(
      {
        url: ['http://flag:9091'],
        ttl: '3h',
        dryRun: false,
        output: 'table',
        concurrency: '2',
        timeout: '10s',
        logLevel: 'warn',
        selector: ['{job="flag"}'],
      },
      {
        PGSWEEP_URL: 'http://env:9091',
        PGSWEEP_TTL: '1h',
        PGSWEEP_DRY_RUN: 'true',
        PGSWEEP_OUTPUT: 'json',
        PGSWEEP_CONCURRENCY: '16',
        PGSWEEP_TIMEOUT: '1m',
        PGSWEEP_LOG_LEVEL: 'debug',
        PGSWEEP_SELECTOR: '{job="env"}',
      },
    );
    assert.deepEqual(
      c.urls.map((u) => u.text),
      ['http://flag:9091'],
    );
    assert.equal(c.ttlMs, 3 * 3_600_000);
    assert.equal(c.dryRun, false);
    assert.equal(c.output, 'table');
    assert.equal(c.concurrency, 2);
    assert.equal(c.timeoutMs, 10_000);
    assert.equal(c.logLevel, 'warn');
    assert.equal(c.selectors.length, 1);
    const [s] = c.selectors;
    assert.ok(s);
    assert.equal(matchesSelector({ job: 'flag' }, s), true);
    assert.equal(matchesSelector({ job: 'env' }, s), false);
  });

  it('treats an empty variable as unset', () => {
    const c = resolveConfig({}, { PGSWEEP_TTL: '1h', PGSWEEP_URL: '', PGSWEEP_DRY_RUN: '' });
    assert.deepEqual(
      c.urls.map((u) => u.text),
      [DEFAULTS.url],
    );
    assert.equal(c.dryRun, false);
  });

  describe('booleans in the environment', () => {
    it('PGSWEEP_DRY_RUN=false is false and =true is true', () => {
      assert.equal(resolve({}, { PGSWEEP_DRY_RUN: 'false' }).dryRun, false);
      assert.equal(resolve({}, { PGSWEEP_DRY_RUN: 'true' }).dryRun, true);
    });

    it('accepts the usual spellings', () => {
      for (const v of ['1', 'yes', 'on', 'TRUE']) {
        assert.equal(resolve({}, { PGSWEEP_DRY_RUN: v }).dryRun, true, v);
      }
      for (const v of ['0', 'no', 'off', 'False']) {
        assert.equal(resolve({}, { PGSWEEP_DRY_RUN: v }).dryRun, false, v);
      }
    });

    it('rejects anything else, naming the variable', () => {
      usageError(() => resolve({}, { PGSWEEP_DRY_RUN: 'maybe' }), /PGSWEEP_DRY_RUN/);
      usageError(() => resolve({}, { PGSWEEP_CHECK: 'sure' }), /PGSWEEP_CHECK/);
      usageError(() => resolve({}, { PGSWEEP_NO_RECHECK: '2' }), /PGSWEEP_NO_RECHECK/);
    });
  });

  describe('ttl', () => {
    it('is required, and the error mentions --ttl', () => {
      usageError(() => resolveConfig({}, {}), /--ttl/);
      usageError(() => resolveConfig({}, { PGSWEEP_TTL: '' }), /--ttl/);
    });

    it('rejects 0', () => {
      usageError(() => resolve({ ttl: '0' }), /greater than 0/);
      usageError(() => resolve({ ttl: '0s' }), /greater than 0/);
    });

    it('rejects a number without a unit, with a hint', () => {
      usageError(() => resolve({ ttl: '2' }), /did you mean 2s\?/);
    });

    it('rejects garbage, naming where it came from', () => {
      usageError(() => resolve({ ttl: 'soon' }), /^--ttl: /);
      usageError(() => resolveConfig({}, { PGSWEEP_TTL: '1h1h' }), /^PGSWEEP_TTL: /);
    });

    it('accepts a short TTL with a warning', () => {
      const c = resolve({ ttl: '30s' });
      assert.equal(c.ttlMs, 30_000);
      assert.equal(c.warnings.length, 1);
      assert.match(c.warnings[0] ?? '', /30s/);
    });

    it('does not warn from one minute up', () => {
      assert.equal(SHORT_TTL_MS, 60_000);
      assert.deepEqual(resolve({ ttl: '1m' }).warnings, []);
    });
  });

  describe('check, dry run and recheck', () => {
    it('--check implies a dry run', () => {
      const c = resolve({ check: true });
      assert.equal(c.check, true);
      assert.equal(c.dryRun, true);
      const e = resolve({}, { PGSWEEP_CHECK: 'true', PGSWEEP_DRY_RUN: 'false' });
      assert.equal(e.dryRun, true);
    });

    it('--no-recheck (recheck: false) turns the re-check off', () => {
      assert.equal(resolve({ recheck: false }).recheck, false);
    });

    it('PGSWEEP_NO_RECHECK=true turns the re-check off, =false leaves it on', () => {
      assert.equal(resolve({}, { PGSWEEP_NO_RECHECK: 'true' }).recheck, false);
      assert.equal(resolve({}, { PGSWEEP_NO_RECHECK: 'false' }).recheck, true);
    });
  });

  describe('selectors', () => {
    it('reads one selector per line from PGSWEEP_SELECTOR', () => {
      const c = resolve({}, { PGSWEEP_SELECTOR: '{job=~"etl_.*"}\n  {job="batch"}  \n\n' });
      assert.equal(c.selectors.length, 2);
      const [a, b] = c.selectors;
      assert.ok(a && b);
      assert.equal(matchesSelector({ job: 'etl_1' }, a), true);
      assert.equal(matchesSelector({ job: 'batch' }, b), true);
      assert.equal(matchesSelector({ job: 'batch' }, a), false);
    });

    it('takes repeated flags as separate selectors', () => {
      const c = resolve({ selector: ['{job="a"}', '{job="b"}'], exclude: ['{env="prod"}'] });
      assert.equal(c.selectors.length, 2);
      assert.equal(c.excludes.length, 1);
      assert.equal(matchesAny({ job: 'b' }, c.selectors), true);
      assert.equal(matchesAny({ job: 'c' }, c.selectors), false);
      assert.equal(matchesAny({ job: 'x', env: 'prod' }, c.excludes), true);
    });

    it('keeps a selector with several matchers as one selector (AND), from flags and env', () => {
      // Bug probe: each selector must stay a list of matchers, not be flattened into them.
      const expectOneAndSelector = (selectors: readonly Selector[], from: string) => {
        assert.equal(selectors.length, 1, from);
        const [s] = selectors;
        assert.ok(Array.isArray(s), `${from}: each selector is an array of matchers`);
        assert.equal(s.length, 2, from);
        assert.equal(matchesAny({ job: 'a', env: 'prod' }, selectors), true, from);
        assert.equal(matchesAny({ job: 'a', env: 'dev' }, selectors), false, from);
      };
      expectOneAndSelector(resolve({ selector: ['{job="a", env="prod"}'] }).selectors, 'flag');
      expectOneAndSelector(
        resolve({}, { PGSWEEP_SELECTOR: '{job="a", env="prod"}' }).selectors,
        'env',
      );
      expectOneAndSelector(resolve({ exclude: ['{job="a", env="prod"}'] }).excludes, 'exclude');
    });

    it('turns a bad selector into a UsageError naming its source', () => {
      usageError(() => resolve({ selector: ['{job}'] }), /^--selector: /);
      usageError(() => resolve({}, { PGSWEEP_EXCLUDE: '{job=~"("}' }), /^PGSWEEP_EXCLUDE: /);
    });

    it('turns every selector the parser rejects into a UsageError', () => {
      // Bug probe: an out-of-range \U escape escapes as a RangeError, not a usage error.
      usageError(() => resolve({ selector: ['{job="\\U00110000"}'] }), /--selector/);
    });
  });

  describe('output, log level, concurrency, timeout', () => {
    it('rejects an unknown output format', () => {
      usageError(() => resolve({ output: 'yaml' }), /--output: "yaml" is not one of table, json/);
      usageError(() => resolve({}, { PGSWEEP_OUTPUT: 'xml' }), /^PGSWEEP_OUTPUT: /);
    });

    it('rejects an unknown log level', () => {
      usageError(() => resolve({ logLevel: 'verbose' }), /--log-level/);
      usageError(() => resolve({}, { PGSWEEP_LOG_LEVEL: 'INFO' }), /PGSWEEP_LOG_LEVEL/);
    });

    it('accepts every listed log level', () => {
      for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) {
        assert.equal(resolve({ logLevel: level }).logLevel, level);
      }
    });

    it('accepts concurrency from 1 to 256', () => {
      assert.equal(resolve({ concurrency: '1' }).concurrency, 1);
      assert.equal(resolve({ concurrency: '256' }).concurrency, 256);
    });

    it('rejects bad concurrency', () => {
      for (const n of ['0', 'x', '1000', '257', '-1', '1.5', '', ' 8', '1e2']) {
        usageError(() => resolve({ concurrency: n }), /--concurrency/);
      }
      usageError(() => resolve({}, { PGSWEEP_CONCURRENCY: '0' }), /PGSWEEP_CONCURRENCY/);
    });

    it('rejects a zero or malformed timeout', () => {
      usageError(() => resolve({ timeout: '0' }), /--timeout/);
      usageError(() => resolve({ timeout: '30' }), /did you mean 30s\?/);
    });
  });

  describe('url', () => {
    it('accepts http and https URLs with a route prefix', () => {
      assert.deepEqual(
        resolve({ url: ['https://pg:9091/pushgateway/'] }).urls.map((u) => u.text),
        ['https://pg:9091/pushgateway/'],
      );
      assert.deepEqual(
        resolve({ url: ['http://127.0.0.1:9091'] }).urls.map((u) => u.text),
        ['http://127.0.0.1:9091'],
      );
    });

    it('takes a repeated --url as several gateways, in order', () => {
      assert.deepEqual(
        resolve({ url: ['http://b:9091', 'http://a:9091'] }).urls.map((u) => u.text),
        ['http://b:9091', 'http://a:9091'],
      );
    });

    it('reads one URL per line from PGSWEEP_URL', () => {
      assert.deepEqual(
        resolve({}, { PGSWEEP_URL: 'http://a:9091\n  http://b:9091/p/  \n' }).urls.map(
          (u) => u.text,
        ),
        ['http://a:9091', 'http://b:9091/p/'],
      );
    });

    it('rejects the same gateway listed twice', () => {
      usageError(() => resolve({ url: ['http://a:9091', 'http://a:9091'] }), /given twice/);
      usageError(() => resolve({ url: ['http://a:9091', 'http://a:9091/'] }), /given twice/);
    });

    it('rejects credentials in the URL', () => {
      usageError(() => resolve({ url: ['http://user:secret@pg:9091'] }), /credentials/);
      usageError(() => resolve({ url: ['http://user@pg:9091'] }), /credentials/);
    });

    it('never echoes URL credentials in the error', () => {
      const e = usageError(() => resolve({ url: ['http://user:hunter2@pg:9091'] }));
      assert.ok(!e.message.includes('hunter2'), e.message);
    });

    it('rejects a scheme other than http(s)', () => {
      usageError(() => resolve({ url: ['ftp://pg:9091'] }), /http:\/\/ or https:\/\//);
    });

    it('rejects garbage', () => {
      usageError(() => resolve({ url: ['not a url'] }), /not a URL/);
      usageError(() => resolve({ url: ['pg:9091'] }));
      usageError(() => resolve({ url: ['http://pg:9091/?x=1'] }), /query or fragment/);
    });

    it('checks every URL, not just the first', () => {
      usageError(() => resolve({ url: ['http://ok:9091', 'ftp://bad:9091'] }), /ftp:\/\/bad/);
    });

    it('names PGSWEEP_URL when the bad URL came from the environment', () => {
      // Bug probe: every other setting names its source; the URL check always says --url.
      usageError(() => resolve({}, { PGSWEEP_URL: 'ftp://pg:9091' }), /PGSWEEP_URL/);
    });
  });
});

describe('resolveConfig: every problem at once', () => {
  it('reports a single problem on its own', () => {
    const e = usageError(() => resolve({ concurrency: '0' }));
    assert.ok(!/problems/.test(e.message), e.message);
    assert.match(e.message, /^--concurrency: /);
  });

  it('collects all problems into one UsageError, "N problems: a; b"', () => {
    const e = usageError(() =>
      resolveConfig(
        { ttl: 'soon', concurrency: '0', url: ['ftp://pg:9091'] },
        { PGSWEEP_DRY_RUN: 'maybe', PGSWEEP_OUTPUT: 'xml' },
      ),
    );
    assert.match(e.message, /^5 problems: /);
    const parts = e.message.replace(/^5 problems: /, '').split('; ');
    assert.equal(parts.length, 5, e.message);
    for (const source of ['--ttl', '--concurrency', '--url', 'PGSWEEP_DRY_RUN', 'PGSWEEP_OUTPUT']) {
      assert.equal(
        parts.filter((p) => p.startsWith(source)).length,
        1,
        `${source} in ${e.message}`,
      );
    }
  });

  it('reports a missing TTL alongside other problems', () => {
    const e = usageError(() => resolveConfig({ concurrency: '0' }, {}));
    assert.match(e.message, /^2 problems: /);
    assert.match(e.message, /missing --ttl \(or PGSWEEP_TTL, or ttl in --config\)/);
    assert.match(e.message, /--concurrency/);
  });

  it('does not also call a malformed TTL missing', () => {
    const e = usageError(() => resolve({ ttl: 'soon' }));
    assert.ok(!e.message.includes('missing --ttl'), e.message);
  });
});

describe('resolveConfig: rules and declared TTLs', () => {
  it('reads repeated --rule values in order, both spellings', () => {
    const c = resolve({ rule: ['{job="nightly"}=36h', 'job=~"ci_.*"=30m'] });
    assert.deepEqual(
      c.rules.map((r) => [r.text, r.ttlMs]),
      [
        ['{job="nightly"}=36h', 36 * 3_600_000],
        ['job=~"ci_.*"=30m', 30 * 60_000],
      ],
    );
    assert.equal(matchesSelector({ job: 'ci_lint' }, c.rules[1]?.selector ?? []), true);
    assert.equal(matchesSelector({ job: 'web' }, c.rules[1]?.selector ?? []), false);
  });

  it('reads one rule per line from PGSWEEP_RULE', () => {
    const c = resolve({}, { PGSWEEP_RULE: '{job="a"}=1h\n{job="b"}=2h\n' });
    assert.deepEqual(
      c.rules.map((r) => r.ttlMs),
      [3_600_000, 7_200_000],
    );
  });

  it('warns about a rule TTL under a minute', () => {
    const c = resolve({ rule: ['{job="x"}=30s'] });
    assert.equal(c.warnings.length, 1);
    assert.match(c.warnings[0] ?? '', /\{job="x"\}=30s/);
  });

  it('rejects a malformed rule, naming its source', () => {
    usageError(() => resolve({ rule: ['{job="x"}'] }), /^--rule: /);
    usageError(() => resolve({ rule: ['{job="x"}=0s'] }), /greater than 0/);
    usageError(() => resolve({}, { PGSWEEP_RULE: '{job=}=1h' }), /^PGSWEEP_RULE: /);
  });

  it('--ignore-declared-ttl (or its env twin) turns declared TTLs off', () => {
    assert.equal(resolve({ ignoreDeclaredTtl: true }).useDeclaredTtl, false);
    assert.equal(resolve({}, { PGSWEEP_IGNORE_DECLARED_TTL: 'true' }).useDeclaredTtl, false);
    assert.equal(resolve({}, { PGSWEEP_IGNORE_DECLARED_TTL: 'false' }).useDeclaredTtl, true);
  });
});

describe('resolveConfig: auth', () => {
  it('builds basic auth from --username and --password-file', () => {
    const c = resolve({ username: 'sweeper', passwordFile: '/run/secrets/pw' });
    assert.deepEqual(c.auth, {
      kind: 'basic',
      username: 'sweeper',
      password: { kind: 'file', path: '/run/secrets/pw', from: '--password-file' },
    });
  });

  it('takes the password from PGSWEEP_PASSWORD', () => {
    const c = resolve({}, { PGSWEEP_USERNAME: 'u', PGSWEEP_PASSWORD: 's3cret' });
    assert.deepEqual(c.auth, {
      kind: 'basic',
      username: 'u',
      password: { kind: 'env', name: 'PGSWEEP_PASSWORD', value: 's3cret' },
    });
  });

  it('prefers a password file over PGSWEEP_PASSWORD', () => {
    const c = resolve(
      { username: 'u' },
      { PGSWEEP_PASSWORD_FILE: '/pw', PGSWEEP_PASSWORD: 'ignored' },
    );
    assert.deepEqual(c.auth?.kind === 'basic' ? c.auth.password : undefined, {
      kind: 'file',
      path: '/pw',
      from: 'PGSWEEP_PASSWORD_FILE',
    });
  });

  it('builds bearer auth from a file or PGSWEEP_BEARER_TOKEN', () => {
    assert.deepEqual(resolve({ bearerTokenFile: '/tok' }).auth, {
      kind: 'bearer',
      token: { kind: 'file', path: '/tok', from: '--bearer-token-file' },
    });
    assert.deepEqual(resolve({}, { PGSWEEP_BEARER_TOKEN: 'abc' }).auth, {
      kind: 'bearer',
      token: { kind: 'env', name: 'PGSWEEP_BEARER_TOKEN', value: 'abc' },
    });
  });

  it('rejects basic and bearer together', () => {
    usageError(
      () => resolve({ username: 'u', bearerTokenFile: '/t' }, { PGSWEEP_PASSWORD: 'p' }),
      /choose one kind of auth/,
    );
  });

  it('rejects a password without a username and a username without a password', () => {
    usageError(() => resolve({ passwordFile: '/pw' }), /without --username/);
    usageError(() => resolve({}, { PGSWEEP_PASSWORD: 'p' }), /without --username/);
    usageError(() => resolve({ username: 'u' }), /--username needs a password/);
  });

  it('never puts a secret value into an error message', () => {
    const e = usageError(() => resolve({}, { PGSWEEP_PASSWORD: 'hunter2' }));
    assert.ok(!e.message.includes('hunter2'), e.message);
  });
});

describe('resolveConfig: headers', () => {
  it('passes --header values through as [name, value] pairs', () => {
    const c = resolve({ header: ['X-Scope-OrgID: team-a', 'X-Extra:  b  '] });
    assert.deepEqual(c.headers, [
      ['X-Scope-OrgID', 'team-a'],
      ['X-Extra', 'b'],
    ]);
  });

  it('reads one header per line from PGSWEEP_HEADER', () => {
    assert.deepEqual(resolve({}, { PGSWEEP_HEADER: 'X-A: 1\nX-B: 2' }).headers, [
      ['X-A', '1'],
      ['X-B', '2'],
    ]);
  });

  it('rejects a credential header with a hint, naming the source', () => {
    usageError(
      () => resolve({ header: ['Authorization: Bearer abc'] }),
      /^--header: .*--bearer-token-file/,
    );
    usageError(() => resolve({}, { PGSWEEP_HEADER: 'Cookie: a=b' }), /^PGSWEEP_HEADER: /);
  });
});

describe('resolveConfig: TLS', () => {
  it('takes CA, client certificate and key paths', () => {
    const c = resolve({
      url: ['https://gw:9091'],
      caFile: '/ca.pem',
      certFile: '/c.pem',
      keyFile: '/k.pem',
    });
    assert.deepEqual(c.tls, {
      caFile: '/ca.pem',
      certFile: '/c.pem',
      keyFile: '/k.pem',
      insecureSkipVerify: false,
    });
    assert.deepEqual(c.warnings, []);
  });

  it('reads TLS settings from the environment', () => {
    const c = resolve({}, { PGSWEEP_CA_FILE: '/ca.pem', PGSWEEP_INSECURE_SKIP_VERIFY: 'true' });
    assert.equal(c.tls.caFile, '/ca.pem');
    assert.equal(c.tls.insecureSkipVerify, true);
  });

  it('requires --cert-file and --key-file together', () => {
    usageError(() => resolve({ certFile: '/c.pem' }), /--cert-file and --key-file go together/);
    usageError(() => resolve({ keyFile: '/k.pem' }), /--cert-file and --key-file go together/);
  });

  it('warns loudly about --insecure-skip-verify', () => {
    const c = resolve({ url: ['https://gw:9091'], insecureSkipVerify: true });
    assert.equal(c.tls.insecureSkipVerify, true);
    assert.equal(c.warnings.length, 1);
    assert.match(c.warnings[0] ?? '', /NOT verified/);
  });
});

describe('resolveConfig: plain http', () => {
  const plainWarnings = (c: Config) => c.warnings.filter((w) => w.startsWith('plain http'));

  it('warns once that TLS options do nothing on an http:// URL', () => {
    const c = resolve({
      url: ['http://a:9091', 'http://b:9091'],
      caFile: '/ca.pem',
      certFile: '/c.pem',
      keyFile: '/k.pem',
    });
    assert.deepEqual(plainWarnings(c), [
      'plain http (http://a:9091/, http://b:9091/): --ca-file, --cert-file, --key-file do nothing without TLS; use an https:// URL',
    ]);
  });

  it('warns once that credentials travel in clear text, naming each kind but no secret', () => {
    const c = resolve(
      { url: ['http://gw:9091'], header: ['X-Auth-Token: s3cr3t', 'X-Scope-OrgID: team-a'] },
      { PGSWEEP_BEARER_TOKEN: 'tok3n' },
    );
    const [line, ...rest] = plainWarnings(c);
    assert.deepEqual(rest, []);
    assert.match(line ?? '', /the bearer token and header X-Auth-Token travel in clear text/);
    assert.doesNotMatch(line ?? '', /s3cr3t|tok3n|X-Scope-OrgID/);
    const basic = resolve({ url: ['http://gw:9091'], username: 'u' }, { PGSWEEP_PASSWORD: 'p' });
    assert.match(plainWarnings(basic)[0] ?? '', /the basic-auth password travels in clear text/);
  });

  it('says nothing for https, or for http without TLS options or credentials', () => {
    assert.deepEqual(
      plainWarnings(resolve({ url: ['https://gw:9091'] }, { PGSWEEP_BEARER_TOKEN: 't' })),
      [],
    );
    assert.deepEqual(
      plainWarnings(resolve({ url: ['http://gw:9091'], header: ['X-Scope-OrgID: a'] })),
      [],
    );
  });
});

describe('resolveConfig: guards and clock', () => {
  it('reads --max-deletes, --max-delete-ratio and --force', () => {
    assert.deepEqual(resolve({ maxDeletes: '50', maxDeleteRatio: '0.25', force: true }).guards, {
      maxDeletes: 50,
      maxDeleteRatio: 0.25,
      minAgeMs: 3_600_000,
      force: true,
    });
  });

  it('reads --guard-min-age (default 1h; 0 counts no group as young)', () => {
    assert.equal(resolve({ guardMinAge: '10m' }).guards.minAgeMs, 600_000);
    assert.equal(resolve({ guardMinAge: '0' }).guards.minAgeMs, 0);
    assert.equal(resolve({}, { PGSWEEP_GUARD_MIN_AGE: '1500ms' }).guards.minAgeMs, 1500);
    usageError(() => resolve({ guardMinAge: '3600' }), /^--guard-min-age: .*3600s/);
    usageError(() => resolve({}, { PGSWEEP_GUARD_MIN_AGE: 'soon' }), /^PGSWEEP_GUARD_MIN_AGE/);
  });

  it('accepts --max-deletes 0 (no limit) and a ratio of 1', () => {
    const g = resolve({ maxDeletes: '0', maxDeleteRatio: '1' }).guards;
    assert.equal(g.maxDeletes, 0);
    assert.equal(g.maxDeleteRatio, 1);
  });

  it('reads the guards from the environment', () => {
    const g = resolve(
      {},
      { PGSWEEP_MAX_DELETES: '7', PGSWEEP_MAX_DELETE_RATIO: '.9', PGSWEEP_FORCE: 'yes' },
    ).guards;
    assert.deepEqual(g, { maxDeletes: 7, maxDeleteRatio: 0.9, minAgeMs: 3_600_000, force: true });
  });

  it('rejects bad guard values, naming the source', () => {
    for (const n of ['-1', 'x', '1.5', '']) {
      usageError(() => resolve({ maxDeletes: n }), /^--max-deletes: /);
    }
    for (const r of ['0', '1.5', 'x', '-0.5']) {
      usageError(() => resolve({ maxDeleteRatio: r }), /^--max-delete-ratio: /);
    }
    usageError(() => resolve({}, { PGSWEEP_MAX_DELETE_RATIO: '2' }), /^PGSWEEP_MAX_DELETE_RATIO/);
  });

  it('reads --trust-local-clock', () => {
    assert.equal(resolve({ trustLocalClock: true }).trustLocalClock, true);
    assert.equal(resolve({}, { PGSWEEP_TRUST_LOCAL_CLOCK: '1' }).trustLocalClock, true);
  });

  it('caps concurrency at MAX_CONCURRENCY', () => {
    assert.equal(resolve({ concurrency: String(MAX_CONCURRENCY) }).concurrency, MAX_CONCURRENCY);
    usageError(() => resolve({ concurrency: String(MAX_CONCURRENCY + 1) }), /--concurrency/);
  });
});

describe('configPath', () => {
  it('takes --config, then PGSWEEP_CONFIG, and treats empty as unset', () => {
    assert.equal(configPath({ config: 'a.yaml' }, { PGSWEEP_CONFIG: 'b.yaml' }), 'a.yaml');
    assert.equal(configPath({}, { PGSWEEP_CONFIG: 'b.yaml' }), 'b.yaml');
    assert.equal(configPath({}, { PGSWEEP_CONFIG: '' }), undefined);
    assert.equal(configPath({}, {}), undefined);
  });
});

describe('resolveConfig: --max-clock-skew', () => {
  it('defaults to 30s and reads the flag, its variable and the config file', () => {
    assert.equal(resolve().maxClockSkewMs, 30_000);
    assert.equal(resolve({ maxClockSkew: '2m' }).maxClockSkewMs, 120_000);
    assert.equal(resolve({}, { PGSWEEP_MAX_CLOCK_SKEW: '5s' }).maxClockSkewMs, 5000);
    const file = parseConfigFile('maxClockSkew: 1h\n', 'pgsweep.yaml');
    assert.equal(resolveConfig({ ttl: '2h' }, {}, file).maxClockSkewMs, 3_600_000);
  });

  it('takes 0 (the check off) but not a bare number or garbage', () => {
    assert.equal(resolve({ maxClockSkew: '0' }).maxClockSkewMs, 0);
    usageError(() => resolve({ maxClockSkew: '30' }), /--max-clock-skew: .*did you mean 30s/);
    usageError(
      () => resolve({}, { PGSWEEP_MAX_CLOCK_SKEW: 'soon' }),
      /PGSWEEP_MAX_CLOCK_SKEW: .*not a duration/,
    );
  });
});
