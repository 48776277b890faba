import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ClockDecision, type ClockPolicy, decideClock } from '../../../src/core/clock.ts';
import type { DateHeader } from '../../../src/wire/http-date.ts';

const LOCAL = Date.UTC(2026, 11, 2, 10, 5, 12);
const GW = 'http://gw:9091/';
const strict: ClockPolicy = { trustLocalClock: false, maxSkewMs: 30_000 };
const trusting: ClockPolicy = { trustLocalClock: true, maxSkewMs: 30_000 };
const date = (ms: number): DateHeader => ({ ok: true, ms });
const missing: DateHeader = { ok: false, problem: 'no Date header' };

function used(d: ClockDecision) {
  assert.equal(d.kind, 'use', JSON.stringify(d));
  return d as Extract<ClockDecision, { kind: 'use' }>;
}
function refused(d: ClockDecision): string {
  assert.equal(d.kind, 'refuse', JSON.stringify(d));
  return (d as Extract<ClockDecision, { kind: 'refuse' }>).error;
}

describe('decideClock', () => {
  it("uses the gateway's clock when it agrees with the local one within the bound", () => {
    for (const skew of [0, 999, -1000, 5000, -29_999, 30_000]) {
      const d = used(decideClock(date(LOCAL - skew), LOCAL, strict, GW));
      assert.equal(d.nowMs, LOCAL - skew);
      assert.equal(d.source, 'gateway-date');
      assert.equal(d.warning, undefined, `no warning at ${skew} ms`);
    }
  });

  it('refuses a skew beyond the bound, naming both clocks, the bound and both ways out', () => {
    const error = refused(decideClock(date(Date.UTC(2026, 11, 2, 10)), LOCAL, strict, GW));
    assert.equal(
      error,
      "the gateway's clock (Date: 2026-12-02T10:00:00Z) and this machine's clock (2026-12-02T10:05:12Z) differ by 5m12s, more than --max-clock-skew 30s; nothing was deleted. Fix the clock that is wrong, or choose one: --trust-local-clock ages groups by this machine's clock, --max-clock-skew 0 by the gateway's",
    );
  });

  it('refuses a far-future and a far-past Date alike', () => {
    refused(decideClock(date(LOCAL + 86_400_000), LOCAL, strict, GW));
    refused(decideClock(date(LOCAL - 86_400_000), LOCAL, strict, GW));
    refused(decideClock(date(LOCAL + 30_001), LOCAL, strict, GW));
  });

  it('--trust-local-clock: a skewed Date gives way to the local clock, with a warning', () => {
    const d = used(decideClock(date(LOCAL + 86_400_000), LOCAL, trusting, GW));
    assert.equal(d.nowMs, LOCAL);
    assert.equal(d.source, 'local');
    assert.match(d.warning ?? '', /differ by 1d.*ageing groups by this machine's clock/);
  });

  it('--trust-local-clock does not override a Date within the bound', () => {
    const d = used(decideClock(date(LOCAL - 2000), LOCAL, trusting, GW));
    assert.equal(d.source, 'gateway-date');
    assert.equal(d.nowMs, LOCAL - 2000);
  });

  it('--max-clock-skew 0 trusts the gateway whatever the skew, with a warning past 30 s', () => {
    const off = { trustLocalClock: false, maxSkewMs: 0 };
    const d = used(decideClock(date(LOCAL + 86_400_000), LOCAL, off, GW));
    assert.equal(d.source, 'gateway-date');
    assert.equal(d.nowMs, LOCAL + 86_400_000);
    assert.match(d.warning ?? '', /this machine's clock is 1d behind the gateway's/);
    assert.equal(used(decideClock(date(LOCAL - 5000), LOCAL, off, GW)).warning, undefined);
  });

  it('a wider bound still warns past 30 s', () => {
    const wide = { trustLocalClock: false, maxSkewMs: 600_000 };
    const d = used(decideClock(date(LOCAL - 120_000), LOCAL, wide, GW));
    assert.equal(d.source, 'gateway-date');
    assert.match(d.warning ?? '', /2m ahead of the gateway's/);
  });

  it('no usable Date: refuse, saying why and naming --trust-local-clock', () => {
    const error = refused(decideClock(missing, LOCAL, strict, GW));
    assert.match(error, /^the listing from http:\/\/gw:9091\/ has no Date header, so/);
    assert.match(error, /nothing was deleted.*pass --trust-local-clock/);
    const twice = refused(
      decideClock({ ok: false, problem: '2 Date headers (a server sends one)' }, LOCAL, strict, GW),
    );
    assert.match(twice, /has 2 Date headers/);
    // The check being off does not make a missing Date usable.
    refused(decideClock(missing, LOCAL, { trustLocalClock: false, maxSkewMs: 0 }, GW));
  });

  it('no usable Date with --trust-local-clock: the local clock, with a warning', () => {
    const d = used(decideClock(missing, LOCAL, trusting, GW));
    assert.equal(d.nowMs, LOCAL);
    assert.equal(d.source, 'local');
    assert.match(d.warning ?? '', /has no Date header; ageing groups by this machine's clock/);
  });
});
