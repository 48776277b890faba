/**
 * A group object from `GET /api/v1/metrics` back to the text exposition format, so `restore` can
 * PUT it to its key. Pure. Exact or not at all: anything the text format cannot carry so that the
 * gateway lists the same values again throws RebuildError, never a guess.
 *
 * Every number in the listing is Go's fmt.Sprint(float64) (spec §2.3), the shortest string that
 * parses back to the same float, and the gateway's text parser reads values with ParseFloat: so a
 * value written verbatim is read as exactly the float it was. Counts are uint64 in the gateway but
 * parsed from text as floats: one above 2^53 that a float cannot hold is refused.
 */
import type { Labels } from './labels.ts';

export class RebuildError extends Error {}

/** The gateway sets these itself on every push. */
export const GATEWAY_FAMILIES: ReadonlySet<string> = new Set([
  'push_time_seconds',
  'push_failure_time_seconds',
]);

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** What fmt.Sprint(float64) prints: NaN, ±Inf, or a decimal with an optional exponent. */
const GO_FLOAT = /^(?:NaN|[+-]Inf|-?\d+(?:\.\d+)?(?:e[+-]\d+)?)$/;
const COUNT = /^\d+$/;

const TYPES: Readonly<Record<string, string>> = {
  COUNTER: 'counter',
  GAUGE: 'gauge',
  SUMMARY: 'summary',
  HISTOGRAM: 'histogram',
  UNTYPED: 'untyped',
};

const FAMILY_KEYS = new Set(['type', 'help', 'metrics', 'time_stamp']);
const METRIC_KEYS: Readonly<Record<string, ReadonlySet<string>>> = {
  counter: new Set(['labels', 'value']),
  gauge: new Set(['labels', 'value']),
  untyped: new Set(['labels', 'value']),
  summary: new Set(['labels', 'quantiles', 'count', 'sum']),
  histogram: new Set(['labels', 'buckets', 'count', 'sum']),
};

type JsonObject = { [key: string]: unknown };

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A family object as the listing shows one (also when it hides `labels`, spec §2.5). */
export function isFamily(v: unknown): v is JsonObject {
  return isObject(v) && Array.isArray(v.metrics) && typeof v.type === 'string';
}

function text(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new RebuildError(`${what} is not a string`);
  // A lone surrogate cannot be sent as UTF-8: it would arrive as U+FFFD.
  if (!v.isWellFormed()) throw new RebuildError(`${what} is not valid Unicode`);
  return v;
}

function float(v: unknown, what: string): string {
  const s = text(v, what);
  if (!GO_FLOAT.test(s)) throw new RebuildError(`${what} ${JSON.stringify(s)} is not a number`);
  return s;
}

function count(v: unknown, what: string): string {
  const s = text(v, what);
  if (!COUNT.test(s)) throw new RebuildError(`${what} ${JSON.stringify(s)} is not a whole count`);
  const n = Number(s);
  if (BigInt(s) !== BigInt(n)) {
    throw new RebuildError(`${what} ${s} is above 2^53: the text format would round it`);
  }
  return s;
}

/** Numeric order for bucket bounds and quantiles (-Inf first, +Inf last). */
function numeric(s: string): number {
  return s === '+Inf' ? Infinity : s === '-Inf' ? -Infinity : Number(s);
}

