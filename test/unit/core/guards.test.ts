import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULTS } from '../../../src/config/config.ts';
import {
  type GuardCandidate,
  type GuardLimits,
  guardVerdict,
  LONG_STALE_TTLS,
  RATIO_GUARD_MIN_DELETES,
  surprise,
} from '../../../src/core/guards.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

const LIMITS: GuardLimits = {
  maxDeletes: DEFAULTS.maxDeletes,
  maxDeleteRatio: DEFAULTS.maxDeleteRatio,
  minAgeMs: H,
  force: false,
};

function limits(over: Partial<GuardLimits> = {}): GuardLimits {
  return { ...LIMITS, ...over };
}

function many(n: number, c: GuardCandidate): GuardCandidate[] {
  return Array.from({ length: n }, () => c);
}

/** Stale since about the last sweep: what a sweep every 15 min with a 2 h TTL deletes. */
const routine = (n: number) => many(n, { ageMs: 2 * H + 10 * M, ttlMs: 2 * H });
/** Pushed minutes ago, stale only by a 2m TTL (a typo for 2h). */
const young = (n: number) => many(n, { ageMs: 40 * M, ttlMs: 2 * M });
/** Stale for a day: a clock jump, a new rule, or no sweep for a while. */
const longStale = (n: number) => many(n, { ageMs: D, ttlMs: 2 * H });

describe('surprise: which deletes count towards the ratio', () => {
  it('a group past the floor and stale by less than its TTL is routine', () => {
    assert.equal(surprise({ ageMs: 2 * H + 15 * M, ttlMs: 2 * H }, H), undefined);
    // Exactly twice the TTL is still routine; a millisecond more is not.
    assert.equal(surprise({ ageMs: 4 * H, ttlMs: 2 * H }, H), undefined);
    assert.equal(surprise({ ageMs: 4 * H + 1, ttlMs: 2 * H }, H), 'long-stale');
    assert.equal(LONG_STALE_TTLS, 2);
  });

  it('a group younger than the floor is young, whatever its TTL', () => {
    assert.equal(surprise({ ageMs: 3 * M, ttlMs: 2 * M }, H), 'young');
    assert.equal(surprise({ ageMs: H - 1, ttlMs: 40 * M }, H), 'young');
    assert.equal(surprise({ ageMs: H, ttlMs: 40 * M }, H), undefined);
  });

  it('a floor of 0 counts no group as young', () => {
    assert.equal(surprise({ ageMs: 3 * M, ttlMs: 2 * M }, 0), undefined);
  });

  it('a candidate without an age or a TTL counts (when unsure, guard)', () => {
    assert.equal(surprise({ ageMs: undefined, ttlMs: 2 * H }, H), 'young');
    assert.equal(surprise({ ageMs: 3 * H, ttlMs: undefined }, H), 'young');
  });
});

