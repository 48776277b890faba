import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAge, formatDuration, parseDuration } from '../../../src/core/duration.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const W = 7 * D;
const Y = 365 * D;

function ok(input: string): number {
  const r = parseDuration(input);
  assert.ok(r.ok, `expected ${JSON.stringify(input)} to parse, got ${JSON.stringify(r)}`);
  return r.ms;
}

function err(input: string): string {
  const r = parseDuration(input);
  assert.ok(!r.ok, `expected ${JSON.stringify(input)} to be rejected, got ${JSON.stringify(r)}`);
  return r.error;
}

describe('parseDuration', () => {
  it('accepts single-unit terms', () => {
    assert.equal(ok('90s'), 90 * S);
    assert.equal(ok('15m'), 15 * M);
    assert.equal(ok('2h'), 2 * H);
    assert.equal(ok('7d'), 7 * D);
    assert.equal(ok('1w'), W);
    assert.equal(ok('1y'), Y);
    assert.equal(ok('500ms'), 500);
  });

  it('accepts compound terms, largest unit first', () => {
    assert.equal(ok('1h30m'), H + 30 * M);
    assert.equal(ok('1d2h3m4s'), D + 2 * H + 3 * M + 4 * S);
    assert.equal(ok('1y1w1d1h1m1s1ms'), Y + W + D + H + M + S + 1);
    assert.equal(ok('1m500ms'), M + 500);
    assert.equal(ok('2h0m'), 2 * H);
  });

  it('reads "ms" as milliseconds, not minutes then seconds', () => {
    assert.equal(ok('5ms'), 5);
    assert.equal(ok('5m'), 5 * M);
  });

  it('accepts a bare 0 and zero-valued terms as zero', () => {
    assert.equal(ok('0'), 0);
    assert.equal(ok('0s'), 0);
  });

  it('ignores surrounding whitespace', () => {
    assert.equal(ok('  90s\n'), 90 * S);
  });

  it('rejects bare numbers with a hint that adds the unit', () => {
    const e = err('3600');
    assert.match(e, /did you mean 3600s\?/);
    assert.match(err('60'), /did you mean 60s\?/);
  });

  it('only hints at durations that themselves parse', () => {
    // Bug probe: '1.5' is answered with "did you mean 1.5s?", but '1.5s' is not a valid duration.
    for (const input of ['3600', '1.5']) {
      const hint = /did you mean ([^?]+)\?/.exec(err(input));
      if (hint?.[1] === undefined) continue;
      assert.ok(
        parseDuration(hint[1]).ok,
        `the hint for ${JSON.stringify(input)} suggests ${JSON.stringify(hint[1])}, which is rejected`,
      );
    }
  });

  it('rejects empty input', () => {
    assert.match(err(''), /empty/);
    assert.match(err('   '), /empty/);
  });

  it('rejects garbage', () => {
    for (const input of ['abc', 'h', '1x', '1 h', '1h 30m', '1H', 'ms', '1h30', '10sec', '+1h']) {
      assert.match(err(input), /not a duration|out of order/, input);
    }
  });

  it('rejects repeated units', () => {
    assert.match(err('1h1h'), /out of order or repeated/);
    assert.match(err('1s1s'), /out of order or repeated/);
  });

  it('rejects units out of order', () => {
    assert.match(err('30m1h'), /out of order or repeated/);
    assert.match(err('1ms1s'), /out of order or repeated/);
    assert.match(err('1d1w'), /out of order or repeated/);
  });

  it('rejects negative and fractional durations', () => {
    assert.match(err('-1h'), /not a duration/);
    assert.match(err('1.5h'), /not a duration/);
    assert.match(err('.5h'), /not a duration/);
  });

  it('rejects values too large to represent exactly', () => {
    assert.match(err('99999999999999999999y'), /too large/);
    assert.match(err('9007199254740993ms'), /too large/);
  });

  it('quotes the original input in the error', () => {
    assert.match(err('1h1h'), /"1h1h"/);
  });
});

describe('formatDuration', () => {
  it('writes the largest units first', () => {
    assert.equal(formatDuration(93_784_000), '1d2h3m4s');
    assert.equal(formatDuration(90 * S), '1m30s');
    assert.equal(formatDuration(2 * H), '2h');
    assert.equal(formatDuration(W + D), '1w1d');
    assert.equal(formatDuration(Y), '1y');
    assert.equal(formatDuration(1500), '1s500ms');
  });

  it('writes zero as 0s', () => {
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(0.4), '0s');
  });

  it('prefixes negatives with a minus sign', () => {
    assert.equal(formatDuration(-90 * S), '-1m30s');
  });

  it('passes non-finite numbers through as text', () => {
    assert.equal(formatDuration(Number.NaN), 'NaN');
    assert.equal(formatDuration(Number.POSITIVE_INFINITY), 'Infinity');
  });

  it('round-trips through parseDuration', () => {
    for (const ms of [1, 999, S, 90 * S, H + 30 * M, 93_784_000, Y + W + D + H + M + S + 1]) {
      assert.equal(ok(formatDuration(ms)), ms, String(ms));
    }
  });
});

describe('formatAge', () => {
  it('shows milliseconds below one second, rounded up', () => {
    assert.equal(formatAge(0), '0ms');
    assert.equal(formatAge(800), '800ms');
    assert.equal(formatAge(998.4), '999ms');
    assert.equal(formatAge(999.4), '1.0s');
  });

  it('shows seconds with one decimal below a minute, rounded up', () => {
    assert.equal(formatAge(1000), '1.0s');
    assert.equal(formatAge(1001), '1.1s');
    assert.equal(formatAge(1500), '1.5s');
    assert.equal(formatAge(59_900), '59.9s');
    assert.equal(formatAge(59_901), '1m');
  });

  it('never shows a stale age as its TTL: 1.04s against 1s, 2h0m30s against 2h', () => {
    assert.notEqual(formatAge(1040), '1s');
    assert.equal(formatAge(1040), '1.1s');
    assert.equal(formatAge(2 * H + 30 * S), '2h1m');
  });

  it('shows at most the two largest units', () => {
    assert.equal(formatAge(5 * M + 12 * S), '5m12s');
    assert.equal(formatAge(3 * D + 4 * H + 5 * M), '3d5h');
    assert.equal(formatAge(93_784_000), '1d3h');
    assert.equal(formatAge(W + D + H), '1w2d');
    assert.equal(formatAge(3 * D + 4 * H), '3d4h');
  });

  it('rounds up at the last unit shown, carrying into the next unit', () => {
    assert.equal(formatAge(61_999), '1m2s');
    assert.equal(formatAge(H - 500), '1h');
    assert.equal(formatAge(7 * D - M), '1w');
  });

  it('counts a zero second unit as one of the two (3d exactly, 1h exactly)', () => {
    assert.equal(formatAge(3 * D), '3d');
    assert.equal(formatAge(H), '1h');
    assert.equal(formatAge(H + 30 * S), '1h1m');
  });

  it('keeps the sign of negative ages', () => {
    assert.equal(formatAge(-500), '-500ms');
    assert.equal(formatAge(-(2 * H + 3 * M)), '-2h3m');
  });

  it('shows "-" for non-finite ages', () => {
    assert.equal(formatAge(Number.NaN), '-');
    assert.equal(formatAge(Number.POSITIVE_INFINITY), '-');
  });
});
