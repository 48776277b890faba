import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULTS } from '../../src/config.ts';
import { type GuardLimits, guardVerdict, RATIO_GUARD_MIN_DELETES } from '../../src/guards.ts';

const LIMITS: GuardLimits = {
  maxDeletes: DEFAULTS.maxDeletes,
  maxDeleteRatio: DEFAULTS.maxDeleteRatio,
  force: false,
};

function limits(over: Partial<GuardLimits> = {}): GuardLimits {
  return { ...LIMITS, ...over };
}

describe('guardVerdict: --max-deletes', () => {
  it('allows exactly maxDeletes deletes and trips one above', () => {
    const l = limits({ maxDeletes: 100, maxDeleteRatio: 1 });
    assert.equal(guardVerdict(100, 1000, l), undefined);
    const verdict = guardVerdict(101, 1000, l);
    assert.ok(verdict);
    assert.match(verdict, /would delete 101 groups, more than --max-deletes 100/);
    assert.match(verdict, /nothing was deleted/);
    assert.match(verdict, /--force/);
  });

  it('trips with the defaults above 10000 deletes even when the ratio is fine', () => {
    assert.equal(DEFAULTS.maxDeletes, 10_000);
    assert.equal(guardVerdict(10_000, 1_000_000, LIMITS), undefined);
    assert.match(guardVerdict(10_001, 1_000_000, LIMITS) ?? '', /--max-deletes 10000/);
  });

  it('treats maxDeletes 0 as no limit', () => {
    const l = limits({ maxDeletes: 0, maxDeleteRatio: 1 });
    assert.equal(guardVerdict(1_000_000, 1_000_000, l), undefined);
    assert.equal(guardVerdict(5, 5, l), undefined);
  });

  it('still checks the ratio when maxDeletes is 0', () => {
    const l = limits({ maxDeletes: 0, maxDeleteRatio: 0.5 });
    assert.match(guardVerdict(1_000, 1_000, l) ?? '', /--max-delete-ratio 0\.5/);
  });
});

describe('guardVerdict: --max-delete-ratio', () => {
  it('ignores the ratio up to RATIO_GUARD_MIN_DELETES (10) deletes', () => {
    assert.equal(RATIO_GUARD_MIN_DELETES, 10);
    // A small gateway losing all of its groups is normal.
    for (let n = 1; n <= RATIO_GUARD_MIN_DELETES; n++) {
      assert.equal(guardVerdict(n, n, LIMITS), undefined, `${n} of ${n}`);
    }
  });

  it('trips above 10 deletes when the share is above the limit', () => {
    const verdict = guardVerdict(11, 12, LIMITS);
    assert.ok(verdict);
    assert.match(
      verdict,
      /would delete 11 of 12 groups \(92%\), more than --max-delete-ratio 0\.5/,
    );
    assert.match(verdict, /nothing was deleted/);
  });

  it('allows a share exactly at the limit and trips just above it', () => {
    assert.equal(guardVerdict(11, 22, LIMITS), undefined);
    assert.ok(guardVerdict(11, 21, LIMITS));
    assert.equal(guardVerdict(500, 2000, limits({ maxDeleteRatio: 0.25 })), undefined);
    assert.ok(guardVerdict(501, 2000, limits({ maxDeleteRatio: 0.25 })));
  });

  it('never trips on the ratio with a limit of 1', () => {
    assert.equal(guardVerdict(5_000, 5_000, limits({ maxDeleteRatio: 1 })), undefined);
  });
});

describe('guardVerdict: force and nothing to do', () => {
  it('never trips with force, whatever the numbers', () => {
    const forced = limits({ maxDeletes: 1, maxDeleteRatio: 0.1, force: true });
    assert.equal(guardVerdict(1_000_000, 1_000_000, forced), undefined);
    assert.equal(guardVerdict(50, 51, forced), undefined);
  });

  it('never trips when nothing would be deleted', () => {
    assert.equal(guardVerdict(0, 0, LIMITS), undefined);
    assert.equal(
      guardVerdict(0, 1_000_000, limits({ maxDeletes: 1, maxDeleteRatio: 0.01 })),
      undefined,
    );
  });
});
