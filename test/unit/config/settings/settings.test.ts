/** The settings table (src/settings/): one declaration per setting, and what is generated from it. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../../../src/config/config.ts';
import { parseConfigFile } from '../../../../src/config/config-file.ts';
import { optionOf, settingsOf } from '../../../../src/config/settings/options.ts';
import { referenceTable, withReference } from '../../../../src/config/settings/reference.ts';
import {
  knownEnvNames,
  settingEnvName,
  unknownEnv,
} from '../../../../src/config/settings/resolve.ts';
import { envName, longFlag } from '../../../../src/config/settings/spec.ts';
import { OLD_FILE_KEYS, SETTING_KEYS, SETTINGS } from '../../../../src/config/settings/table.ts';
import { usageError } from '../../../support/usage-error.ts';

const camel = (flag: string) =>
  flag.replace(/^--(no-)?/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

describe('the settings table', () => {
  it('keys each setting by its flag name in camelCase (the config-file key)', () => {
    for (const key of SETTING_KEYS) assert.equal(key, camel(longFlag(SETTINGS[key])));
  });

  it('gives every setting its own PGSWEEP_<FLAG> variable', () => {
    assert.equal(settingEnvName('dryRun'), 'PGSWEEP_DRY_RUN');
    assert.equal(settingEnvName('recheck'), 'PGSWEEP_NO_RECHECK');
    const names = SETTING_KEYS.map(settingEnvName);
    assert.equal(new Set(names).size, names.length);
  });

  it('has defaults its own parsers accept', () => {
    for (const key of SETTING_KEYS) {
      const s = SETTINGS[key];
      if (s.kind !== 'boolean' && s.default !== undefined) {
        assert.equal(s.parse(s.default).ok, true, key);
      }
    }
  });

  it('yields the commander options of each command, own options first', () => {
    const longs = (command: 'sweep' | 'inspect' | 'doctor') =>
      settingsOf(command).map((k) => optionOf(k).long);
    const of = (command: 'sweep' | 'inspect' | 'doctor') =>
      SETTING_KEYS.filter((k) => SETTINGS[k].commands.includes(command)).map((k) =>
        longFlag(SETTINGS[k]),
      );
    assert.deepEqual(longs('sweep'), of('sweep'));
    assert.deepEqual(new Set(longs('inspect')), new Set(of('inspect')));
    assert.equal(longs('doctor')[0], '--fix');
    assert.deepEqual(new Set(longs('doctor')), new Set(of('doctor')));
    assert.equal(optionOf('recheck').attributeName(), 'recheck');
    assert.match(
      optionOf('maxDeletes').description,
      /\(default: 10000\) \[env: PGSWEEP_MAX_DELETES\]$/,
    );
  });

  it('yields the reference table in docs/reference.md (npm run docs:settings rewrites it)', () => {
    const doc = readFileSync(new URL('../../../../docs/reference.md', import.meta.url), 'utf8');
    assert.equal(withReference(doc), doc, 'docs/reference.md is stale: npm run docs:settings');
    for (const key of SETTING_KEYS) {
      assert.ok(referenceTable().includes(`| \`${envName(longFlag(SETTINGS[key]))}\` |`), key);
    }
  });
});

describe('PGSWEEP_* variables', () => {
  it('refuses a variable that names no setting, with the one meant', () => {
    usageError(
      () => resolveConfig({ ttl: '2h' }, { PGSWEEP_DRYRUN: 'true' }),
      /unknown environment variable PGSWEEP_DRYRUN: did you mean PGSWEEP_DRY_RUN\?/,
    );
    usageError(
      () => resolveConfig({ ttl: '2h' }, { PGSWEEP_SELECTORS: '{job="a"}' }),
      /PGSWEEP_SELECTORS: did you mean PGSWEEP_SELECTOR\?/,
    );
    usageError(() => resolveConfig({ ttl: '2h' }, { PGSWEEP_WHATEVER: '1' }), /PGSWEEP_WHATEVER/);
    // Even empty: the name is still a mistake.
    usageError(() => resolveConfig({ ttl: '2h' }, { PGSWEEP_DRYRUN: '' }), /PGSWEEP_DRYRUN/);
  });

  it('knows the secrets and the test runner limits, which are not settings', () => {
    const env = {
      PGSWEEP_PASSWORD: 'x',
      PGSWEEP_TEST_TIMEOUT_MS: '1',
      PGSWEEP_RUN_TIMEOUT_MS: '1',
      PGSWEEP_USERNAME: 'u',
      OTHER: 'y',
    };
    assert.deepEqual(unknownEnv(env), []);
    assert.deepEqual(unknownEnv({ PGSWEEP_BEARER_TOKEN: 't' }), []);
    assert.ok(knownEnvNames().includes('PGSWEEP_FIX'));
  });

  it('accepts a sweep-only variable for inspect (ignored there), but not a misspelt one', () => {
    assert.equal(resolveConfig({}, { PGSWEEP_TTL: '2h' }, undefined, 'inspect').ttlMs, 0);
    usageError(() => resolveConfig({}, { PGSWEEP_TT: '2h' }, undefined, 'inspect'), /PGSWEEP_TTL/);
  });
});

describe('config-file keys are the flag names', () => {
  const lines = (...l: string[]) => `${l.join('\n')}\n`;

  it('reads selector, exclude, rule and header', () => {
    const f = parseConfigFile(
      lines(
        'ttl: 2h',
        `selector: '{job="a"}'`,
        'exclude:',
        `  - '{env="prod"}'`,
        'rule:',
        `  - '{job="b"}=1h'`,
        'header:',
        '  X-Scope-OrgID: team-a',
      ),
      'c.yaml',
    );
    const c = resolveConfig({}, {}, f);
    assert.equal(c.selectors.length, 1);
    assert.equal(c.excludes.length, 1);
    assert.equal(c.rules[0]?.ttlMs, 3_600_000);
    assert.deepEqual(c.headers, [['X-Scope-OrgID', 'team-a']]);
    assert.deepEqual(c.warnings, []);
  });

  it('still reads the old plural keys, with a deprecation warning each', () => {
    const f = parseConfigFile(
      lines('ttl: 2h', 'selectors:', `  - '{job="a"}'`, 'headers:', '  X-A: b'),
      'c.yaml',
    );
    const c = resolveConfig({}, {}, f);
    assert.equal(c.selectors.length, 1);
    assert.deepEqual(c.headers, [['X-A', 'b']]);
    assert.equal(c.warnings.length, 2);
    assert.match(c.warnings[0] ?? '', /c\.yaml:2: "selectors" is deprecated, write "selector"/);
    assert.match(c.warnings[1] ?? '', /c\.yaml:4: "headers" is deprecated, write "header"/);
    assert.deepEqual(Object.keys(OLD_FILE_KEYS), ['selectors', 'excludes', 'rules', 'headers']);
  });

  it('refuses an old key next to its new name', () => {
    usageError(
      () => parseConfigFile(lines(`selector: '{job="a"}'`, `selectors: ['{job="b"}']`), 'c.yaml'),
      /c\.yaml:2: "selectors" is the old name of "selector": give only selector/,
    );
  });

  it('names the key meant for an unknown one', () => {
    usageError(
      () => parseConfigFile(lines('dryrun: true'), 'c.yaml'),
      /c\.yaml:1: unknown setting "dryrun": did you mean dryRun\?/,
    );
    usageError(
      () => parseConfigFile(lines('max-deletes: 3'), 'c.yaml'),
      /unknown setting "max-deletes": did you mean maxDeletes\?/,
    );
    usageError(
      () => parseConfigFile(lines('recheck: false', 'fix: true'), 'c.yaml'),
      /unknown setting "fix"/,
    );
  });
});

describe('booleans read alike in the environment and the file', () => {
  const spellings: Array<[string, boolean]> = [
    ['true', true],
    ['yes', true],
    ['on', true],
    ['1', true],
    ['false', false],
    ['no', false],
    ['off', false],
    ['0', false],
  ];
  for (const [word, expected] of spellings) {
    it(`${word} means ${expected}`, () => {
      const f = parseConfigFile(
        `ttl: 2h\npushMetrics: ${word}\ndryRun: ${word}\nrecheck: ${word}\n`,
        'c.yaml',
      );
      const fromFile = resolveConfig({}, {}, f);
      const fromEnv = resolveConfig(
        {},
        {
          PGSWEEP_TTL: '2h',
          PGSWEEP_PUSH_METRICS: word,
          PGSWEEP_DRY_RUN: word,
          PGSWEEP_NO_RECHECK: word,
        },
      );
      assert.equal(fromFile.operate.pushMetrics, expected);
      assert.equal(fromEnv.operate.pushMetrics, expected);
      assert.equal(fromFile.dryRun, expected);
      assert.equal(fromEnv.dryRun, expected);
      // The file's key is the positive one (recheck), the variable the flag's (--no-recheck).
      assert.equal(fromFile.recheck, expected);
      assert.equal(fromEnv.recheck, !expected);
    });
  }

  it('refuses the same non-booleans in both, naming the spellings', () => {
    usageError(
      () => parseConfigFile('pushMetrics: maybe\n', 'c.yaml'),
      /c\.yaml:1: pushMetrics: "maybe" is not a boolean \(use true or false\)/,
    );
    usageError(
      () => resolveConfig({ ttl: '2h' }, { PGSWEEP_PUSH_METRICS: 'maybe' }),
      /PGSWEEP_PUSH_METRICS="maybe" is not a boolean/,
    );
  });
});
