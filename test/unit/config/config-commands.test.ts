/** Settings for `inspect` and `doctor`: no TTL needed, and `--fix` only for doctor. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../../src/config/config.ts';
import { UsageError } from '../../../src/core/errors.ts';

describe('resolveConfig for inspect and doctor', () => {
  it('needs no TTL, while the sweep still does', () => {
    for (const command of ['inspect', 'doctor'] as const) {
      const c = resolveConfig({ url: ['http://gw:9091'] }, {}, undefined, command);
      assert.deepEqual(
        c.urls.map((u) => u.text),
        ['http://gw:9091'],
      );
      assert.equal(c.ttlMs, 0);
    }
    assert.throws(() => resolveConfig({}, {}, undefined, 'sweep'), /missing --ttl/);
    assert.throws(() => resolveConfig({}, {}), /missing --ttl/);
  });

  it('does not warn about a short TTL it does not use', () => {
    const c = resolveConfig({}, { PGSWEEP_TTL: '10s' }, undefined, 'inspect');
    assert.deepEqual(c.warnings, []);
    assert.equal(resolveConfig({}, { PGSWEEP_TTL: '10s' }).warnings.length, 1);
  });

  it('still checks the shared settings', () => {
    assert.throws(
      () => resolveConfig({ output: 'xml' }, {}, undefined, 'doctor'),
      (e) => e instanceof UsageError && /--output: "xml"/.test(e.message),
    );
  });

  it('takes --fix from the flag or PGSWEEP_FIX, for doctor only', () => {
    assert.equal(resolveConfig({ fix: true }, {}, undefined, 'doctor').fix, true);
    assert.equal(resolveConfig({}, {}, undefined, 'doctor').fix, false);
    assert.equal(resolveConfig({}, { PGSWEEP_FIX: 'true' }, undefined, 'doctor').fix, true);
    assert.equal(resolveConfig({}, { PGSWEEP_FIX: '0' }, undefined, 'doctor').fix, false);
    assert.equal(resolveConfig({}, { PGSWEEP_FIX: 'true' }, undefined, 'inspect').fix, false);
    assert.equal(resolveConfig({ ttl: '2h' }, { PGSWEEP_FIX: 'true' }).fix, false);
    assert.throws(
      () => resolveConfig({}, { PGSWEEP_FIX: 'maybe' }, undefined, 'doctor'),
      /PGSWEEP_FIX="maybe" is not a boolean/,
    );
  });
});
