/**
 * The gateway-friendly listing: `GET /metrics` in the text exposition format, of which only the
 * `push_time_seconds`, `push_failure_time_seconds` and `pgsweep_ttl_seconds` series are read.
 * The gateway builds this from its metric families directly, costing it a fraction of the memory
 * the JSON listing needs (see docs/scale.md).
 *
 * Its one ambiguity: every group's series carry `instance=""` when the grouping key has no
 * instance, so `{job="x"}` and `{job="x", instance=""}` look the same. Such groups are marked
 * `ambiguousInstance` and the sweep deletes both forms (docs/scale.md explains why that is sound).
 */

import { type Labels, putLabel } from './labels.ts';
import {
  DECLARED_TTL_METRIC,
  detach,
  type ListedGroup,
  ListingFormatError,
  ListingLimitError,
  type ListingLimits,
  type ListingParser,
  listedGroup,
} from './listing.ts';

const PUSH_TIME = 'push_time_seconds';
const PUSH_FAILURE = 'push_failure_time_seconds';
const WANTED = [PUSH_TIME, PUSH_FAILURE, DECLARED_TTL_METRIC] as const;
/** Every real gateway exposes this; a body without it is not a whole /metrics page. */
const SENTINEL = 'pushgateway_build_info';
/** First bytes of the lines pgsweep reads (all "p"): other lines are skipped unread. */
const FIRST_BYTES = new Set([...WANTED, SENTINEL].map((name) => name.charCodeAt(0)));
const NEWLINE = 0x0a;

const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\', '"': '"', n: '\n' };

/** `{a="1",b="x\"y"} 1.5` after the metric name: the labels and the value text. */
export function parseSeriesLine(rest: string): { labels: Labels; value: string } | undefined {
  const labels: Record<string, string> = {};
  let i = 0;
  if (rest[i] === '{') {
    i++;
    for (;;) {
      while (rest[i] === ' ') i++;
      if (rest[i] === '}') {
        i++;
        break;
      }
      const eq = rest.indexOf('=', i);
      if (eq < 0 || rest[eq + 1] !== '"') return undefined;
      const name = detach(rest.slice(i, eq).trim());
      // A name given twice: which value is the key's is a guess.
      if (Object.hasOwn(labels, name)) return undefined;
      let value = '';
      let j = eq + 2;
      for (; j < rest.length && rest[j] !== '"'; j++) {
        if (rest[j] === '\\') {
          const escaped = ESCAPES[rest.charAt(j + 1)];
          if (escaped === undefined) return undefined;
          value += escaped;
          j++;
        } else value += rest[j];
      }
      if (j >= rest.length) return undefined;
      putLabel(labels, name, detach(value));
      // After a value: `,` (a trailing one is allowed) or `}`; else the line is not one series.
      for (i = j + 1; rest[i] === ' '; ) i++;
      if (rest[i] === ',') i++;
      else if (rest[i] !== '}') return undefined;
    }
  }
  const fields = rest.slice(i).trim().split(/\s+/);
  const value = fields[0];
  // The value, then at most a timestamp (integer milliseconds).
  const extra = fields.length > 2 || (fields.length === 2 && !/^-?\d+$/.test(fields[1] ?? ''));
  return value && !extra ? { labels, value: detach(value) } : undefined;
}

function seriesKey(labels: Labels): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((n) => [n, labels[n]]),
  );
}

/**
 * Families come sorted by name (client_golang sorts them before rendering), so a group's
 * pgsweep_ttl_seconds and push_failure_time_seconds lines all come before its push_time_seconds
 * line, and every group has exactly one of those. A group is therefore complete, and handed over,
 * at its push_time_seconds line: only the earlier families' values are held until then, so memory
 * stays flat however many groups the page lists. A page in another order is refused rather than
 * read with a group's declared TTL missing. No series is listed twice: a store where two keys
 * would render alike makes the gateway answer 500 instead (spec 4.7).
 */
