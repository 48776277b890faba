import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Config,
  DEFAULTS,
  envName,
  type FlagValues,
  resolveConfig,
  SHORT_TTL_MS,
} from '../../src/config.ts';
import { ExitCode, UsageError } from '../../src/errors.ts';
import { matchesSelector } from '../../src/matchers.ts';

type Env = Record<string, string | undefined>;

/** Resolves with a TTL given, so tests only spell out what they are about. */
function resolve(flags: FlagValues = {}, env: Env = {}): Config {
  return resolveConfig({ ttl: '2h', ...flags }, env);
}

function usageError(fn: () => unknown, message?: RegExp): UsageError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof UsageError, `expected UsageError, got ${String(caught)}`);
  assert.equal(caught.exitCode, ExitCode.usage);
  if (message) assert.match(caught.message, message);
  return caught;
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
    assert.equal(c.url, DEFAULTS.url);
    assert.equal(c.ttlMs, 7_200_000);
    assert.equal(c.dryRun, false);
    assert.equal(c.check, false);
    assert.deepEqual(c.selectors, []);
    assert.deepEqual(c.excludes, []);
    assert.equal(c.output, 'table');
    assert.equal(c.concurrency, 8);
    assert.equal(c.timeoutMs, 30_000);
    assert.equal(c.logLevel, 'info');
    assert.equal(c.recheck, true);
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
    assert.equal(c.url, 'https://pg.example:9091/prefix');
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
        url: 'http://flag:9091',
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
    assert.equal(c.url, 'http://flag:9091');
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
    assert.equal(c.url, DEFAULTS.url);
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
      assert.equal(
        resolve({ url: 'https://pg:9091/pushgateway/' }).url,
        'https://pg:9091/pushgateway/',
      );
      assert.equal(resolve({ url: 'http://127.0.0.1:9091' }).url, 'http://127.0.0.1:9091');
    });

    it('rejects credentials in the URL', () => {
      usageError(() => resolve({ url: 'http://user:secret@pg:9091' }), /credentials/);
      usageError(() => resolve({ url: 'http://user@pg:9091' }), /credentials/);
    });

    it('rejects a scheme other than http(s)', () => {
      usageError(() => resolve({ url: 'ftp://pg:9091' }), /http:\/\/ or https:\/\//);
    });

    it('rejects garbage', () => {
      usageError(() => resolve({ url: 'not a url' }), /not a URL/);
      usageError(() => resolve({ url: 'pg:9091' }));
      usageError(() => resolve({ url: 'http://pg:9091/?x=1' }), /query or fragment/);
    });

    it('names PGSWEEP_URL when the bad URL came from the environment', () => {
      // Bug probe: every other setting names its source; the URL check always says --url.
      usageError(() => resolve({}, { PGSWEEP_URL: 'ftp://pg:9091' }), /PGSWEEP_URL/);
    });
  });
});
