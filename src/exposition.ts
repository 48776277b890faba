/**
 * The gateway-friendly listing: `GET /metrics` in the text exposition format, of which only the
 * `push_time_seconds`, `push_failure_time_seconds` and `pgsweep_ttl_seconds` series are read.
 * The gateway builds this from its metric families directly, costing it a fraction of the memory
 * the JSON listing needs (see README, Scale).
 *
 * Its one ambiguity: every group's series carry `instance=""` when the grouping key has no
 * instance, so `{job="x"}` and `{job="x", instance=""}` look the same. Such groups are marked
 * `ambiguousInstance` and the sweep deletes both forms (README explains why that is sound).
 */
import type { ListedGroup, ListingParser } from './listing.ts';
import { detach, ListingFormatError } from './listing.ts';
import type { Labels } from './matchers.ts';
import { DECLARED_TTL_METRIC } from './ttl.ts';

const PUSH_TIME = 'push_time_seconds';
const PUSH_FAILURE = 'push_failure_time_seconds';
const WANTED = [PUSH_TIME, PUSH_FAILURE, DECLARED_TTL_METRIC] as const;
type Wanted = (typeof WANTED)[number];
/** Every real gateway exposes this; a body without it is not a whole /metrics page. */
const SENTINEL = 'pushgateway_build_info';

interface Series {
  labels: Labels;
  values: Partial<Record<Wanted, string>>;
}

const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\', '"': '"', n: '\n' };

/** `{a="1",b="x\"y"} 1.5` after the metric name: the labels and the value text. */
export function parseSeriesLine(rest: string): { labels: Labels; value: string } | undefined {
  const labels: Record<string, string> = {};
  let i = 0;
  if (rest[i] === '{') {
    i++;
    for (;;) {
      while (rest[i] === ' ' || rest[i] === ',') i++;
      if (rest[i] === '}') {
        i++;
        break;
      }
      const eq = rest.indexOf('=', i);
      if (eq < 0 || rest[eq + 1] !== '"') return undefined;
      const name = detach(rest.slice(i, eq).trim());
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
      labels[name] = detach(value);
      i = j + 1;
    }
  }
  const fields = rest.slice(i).trim().split(/\s+/);
  const value = fields[0];
  return value ? { labels, value: detach(value) } : undefined;
}

function seriesKey(labels: Labels): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((n) => [n, labels[n]]),
  );
}

export function createExpositionParser(): ListingParser {
  const series = new Map<string, Series>();
  let carry = '';
  let bytes = 0;
  let sawSentinel = false;
  const decoder = new TextDecoder('utf-8');

  function line(text: string): void {
    if (text.startsWith(SENTINEL)) sawSentinel = true;
    const family = WANTED.find(
      (w) => text.startsWith(w) && (text[w.length] === '{' || text[w.length] === ' '),
    );
    if (!family) return;
    const parsed = parseSeriesLine(text.slice(family.length));
    if (!parsed)
      throw new ListingFormatError(`cannot read this /metrics line: ${text.slice(0, 200)}`);
    const key = seriesKey(parsed.labels);
    let entry = series.get(key);
    if (!entry) {
      entry = { labels: parsed.labels, values: {} };
      series.set(key, entry);
    }
    // The first series wins, as with metrics[0] in the JSON listing.
    entry.values[family] ??= parsed.value;
  }

  return {
    push(chunk) {
      bytes += chunk.length;
      const text = carry + decoder.decode(chunk, { stream: true });
      const lines = text.split('\n');
      carry = lines.pop() ?? '';
      for (const l of lines) line(l);
      return [];
    },
    finish() {
      const rest = carry + decoder.decode();
      if (rest !== '')
        throw new ListingFormatError('/metrics ends in the middle of a line (truncated)');
      if (!sawSentinel) {
        throw new ListingFormatError(
          `/metrics has no ${SENTINEL} line: it is empty or not a whole Pushgateway page`,
        );
      }
      const groups: ListedGroup[] = [];
      for (const { labels, values } of series.values()) {
        if (values.push_time_seconds === undefined) continue; // only a group has this family
        const ambiguous = labels.instance === '';
        const key: Record<string, string> = { ...labels };
        if (ambiguous) delete key.instance;
        groups.push({
          labels: key,
          displayLabels: key,
          keySource: 'push_time_seconds',
          pushTime: values.push_time_seconds,
          pushFailureTime: values.push_failure_time_seconds,
          ...(values.pgsweep_ttl_seconds === undefined
            ? {}
            : { declaredTtl: values.pgsweep_ttl_seconds }),
          ...(ambiguous ? { ambiguousInstance: true } : {}),
        });
      }
      return { bytes, groups: groups.length, rest: groups };
    },
  };
}
