import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseImfFixdate, readDateHeader } from '../../../src/wire/http-date.ts';

describe('parseImfFixdate', () => {
  it("reads RFC 9110's example and what Node and Go send", () => {
    assert.equal(
      parseImfFixdate('Sun, 06 Nov 1994 08:49:37 GMT'),
      Date.UTC(1994, 10, 6, 8, 49, 37),
    );
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    assert.equal(parseImfFixdate(now.toUTCString()), now.getTime());
    assert.equal(parseImfFixdate('Wed, 02 Dec 2026 10:00:00 GMT'), Date.UTC(2026, 11, 2, 10));
  });

  it('takes leap days only in leap years', () => {
    assert.equal(parseImfFixdate('Thu, 29 Feb 2024 00:00:00 GMT'), Date.UTC(2024, 1, 29));
    assert.equal(parseImfFixdate('Tue, 29 Feb 2000 12:00:00 GMT'), Date.UTC(2000, 1, 29, 12));
    assert.equal(parseImfFixdate('Thu, 29 Feb 2100 00:00:00 GMT'), undefined, '2100 is not leap');
    assert.equal(parseImfFixdate('Sun, 29 Feb 2026 00:00:00 GMT'), undefined);
  });

  it('reads a leap second as the second before it', () => {
    assert.equal(
      parseImfFixdate('Sat, 31 Dec 2016 23:59:60 GMT'),
      Date.UTC(2016, 11, 31, 23, 59, 59),
    );
    assert.equal(parseImfFixdate('Sat, 31 Dec 2016 12:00:60 GMT'), undefined);
  });

  it('keeps years below 100 as written (no 19xx mapping)', () => {
    const ms = parseImfFixdate('Mon, 01 Jan 0001 00:00:00 GMT');
    assert.equal(ms === undefined ? undefined : new Date(ms).getUTCFullYear(), 1);
  });

  const rejected: Array<[string, string]> = [
    ['RFC 850 (obsolete)', 'Sunday, 06-Nov-94 08:49:37 GMT'],
    ['asctime (obsolete)', 'Sun Nov  6 08:49:37 1994'],
    ['ISO 8601', '1994-11-06T08:49:37Z'],
    ['epoch seconds', '784111777'],
    ['empty', ''],
    ['garbage', 'not a date'],
    ['not GMT', 'Sun, 06 Nov 1994 08:49:37 UTC'],
    ['an offset', 'Sun, 06 Nov 1994 08:49:37 +0000'],
    ['lower-case names', 'sun, 06 nov 1994 08:49:37 GMT'],
    ['upper-case names', 'SUN, 06 NOV 1994 08:49:37 GMT'],
    ['lower-case gmt', 'Sun, 06 Nov 1994 08:49:37 gmt'],
    ['a day name that does not exist', 'Sux, 06 Nov 1994 08:49:37 GMT'],
    ['a month name that does not exist', 'Sun, 06 Nox 1994 08:49:37 GMT'],
    ['the wrong weekday', 'Mon, 06 Nov 1994 08:49:37 GMT'],
    ['30 February', 'Mon, 30 Feb 2026 00:00:00 GMT'],
    ['31 April', 'Fri, 31 Apr 2026 00:00:00 GMT'],
    ['day 00', 'Sun, 00 Nov 1994 08:49:37 GMT'],
    ['day 32', 'Sun, 32 Dec 1994 08:49:37 GMT'],
    ['hour 24', 'Sun, 06 Nov 1994 24:00:00 GMT'],
    ['minute 60', 'Sun, 06 Nov 1994 08:60:00 GMT'],
    ['second 61', 'Sun, 06 Nov 1994 23:59:61 GMT'],
    ['a one-digit day', 'Sun, 6 Nov 1994 08:49:37 GMT'],
    ['a two-digit year', 'Sun, 06 Nov 94 08:49:37 GMT'],
    ['a five-digit year', 'Sun, 06 Nov 19940 08:49:37 GMT'],
    ['fractional seconds', 'Sun, 06 Nov 1994 08:49:37.5 GMT'],
    ['no comma', 'Sun 06 Nov 1994 08:49:37 GMT'],
    ['two spaces', 'Sun,  06 Nov 1994 08:49:37 GMT'],
    ['leading space', ' Sun, 06 Nov 1994 08:49:37 GMT'],
    ['trailing text', 'Sun, 06 Nov 1994 08:49:37 GMT x'],
    ['two dates in one value', 'Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT'],
    ['non-ASCII digits', 'Sun, ٠٦ Nov 1994 08:49:37 GMT'],
  ];
  for (const [name, text] of rejected) {
    it(`rejects ${name}: ${JSON.stringify(text)}`, () => {
      assert.equal(parseImfFixdate(text), undefined);
    });
  }
});

describe('readDateHeader', () => {
  const valid = 'Sun, 06 Nov 1994 08:49:37 GMT';

  it('uses exactly one valid header', () => {
    assert.deepEqual(readDateHeader(valid), { ok: true, ms: Date.UTC(1994, 10, 6, 8, 49, 37) });
    assert.deepEqual(readDateHeader([valid]), { ok: true, ms: Date.UTC(1994, 10, 6, 8, 49, 37) });
  });

  it('treats a missing header as no clock', () => {
    assert.deepEqual(readDateHeader(undefined), { ok: false, problem: 'no Date header' });
  });

  it('refuses a repeated header, even when both copies agree', () => {
    for (const value of [[valid, valid], [valid, 'Mon, 07 Nov 1994 08:49:37 GMT'], []]) {
      const r = readDateHeader(value);
      assert.equal(r.ok, false);
      assert.match(r.ok ? '' : r.problem, new RegExp(`^${value.length} Date headers`));
    }
  });

  it('names an invalid value, shortened and quoted', () => {
    const r = readDateHeader('x'.repeat(500));
    assert.equal(r.ok, false);
    const problem = r.ok ? '' : r.problem;
    assert.match(problem, /not an HTTP date \("x{40}\.\.\."; expected a form like/);
    assert.ok(problem.length < 200);
    const control = readDateHeader('a\u0007b');
    assert.match(control.ok ? '' : control.problem, /"a\\u0007b"/);
  });
});
