/** --keep-latest and --per from flags, PGSWEEP_* variables and the config file, and their errors. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../../src/config/config.ts';
import { parseConfigFile } from '../../../src/config/config-file.ts';

describe('--keep-latest and --per settings', () => {
  it('reads flags, and the environment when no flag is given', () => {
    const flags = resolveConfig({ ttl: '2h', keepLatest: '2', per: 'job, task_id' }, {});
    assert.deepEqual(flags.keepLatest, { keep: 2, per: ['job', 'task_id'] });
    const env = resolveConfig({ ttl: '2h' }, { PGSWEEP_KEEP_LATEST: '1', PGSWEEP_PER: 'job' });
    assert.deepEqual(env.keepLatest, { keep: 1, per: ['job'] });
    assert.equal(resolveConfig({ ttl: '2h' }, {}).keepLatest, undefined);
  });

  it('rejects a keep outside 1..1000 and bad label lists, naming the setting', () => {
    for (const [flags, why] of [
      [{ keepLatest: '0', per: 'job' }, /--keep-latest: "0" is not a whole number from 1 to 1000/],
      [{ keepLatest: '1', per: 'job,' }, /--per: must name one or more labels/],
      [{ keepLatest: '1' }, /--keep-latest needs --per/],
      [{ per: 'job' }, /--per needs --keep-latest/],
    ] as const) {
      assert.throws(() => resolveConfig({ ttl: '2h', ...flags }, {}), why);
    }
  });

  it('reads keepLatest, per and a rule with keep/per from a config file', () => {
    const file = parseConfigFile(
      'ttl: 2h\nkeepLatest: 1\nper: job,task_id\nrules:\n  - "{job=\\"a\\"}=1h,keep=3,per=job"\n  - selector: \'{job="b"}\'\n    ttl: 1h\n    keep: 0\n',
      'f.yaml',
    );
    const c = resolveConfig({}, {}, file);
    assert.deepEqual(c.keepLatest, { keep: 1, per: ['job', 'task_id'] });
    assert.equal(c.rules[0]?.keep, 3);
    assert.deepEqual(c.rules[0]?.per, ['job']);
    assert.equal(c.rules[1]?.keep, 0);
    assert.throws(
      () => parseConfigFile('ttl: 2h\nper: [job, "9x"]\n', 'f.yaml'),
      /"9x" is not a label name/,
    );
    assert.throws(() => parseConfigFile('ttl: 2h\nkeepLatest: 0\n', 'f.yaml'), /keepLatest/);
  });
});