export function escapeLabelValue(v: string): string {
  return v.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

export function escapeHelp(v: string): string {
  return v.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}

/**
 * `{a="x",le="1"}` for one series: its own labels, without the grouping key's (the gateway sets
 * those on every series anyway) and without an empty `instance` the key lacks (the gateway adds
 * that one too, spec §2.2).
 */
function labelText(labels: unknown, key: Labels, extra: string, where: string): string {
  if (!isObject(labels)) throw new RebuildError(`${where}: labels is not an object`);
  const parts: string[] = [];
  for (const name of Object.keys(labels).sort()) {
    const value = text(labels[name], `${where}: label ${name}`);
    if (Object.hasOwn(key, name)) {
      if (key[name] !== value) {
        throw new RebuildError(`${where}: label ${name} differs from the grouping key`);
      }
      continue;
    }
    if (name === 'instance' && value === '') continue;
    if (!LABEL_NAME.test(name) || name.startsWith('__')) {
      throw new RebuildError(`${where}: label name ${JSON.stringify(name)} cannot be written`);
    }
    parts.push(`${name}="${escapeLabelValue(value)}"`);
  }
  if (extra !== '') parts.push(extra);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function sortedEntries(v: unknown, what: string): Array<[string, unknown]> {
  if (!isObject(v)) {
    throw new RebuildError(
      Array.isArray(v)
        ? `${what} is a native histogram, which the text format cannot carry`
        : `${what} is missing`,
    );
  }
  const entries = Object.entries(v);
  for (const [bound] of entries) float(bound, `${what} bound`);
  return entries.sort(([a], [b]) => numeric(a) - numeric(b));
}

function familyLines(name: string, family: JsonObject, key: Labels): string[] {
  for (const k of Object.keys(family)) {
    if (!FAMILY_KEYS.has(k)) throw new RebuildError(`family ${name}: unknown field "${k}"`);
  }
  if (!METRIC_NAME.test(name)) {
    throw new RebuildError(`family name ${JSON.stringify(name)} cannot be written as text`);
  }
  const type = TYPES[String(family.type)];
  if (!type) {
    throw new RebuildError(`family ${name}: type ${JSON.stringify(family.type)} is not supported`);
  }
  const metrics = family.metrics as unknown[];
  // The gateway's text parser drops a family without series, so it could not be listed again.
  if (metrics.length === 0) throw new RebuildError(`family ${name} has no series`);
  const lines: string[] = [];
  if (family.help !== undefined) {
    lines.push(`# HELP ${name} ${escapeHelp(text(family.help, `family ${name}: help`))}`);
  }
  lines.push(`# TYPE ${name} ${type}`);
  const allowed = METRIC_KEYS[type] ?? new Set();
  metrics.forEach((m, i) => {
    const where = `${name} series ${i + 1}`;
    if (!isObject(m)) throw new RebuildError(`${where} is not an object`);
    for (const k of Object.keys(m)) {
      if (!allowed.has(k)) throw new RebuildError(`${where}: unknown field "${k}" for a ${type}`);
    }
    const plain = labelText(m.labels, key, '', where);
    if (type === 'summary' || type === 'histogram') {
      const [entries, suffix, label] =
        type === 'summary'
          ? [sortedEntries(m.quantiles, `${where}: quantiles`), '', 'quantile']
          : [sortedEntries(m.buckets, `${where}: buckets`), '_bucket', 'le'];
      for (const [bound, v] of entries) {
        const value =
          type === 'summary' ? float(v, `${where}: quantile`) : count(v, `${where}: bucket`);
        const labels = labelText(m.labels, key, `${label}="${bound}"`, where);
        lines.push(`${name}${suffix}${labels} ${value}`);
      }
      lines.push(`${name}_sum${plain} ${float(m.sum, `${where}: sum`)}`);
      lines.push(`${name}_count${plain} ${count(m.count, `${where}: count`)}`);
    } else {
      lines.push(`${name}${plain} ${float(m.value, `${where}: value`)}`);
    }
  });
  return lines;
}

/**
 * The text body that recreates `group` under `key`: every family but the two the gateway sets
 * itself, in the listing's (sorted) order, HELP and TYPE included. '' for a group that held only
 * those two (an empty PUT recreates exactly that).
 */
export function groupToExposition(group: unknown, key: Labels): string {
  if (!isObject(group)) throw new RebuildError('the group is not a JSON object');
  const lines: string[] = [];
  for (const name of Object.keys(group).sort()) {
    if (GATEWAY_FAMILIES.has(name)) continue;
    const value = group[name];
    // The two fixed keys, unless a family of that name took their place (spec §2.5).
    if (name === 'labels' && !isFamily(value)) continue;
    if (name === 'last_push_successful' && typeof value === 'boolean') continue;
    if (!isFamily(value)) throw new RebuildError(`${JSON.stringify(name)} is not a metric family`);
    lines.push(...familyLines(name, value, key));
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