export function createExpositionParser(limits: ListingLimits = {}): ListingParser {
  // One line is the most a group needs in this format, so --max-group-bytes bounds each line.
  const maxLine = limits.maxGroupBytes ?? Number.POSITIVE_INFINITY;
  const maxBytes = limits.maxListingBytes ?? Number.POSITIVE_INFINITY;
  // Series key -> value, first series wins (as metrics[0] in the JSON listing). A failure time of
  // 0 (never failed) is not kept: every reader treats it as no failure time, and it is most groups.
  const failures = new Map<string, string>();
  const declared = new Map<string, string>();
  let inPushTimes = false;
  // The start of an unfinished line, from earlier chunks (copied: chunks are not pinned).
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let bytes = 0;
  let groups = 0;
  let sawSentinel = false;

  function line(text: string, out: ListedGroup[]): void {
    if (text.startsWith(SENTINEL)) sawSentinel = true;
    const family = WANTED.find(
      (w) => text.startsWith(w) && (text[w.length] === '{' || text[w.length] === ' '),
    );
    if (!family) return;
    const parsed = parseSeriesLine(text.slice(family.length));
    if (!parsed)
      throw new ListingFormatError(`cannot read this /metrics line: ${text.slice(0, 200)}`);
    if (family === PUSH_TIME) {
      inPushTimes = true;
      const key = failures.size + declared.size > 0 ? seriesKey(parsed.labels) : '';
      out.push(groupOf(parsed.labels, parsed.value, failures.get(key), declared.get(key)));
      groups++;
      return;
    }
    if (inPushTimes) {
      throw new ListingFormatError(
        `/metrics lists ${family} after push_time_seconds; pgsweep relies on the gateway's sorted family order (use --listing json)`,
      );
    }
    if (family === PUSH_FAILURE && parsed.value === '0') return;
    const values = family === PUSH_FAILURE ? failures : declared;
    const key = seriesKey(parsed.labels);
    if (!values.has(key)) values.set(key, parsed.value);
  }

  /** Reads the line in `buf` from `start` to `end` (exclusive), if it can be a wanted one. */
  function bytesLine(buf: Buffer, start: number, end: number, out: ListedGroup[]): void {
    // Every line, read or not, so the result never depends on how the bytes were chunked.
    if (end - start > maxLine) throw new ListingLimitError('group', maxLine);
    // Nearly all of the page is other families' lines: they are skipped without becoming strings.
    // Decoding line by line is exact: a newline byte is never part of a multi-byte character.
    if (end > start && FIRST_BYTES.has(buf[start] as number))
      line(buf.toString('utf8', start, end), out);
  }

  /** Keeps the start of an unfinished line; an endless line is refused at the cap. */
  function keep(part: Buffer): void {
    if (carryBytes + part.length > maxLine) throw new ListingLimitError('group', maxLine);
    carry.push(Buffer.from(part));
    carryBytes += part.length;
  }

  return {
    push(chunk) {
      bytes += chunk.length;
      if (bytes > maxBytes) throw new ListingLimitError('listing', maxBytes);
      const out: ListedGroup[] = [];
      let start = 0;
      let end = chunk.indexOf(NEWLINE);
      if (carry.length > 0) {
        if (end < 0) {
          keep(chunk);
          return out;
        }
        const whole = Buffer.concat([...carry, chunk.subarray(0, end)]);
        carry = [];
        carryBytes = 0;
        bytesLine(whole, 0, whole.length, out);
        start = end + 1;
        end = chunk.indexOf(NEWLINE, start);
      }
      for (; end >= 0; end = chunk.indexOf(NEWLINE, start)) {
        bytesLine(chunk, start, end, out);
        start = end + 1;
      }
      if (start < chunk.length) keep(chunk.subarray(start));
      return out;
    },
    finish() {
      if (carry.length > 0)
        throw new ListingFormatError('/metrics ends in the middle of a line (truncated)');
      if (!sawSentinel) {
        throw new ListingFormatError(
          `/metrics has no ${SENTINEL} line: it is empty or not a whole Pushgateway page`,
        );
      }
      return { bytes, groups, rest: [] };
    },
  };
}

/** A group from its push_time_seconds series (its labels are the key, maybe plus instance=""). */
function groupOf(
  labels: Labels,
  pushTime: string,
  pushFailureTime: string | undefined,
  declaredTtl: string | undefined,
): ListedGroup {
  const ambiguous = labels.instance === '';
  let key = labels;
  if (ambiguous) {
    // Copied without instance rather than `delete`d: deleting a property makes V8 turn the object
    // into a slow dictionary, and this runs for most groups.
    const copy: Record<string, string> = {};
    for (const name in labels)
      if (name !== 'instance') putLabel(copy, name, labels[name] as string);
    key = copy;
  }
  return listedGroup(
    key,
    key,
    'push_time_seconds',
    undefined,
    { pushTime, pushFailureTime, declaredTtl },
    ambiguous,
  );
}
