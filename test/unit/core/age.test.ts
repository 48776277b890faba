import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AgeResult, FUTURE_TOLERANCE_MS, groupAge } from '../../../src/core/age.ts';
import { parseGoFloat } from '../../../src/wire/go-float.ts';

const NOW_MS = 1_795_618_688_000; // 2026-11-25T14:58:08Z

function seconds(ms: number): string {
  return String(ms / 1000);
}

function okAge(r: AgeResult): Extract<AgeResult, { ok: true }> {
  assert.ok(r.ok, `expected an age, got ${JSON.stringify(r)}`);
  return r;
}

function failure(r: AgeResult): Extract<AgeResult, { ok: false }> {
  assert.ok(!r.ok, `expected a failure, got ${JSON.stringify(r)}`);
  return r;
}

describe('parseGoFloat', () => {
  it('parses the exponent form Go prints for push times', () => {
    assert.equal(parseGoFloat('1.7956186882580423e+09'), 1795618688.2580423);
    assert.equal(parseGoFloat('1.79e+09'), 1_790_000_000);
    assert.equal(parseGoFloat('1e-05'), 0.00001);
    assert.equal(parseGoFloat('1E+21'), 1e21);
  });

  it('parses plain numbers', () => {
    assert.equal(parseGoFloat('0'), 0);
    assert.equal(parseGoFloat('100000'), 100_000);
    assert.equal(parseGoFloat('-5'), -5);
    assert.equal(parseGoFloat('0.0001'), 0.0001);
    assert.equal(parseGoFloat('.5'), 0.5);
    assert.equal(parseGoFloat('5.'), 5);
    assert.ok(Object.is(parseGoFloat('-0'), -0));
  });

  it("parses Go's infinities and NaN", () => {
    assert.equal(parseGoFloat('+Inf'), Number.POSITIVE_INFINITY);
    assert.equal(parseGoFloat('-Inf'), Number.NEGATIVE_INFINITY);
    assert.ok(Number.isNaN(parseGoFloat('NaN')));
  });

  it('returns NaN for what Number() would wrongly accept', () => {
    for (const text of ['', ' 1', '1 ', '0x10', '0b1', '0o7', 'Infinity', '-Infinity', '1_000']) {
      assert.ok(Number.isNaN(parseGoFloat(text)), JSON.stringify(text));
    }
  });

  it('returns NaN for garbage', () => {
    for (const text of ['abc', 'inf', '+inf', 'nan', '1e', 'e5', '.', '1.2.3', '--1', '1,5']) {
      assert.ok(Number.isNaN(parseGoFloat(text)), JSON.stringify(text));
    }
  });
});

describe('groupAge', () => {
  it('measures age from push_time_seconds', () => {
    const r = okAge(
      groupAge({ pushTime: seconds(NOW_MS - 7_200_000), pushFailureTime: '0' }, NOW_MS),
    );
    assert.equal(r.ageMs, 7_200_000);
    assert.equal(r.lastPushMs, NOW_MS - 7_200_000);
    assert.equal(r.source, 'push_time');
  });

  it('parses the exponent form', () => {
    const r = okAge(groupAge({ pushTime: '1.7e+09', pushFailureTime: undefined }, NOW_MS));
    assert.equal(r.lastPushMs, 1.7e12);
    assert.equal(r.ageMs, NOW_MS - 1.7e12);
  });

  it('uses push_failure_time_seconds when push_time_seconds is 0', () => {
    const failedAt = NOW_MS - 3_600_000;
    const r = okAge(groupAge({ pushTime: '0', pushFailureTime: seconds(failedAt) }, NOW_MS));
    assert.equal(r.source, 'push_failure_time');
    assert.equal(r.lastPushMs, failedAt);
    assert.equal(r.ageMs, 3_600_000);
  });

  it('treats -0 like 0', () => {
    const r = okAge(groupAge({ pushTime: '-0', pushFailureTime: seconds(NOW_MS - 1000) }, NOW_MS));
    assert.equal(r.source, 'push_failure_time');
  });

  it('gives invalid-push-time for a never-successful group without a usable failure time', () => {
    for (const pushFailureTime of ['0', 'NaN', '+Inf', '-Inf', '-5', 'garbage', undefined]) {
      const r = failure(groupAge({ pushTime: '0', pushFailureTime }, NOW_MS));
      assert.equal(r.reason, 'invalid-push-time', String(pushFailureTime));
    }
  });

  it('gives invalid-push-time for unusable push times', () => {
    for (const pushTime of ['NaN', '+Inf', '-Inf', '-5', '-1e-9', '', 'abc', '0x10', 'Infinity']) {
      const r = failure(groupAge({ pushTime, pushFailureTime: seconds(NOW_MS - 1000) }, NOW_MS));
      assert.equal(r.reason, 'invalid-push-time', pushTime);
      assert.ok(r.detail.includes(JSON.stringify(pushTime)), r.detail);
    }
  });

  it('gives missing-push-time when push_time_seconds is absent', () => {
    const r = failure(groupAge({ pushTime: undefined, pushFailureTime: '1.7e+09' }, NOW_MS));
    assert.equal(r.reason, 'missing-push-time');
  });

  it('gives future-push-time beyond the 1 s tolerance', () => {
    assert.equal(FUTURE_TOLERANCE_MS, 1000);
    const pushedMs = NOW_MS + 1500;
    const r = failure(groupAge({ pushTime: seconds(pushedMs), pushFailureTime: '0' }, NOW_MS));
    assert.equal(r.reason, 'future-push-time');
    assert.equal(r.lastPushMs, pushedMs);
    assert.match(r.detail, /future/);
    const far = failure(groupAge({ pushTime: '1e+300', pushFailureTime: '0' }, NOW_MS));
    assert.equal(far.reason, 'future-push-time');
  });

  it('accepts a push up to 1 s in the future as age 0', () => {
    for (const ahead of [1, 500, 956, 1000]) {
      const r = okAge(
        groupAge({ pushTime: seconds(NOW_MS + ahead), pushFailureTime: '0' }, NOW_MS),
      );
      assert.equal(r.ageMs, 0, String(ahead));
      assert.equal(r.lastPushMs, NOW_MS + ahead);
    }
  });

  it('applies the future check to a failure time used for a phantom', () => {
    const r = failure(
      groupAge({ pushTime: '0', pushFailureTime: seconds(NOW_MS + 60_000) }, NOW_MS),
    );
    assert.equal(r.reason, 'future-push-time');
  });

  it('ignores a spoofed failure time when push_time_seconds is set', () => {
    const pushTime = seconds(NOW_MS - 600_000);
    for (const pushFailureTime of ['9e+18', 'NaN', '+Inf', '-5', 'x']) {
      const r = okAge(groupAge({ pushTime, pushFailureTime }, NOW_MS));
      assert.equal(r.source, 'push_time', pushFailureTime);
      assert.equal(r.ageMs, 600_000, pushFailureTime);
    }
  });

  it('does not treat a later failure as activity', () => {
    const r = okAge(
      groupAge(
        { pushTime: seconds(NOW_MS - 86_400_000), pushFailureTime: seconds(NOW_MS - 1000) },
        NOW_MS,
      ),
    );
    assert.equal(r.ageMs, 86_400_000);
  });
});
