import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rule as parseRule } from '../../../src/config/validate.ts';
import {
  DECLARED_TTL_MAX_MS,
  DECLARED_TTL_MIN_MS,
  type TtlPolicy,
  type TtlRule,
  ttlFor,
} from '../../../src/core/ttl.ts';
import { DECLARED_TTL_METRIC } from '../../../src/wire/listing.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const DEFAULT_TTL = 2 * HOUR;

function rule(text: string): TtlRule {
  const r = parseRule(text);
  assert.ok(r.ok, `bad rule in test: ${text}`);
  return r.value;
}

const RULES: readonly TtlRule[] = [
  rule('{job="nightly"}=36h'),
  rule('{job=~"night.*"}=3h'),
  rule('{env="ci"}=30m'),
];

function policy(over: Partial<TtlPolicy> = {}): TtlPolicy {
  return { ttlMs: DEFAULT_TTL, ttlRules: RULES, ...over };
}

describe('ttlFor: the default', () => {
  it('uses --ttl when nothing else applies', () => {
    assert.deepEqual(ttlFor({ job: 'web' }, undefined, policy()), {
      ttlMs: DEFAULT_TTL,
      source: 'default',
    });
  });

  it('uses --ttl when there are no rules at all', () => {
    assert.deepEqual(ttlFor({ job: 'nightly' }, undefined, { ttlMs: HOUR }), {
      ttlMs: HOUR,
      source: 'default',
    });
    assert.deepEqual(ttlFor({ job: 'nightly' }, undefined, policy({ ttlRules: [] })), {
      ttlMs: DEFAULT_TTL,
      source: 'default',
    });
  });
});

describe('ttlFor: rules', () => {
  it('applies a matching rule', () => {
    assert.deepEqual(ttlFor({ job: 'etl', env: 'ci' }, undefined, policy()), {
      ttlMs: 30 * MINUTE,
      source: 'rule',
    });
  });

  it('lets the first matching rule win, in the order given', () => {
    assert.equal(ttlFor({ job: 'nightly' }, undefined, policy()).ttlMs, 36 * HOUR);
    assert.equal(ttlFor({ job: 'nightly_x' }, undefined, policy()).ttlMs, 3 * HOUR);
    // Both the 36h and the 30m rule match: the earlier one wins.
    assert.equal(ttlFor({ job: 'nightly', env: 'ci' }, undefined, policy()).ttlMs, 36 * HOUR);
    const reversed = policy({ ttlRules: [...RULES].reverse() });
    assert.equal(ttlFor({ job: 'nightly', env: 'ci' }, undefined, reversed).ttlMs, 30 * MINUTE);
  });

  it('matches a missing label as "" like Prometheus', () => {
    const p = policy({ ttlRules: [rule('{env=""}=5h')] });
    assert.equal(ttlFor({ job: 'x' }, undefined, p).ttlMs, 5 * HOUR);
    assert.equal(ttlFor({ job: 'x', env: 'prod' }, undefined, p).source, 'default');
  });
});

describe('ttlFor: declared TTLs', () => {
  it('names the gauge pgsweep_ttl_seconds', () => {
    assert.equal(DECLARED_TTL_METRIC, 'pgsweep_ttl_seconds');
  });

  it('uses a declared TTL (seconds) in preference to rules and the default', () => {
    assert.deepEqual(ttlFor({ job: 'nightly' }, '7200', policy()), {
      ttlMs: 2 * HOUR,
      source: 'declared',
    });
    assert.deepEqual(ttlFor({ job: 'web' }, '86400', policy()), {
      ttlMs: DAY,
      source: 'declared',
    });
  });

  it('reads Go float spellings', () => {
    assert.equal(ttlFor({ job: 'web' }, '1.8e+04', policy()).ttlMs, 5 * HOUR);
    assert.equal(ttlFor({ job: 'web' }, '90.5', policy()).ttlMs, 90_500);
  });

  it('is ignored when useDeclaredTtl is false: rules and the default apply, with no note', () => {
    const off = policy({ useDeclaredTtl: false });
    assert.deepEqual(ttlFor({ job: 'nightly' }, '60', off), { ttlMs: 36 * HOUR, source: 'rule' });
    assert.deepEqual(ttlFor({ job: 'web' }, '60', off), {
      ttlMs: DEFAULT_TTL,
      source: 'default',
    });
    assert.deepEqual(ttlFor({ job: 'web' }, 'garbage', off), {
      ttlMs: DEFAULT_TTL,
      source: 'default',
    });
  });

  it('is used when useDeclaredTtl is true or unset', () => {
    assert.equal(
      ttlFor({ job: 'web' }, '600', policy({ useDeclaredTtl: true })).source,
      'declared',
    );
    assert.equal(ttlFor({ job: 'web' }, '600', { ttlMs: HOUR }).source, 'declared');
  });

  it('accepts the bounds exactly, without a note', () => {
    assert.equal(DECLARED_TTL_MIN_MS, MINUTE);
    assert.equal(DECLARED_TTL_MAX_MS, 90 * DAY);
    assert.deepEqual(ttlFor({ job: 'web' }, '60', policy()), {
      ttlMs: MINUTE,
      source: 'declared',
    });
    assert.deepEqual(ttlFor({ job: 'web' }, String(90 * 24 * 3600), policy()), {
      ttlMs: 90 * DAY,
      source: 'declared',
    });
  });

  it('clamps a declared TTL below 1m up to 1m, with a note', () => {
    for (const declared of ['30', '0.001', '59.999']) {
      const t = ttlFor({ job: 'web' }, declared, policy());
      assert.equal(t.ttlMs, MINUTE, declared);
      assert.equal(t.source, 'declared');
      assert.match(t.note ?? '', new RegExp(`pgsweep_ttl_seconds ${declared} is outside`));
      assert.match(t.note ?? '', /clamped to 1m/);
    }
  });

  it('clamps a declared TTL above 90d down to 90d, with a note', () => {
    for (const declared of ['1e10', '7776001', '7776000.5']) {
      const t = ttlFor({ job: 'web' }, declared, policy());
      assert.equal(t.ttlMs, 90 * DAY, declared);
      assert.equal(t.source, 'declared');
      assert.match(t.note ?? '', /is outside \[1m, .*\]; clamped to/);
    }
  });

  it('ignores an unusable declaration with a note, falling back to the rule', () => {
    for (const declared of [
      'NaN',
      '-5',
      '-Inf',
      '+Inf',
      '0',
      '-0',
      'abc',
      '',
      ' 100',
      '0x10',
      '1h',
    ]) {
      const t = ttlFor({ job: 'nightly' }, declared, policy());
      assert.equal(t.ttlMs, 36 * HOUR, JSON.stringify(declared));
      assert.equal(t.source, 'rule', JSON.stringify(declared));
      assert.equal(
        t.note,
        `pgsweep_ttl_seconds ${JSON.stringify(declared)} is not a usable TTL; ignored`,
      );
    }
  });

  it('ignores an unusable declaration with a note, falling back to the default', () => {
    const t = ttlFor({ job: 'web' }, 'NaN', policy());
    assert.equal(t.ttlMs, DEFAULT_TTL);
    assert.equal(t.source, 'default');
    assert.match(t.note ?? '', /not a usable TTL/);
  });

  it('has no note when nothing is declared', () => {
    assert.equal(Object.hasOwn(ttlFor({ job: 'web' }, undefined, policy()), 'note'), false);
    assert.equal(Object.hasOwn(ttlFor({ job: 'web' }, '3600', policy()), 'note'), false);
  });
});
