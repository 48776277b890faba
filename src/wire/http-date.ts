/**
 * The HTTP `Date` header, read strictly. Pure: no I/O, no clock.
 *
 * Only RFC 9110's preferred form, IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), is accepted: it is
 * what every current server (Go's net/http included) sends. The obsolete RFC 850 and asctime forms,
 * `Date.parse`'s many lenient readings, a repeated header and anything else count as no Date at all:
 * a sweep ages groups by this value, so a header that is not exactly a server's clock must not be
 * mistaken for one.
 */

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTH_NAMES = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
] as const;

/** Exactly `day-name, DD Mon YYYY HH:MM:SS GMT`; names are case-sensitive (RFC 9110 §5.6.7). */
const IMF_FIXDATE =
  /^([A-Z][a-z]{2}), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;

/** The instant an IMF-fixdate names, in ms since the epoch, or undefined if it is not one. */
export function parseImfFixdate(text: string): number | undefined {
  const m = IMF_FIXDATE.exec(text);
  if (!m) return undefined;
  const [, dayName, dd, monthName, yyyy, hh, mi, ss] = m;
  const month = MONTH_NAMES.indexOf(monthName as (typeof MONTH_NAMES)[number]);
  const weekday = DAY_NAMES.indexOf(dayName as (typeof DAY_NAMES)[number]);
  if (month < 0 || weekday < 0) return undefined;
  const year = Number(yyyy);
  const day = Number(dd);
  const hour = Number(hh);
  const minute = Number(mi);
  let second = Number(ss);
  if (day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59) return undefined;
  // The grammar allows a leap second (23:59:60); it is read as 23:59:59, the earlier instant.
  if (second === 60 && hour === 23 && minute === 59) second = 59;
  if (second > 59) return undefined;
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0-99 to 1900-1999.
  date.setUTCFullYear(year, month, day);
  date.setUTCHours(hour, minute, second, 0);
  // A real date names its own weekday: "Mon, 06 Nov 1994" is not a date.
  if (date.getUTCDay() !== weekday) return undefined;
  return date.getTime();
}

function daysIn(year: number, month: number): number {
  if (month === 1) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month] ?? 0;
}

/** A response's Date header as a clock: an instant, or why there is none. */
export type DateHeader =
  | { readonly ok: true; readonly ms: number }
  | { readonly ok: false; readonly problem: string };

/** Longest part of a bad header value quoted in a message. */
const QUOTE_CHARS = 40;

/**
 * Reads the Date header as an HTTP client hands it over: a string, an array when the header was
 * sent more than once, or undefined. Only exactly one valid IMF-fixdate is a clock.
 */
export function readDateHeader(value: string | readonly string[] | undefined): DateHeader {
  if (value === undefined) return { ok: false, problem: 'no Date header' };
  if (typeof value !== 'string') {
    if (value.length !== 1)
      return { ok: false, problem: `${value.length} Date headers (a server sends one)` };
    return readDateHeader(value[0]);
  }
  const ms = parseImfFixdate(value);
  if (ms !== undefined) return { ok: true, ms };
  const shown = value.length > QUOTE_CHARS ? `${value.slice(0, QUOTE_CHARS)}...` : value;
  return {
    ok: false,
    problem: `a Date header that is not an HTTP date (${JSON.stringify(shown)}; expected a form like "Sun, 06 Nov 1994 08:49:37 GMT")`,
  };
}