describe('guardVerdict: batch workloads', () => {
  it('a daily burst of 1000 groups, all stale together, does not trip', () => {
    assert.equal(guardVerdict(routine(1000), 1000, LIMITS), undefined);
    assert.equal(guardVerdict(routine(9_999), 10_000, LIMITS), undefined);
  });

  it('a 2m TTL for 2h trips: the groups are minutes old', () => {
    const verdict = guardVerdict(young(1000), 1000, LIMITS);
    assert.ok(verdict);
    assert.match(
      verdict,
      /would delete 1000 of 1000 groups; 1000 pushed less than --guard-min-age 1h ago/,
    );
    assert.match(verdict, /is --ttl too short\?/);
    assert.match(
      verdict,
      /100% of the gateway, more than --max-delete-ratio 0\.5; nothing was deleted/,
    );
  });

  it('the same typo trips once the burst is older than the floor: stale for more than its TTL', () => {
    const hoursOld = many(1000, { ageMs: 3 * H, ttlMs: 2 * M });
    assert.match(
      guardVerdict(hoursOld, 1000, LIMITS) ?? '',
      /1000 stale for longer than their TTL/,
    );
  });

  it('a clock jump of a day trips: every group is stale by a day', () => {
    const verdict = guardVerdict(longStale(600), 1000, LIMITS);
    assert.ok(verdict);
    assert.match(verdict, /600 stale for longer than their TTL \(a clock jump/);
    assert.match(verdict, /60% of the gateway/);
  });

  it('counts both kinds together and names each', () => {
    const verdict = guardVerdict([...young(300), ...longStale(300), ...routine(400)], 1000, LIMITS);
    assert.match(
      verdict ?? '',
      /1000 of 1000 groups; 300 pushed .*, 300 stale .*: 60% of the gateway/,
    );
    assert.equal(
      guardVerdict([...young(250), ...longStale(250), ...routine(500)], 1000, LIMITS),
      undefined,
    );
  });

  it('routine deletes do not count, even beside a few surprising ones', () => {
    assert.equal(guardVerdict([...routine(990), ...young(10)], 1000, LIMITS), undefined);
  });
});

describe('guardVerdict: --max-deletes, the absolute ceiling', () => {
  it('allows exactly maxDeletes deletes and trips one above, routine or not', () => {
    const l = limits({ maxDeletes: 100, maxDeleteRatio: 1 });
    assert.equal(guardVerdict(routine(100), 1000, l), undefined);
    const verdict = guardVerdict(routine(101), 1000, l);
    assert.ok(verdict);
    assert.match(verdict, /would delete 101 groups, more than --max-deletes 100/);
    assert.match(verdict, /nothing was deleted/);
    assert.match(verdict, /--force/);
  });

  it('trips with the defaults above 10000 deletes: the first clean-up of a 100k gateway', () => {
    assert.equal(DEFAULTS.maxDeletes, 10_000);
    assert.equal(guardVerdict(routine(10_000), 1_000_000, LIMITS), undefined);
    assert.match(guardVerdict(routine(10_001), 1_000_000, LIMITS) ?? '', /--max-deletes 10000/);
  });

  it('treats maxDeletes 0 as no limit, and still checks the ratio', () => {
    const l = limits({ maxDeletes: 0 });
    assert.equal(guardVerdict(routine(100_000), 100_000, l), undefined);
    assert.match(guardVerdict(longStale(1000), 1000, l) ?? '', /--max-delete-ratio 0\.5/);
  });
});

describe('guardVerdict: --max-delete-ratio', () => {
  it('ignores the ratio up to RATIO_GUARD_MIN_DELETES (10) surprising deletes', () => {
    assert.equal(RATIO_GUARD_MIN_DELETES, 10);
    // A small gateway losing all of its groups is normal.
    for (let n = 1; n <= RATIO_GUARD_MIN_DELETES; n++) {
      assert.equal(guardVerdict(young(n), n, LIMITS), undefined, `${n} of ${n}`);
    }
    assert.ok(guardVerdict(young(11), 11, LIMITS));
  });

  it('allows a share exactly at the limit and trips just above it', () => {
    assert.equal(guardVerdict(longStale(11), 22, LIMITS), undefined);
    assert.ok(guardVerdict(longStale(11), 21, LIMITS));
    const quarter = limits({ maxDeleteRatio: 0.25 });
    assert.equal(guardVerdict(longStale(500), 2000, quarter), undefined);
    assert.ok(guardVerdict(longStale(501), 2000, quarter));
  });

  it('never trips on the ratio with a limit of 1', () => {
    assert.equal(guardVerdict(longStale(5_000), 5_000, limits({ maxDeleteRatio: 1 })), undefined);
  });

  it('a lower --guard-min-age lets a legitimately short TTL delete a burst', () => {
    const ci = many(500, { ageMs: 12 * M, ttlMs: 10 * M });
    assert.ok(guardVerdict(ci, 500, LIMITS));
    assert.equal(guardVerdict(ci, 500, limits({ minAgeMs: 10 * M })), undefined);
  });
});

describe('guardVerdict: force and nothing to do', () => {
  it('never trips with force, whatever the numbers', () => {
    const forced = limits({ maxDeletes: 1, maxDeleteRatio: 0.1, force: true });
    assert.equal(guardVerdict(longStale(100_000), 100_000, forced), undefined);
    assert.equal(guardVerdict(young(50), 51, forced), undefined);
  });

  it('never trips when nothing would be deleted', () => {
    assert.equal(guardVerdict([], 0, LIMITS), undefined);
    assert.equal(
      guardVerdict([], 1_000_000, limits({ maxDeletes: 1, maxDeleteRatio: 0.01 })),
      undefined,
    );
  });
});
