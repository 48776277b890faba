/**
 * A tiny model of a Pushgateway store, rendered the way Pushgateway 1.5.1 renders it: as the JSON
 * listing (`GET /api/v1/metrics`, spec §2) and as the text exposition (`GET /metrics`). Shared by the
 * listing fuzz tests; not a test file itself. It renders only what a healthy store can hold: keys
 * that stay distinct once `instance=""` is added to their series (spec §4.7).
 */

import fc from 'fast-check';

type Labels = Record<string, string>;

export interface ModelFamily {
  readonly name: string;
  readonly help: string;
  /** Each series' own labels (added to the group's series labels) and value. */
  readonly series: readonly { readonly labels: Labels; readonly value: number }[];
}

export interface ModelGroup {
  /** The grouping key as pushed: always a non-empty job, instance only if it was in the URL. */
  readonly key: Labels;
  readonly pushTime: number;
  readonly failureTime: number;
  /** A pgsweep_ttl_seconds gauge, when the group declares its TTL. */
  readonly declaredTtl: number | undefined;
  /** Pushed families; one named `labels` hides the key in the JSON listing (spec §2.5). */
  readonly families: readonly ModelFamily[];
}

export const PUSH_TIME = 'push_time_seconds';
export const PUSH_FAILURE = 'push_failure_time_seconds';
export const DECLARED_TTL = 'pgsweep_ttl_seconds';
const TIME_STAMP = '2026-11-25T14:58:08.258042352Z';

/** Go's fmt.Sprint(float64) (and strconv 'g', -1): shortest digits, %e below 1e-4 or from 1e6. */
export function goFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return '+Inf';
  if (x === Number.NEGATIVE_INFINITY) return '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa = '', expText = '0'] = x.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(x);
}

/** Go's encoding/json string: like JSON.stringify, plus the HTML-safe escapes Go adds. */
function goJson(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => {
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** encoding/json sorts map keys by their bytes (UTF-8 order, not UTF-16 order). */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The labels every series of a group carries: the key, plus instance="" when it has none. */
export function seriesLabels(key: Labels): Labels {
  return Object.hasOwn(key, 'instance') ? { ...key } : { ...key, instance: '' };
}

function jsonObject(members: readonly (readonly [string, string])[]): string {
  return `{${[...members]
    .sort(([a], [b]) => byteOrder(a, b))
    .map(([k, v]) => `${goJson(k)}:${v}`)
    .join(',')}}`;
}

function jsonLabels(labels: Labels): string {
  return jsonObject(Object.entries(labels).map(([k, v]) => [k, goJson(v)]));
}

function jsonFamily(help: string, type: string, series: ModelFamily['series'], base: Labels) {
  const metrics = series.map(
    (s) => `{"labels":${jsonLabels({ ...base, ...s.labels })},"value":${goJson(goFloat(s.value))}}`,
  );
  const members: [string, string][] = [
    ['metrics', `[${metrics.join(',')}]`],
    ['time_stamp', goJson(TIME_STAMP)],
    ['type', goJson(type)],
  ];
  if (help !== '') members.push(['help', goJson(help)]);
  return jsonObject(members);
}

/** Every family of a group, the server's own gauges included, as the gateway stores them. */
function familiesOf(g: ModelGroup): ModelFamily[] {
  const own = g.families.filter((f) => f.name !== PUSH_TIME && f.name !== PUSH_FAILURE);
  const out: ModelFamily[] = [
    ...own,
    { name: PUSH_TIME, help: 'Last Unix time when changing this group succeeded.', series: [] },
    { name: PUSH_FAILURE, help: 'Last Unix time when changing this group failed.', series: [] },
  ];
  if (g.declaredTtl !== undefined && !own.some((f) => f.name === DECLARED_TTL))
    out.push({ name: DECLARED_TTL, help: '', series: [{ labels: {}, value: g.declaredTtl }] });
  return out.map((f) => {
    if (f.name === PUSH_TIME) return { ...f, series: [{ labels: {}, value: g.pushTime }] };
    if (f.name === PUSH_FAILURE) return { ...f, series: [{ labels: {}, value: g.failureTime }] };
    return f;
  });
}

/** One group object of the JSON listing (its members sorted, families overwriting the fixed two). */
export function renderJsonGroup(g: ModelGroup): string {
  const members = new Map<string, string>();
  members.set('labels', jsonLabels(g.key));
  members.set('last_push_successful', String(!(g.failureTime > g.pushTime)));
  const base = seriesLabels(g.key);
  for (const f of familiesOf(g)) members.set(f.name, jsonFamily(f.help, 'GAUGE', f.series, base));
  return jsonObject([...members]);
}

export function renderJsonListing(groups: readonly ModelGroup[]): string {
  return `{"data":[${groups.map(renderJsonGroup).join(',')}],"status":"success"}`;
}

function textLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function textSeries(name: string, labels: Labels, value: number): string {
  const pairs = Object.keys(labels)
    .sort(byteOrder)
    .map((k) => `${k}="${textLabelValue(labels[k] ?? '')}"`);
  return `${name}{${pairs.join(',')}} ${goFloat(value)}`;
}

/**
 * The text exposition of the whole store: families merged across groups and sorted by name (as
 * client_golang gathers them), with the gateway's own build info family.
 */
export function renderText(groups: readonly ModelGroup[]): string {
  const families = new Map<string, { help: string; lines: string[] }>();
  for (const g of groups) {
    const base = seriesLabels(g.key);
    for (const f of familiesOf(g)) {
      const entry = families.get(f.name) ?? { help: f.help, lines: [] };
      for (const s of f.series)
        entry.lines.push(textSeries(f.name, { ...base, ...s.labels }, s.value));
      families.set(f.name, entry);
    }
  }
  families.set('pushgateway_build_info', {
    help: "A metric with a constant '1' value labeled by version.",
    lines: ['pushgateway_build_info{branch="debian/sid",goversion="go1.19",version="1.5.1"} 1'],
  });
  const out: string[] = [];
  for (const name of [...families.keys()].sort(byteOrder)) {
    const f = families.get(name);
    if (!f) continue;
    if (f.help !== '')
      out.push(`# HELP ${name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    out.push(`# TYPE ${name} gauge`);
    out.push(...f.lines);
  }
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// A generator of healthy stores, hostile only where a pusher is free to be.

const labelValue = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      ...['', 'a', '.', '..', '/', 'a/b', '%2F', ' ', '\n', '\r', '\t', '"', '\\', '\\"', '\\n'],
      ...['é', '日本', '🚀', '\uFFFD', '\u0000', '<&>', '\u2028', '{', '}', ',', '=', 'x="y"'],
    ),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 300 }) },
);
const labelName = fc.constantFrom(
  ...['instance', 'run_id', 'a', 'zone', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'],
);
const pushTime = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: 1e9, max: 2e9, noNaN: true }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(0, -0, Number.NaN, Infinity, -Infinity, 1e300, -5, 1e-7, 1e6),
  },
);
const familyName = fc.constantFrom(
  ...['labels', 'last_push_successful', 'job_duration_seconds', 'push_time_seconds_total'],
  ...['pgsweep_ttl_secondsx', 'a', 'push_failure_time_seconds_x'],
);
const modelFamily = fc.record({
  name: familyName,
  help: fc.constantFrom('', 'help with \\ and\nnewline', 'push_time_seconds{job="x"} 1'),
  series: fc.array(
    fc.record({
      labels: fc.dictionary(fc.constantFrom('code', 'le', 'stage'), labelValue, {
        maxKeys: 2,
        noNullPrototype: true,
      }),
      value: pushTime,
    }),
    { minLength: 1, maxLength: 2 },
  ),
});

export const modelGroup: fc.Arbitrary<ModelGroup> = fc
  .record({
    job: labelValue.filter((v) => v !== ''),
    rest: fc.dictionary(labelName, labelValue, { maxKeys: 4, noNullPrototype: true }),
    pushTime,
    failureTime: fc.oneof(fc.constant(0), pushTime),
    declaredTtl: fc.option(fc.constantFrom(3600, 0, -1, Number.NaN, 1e300, 86400.5), {
      nil: undefined,
    }),
    families: fc.uniqueArray(modelFamily, { maxLength: 3, selector: (f) => f.name }),
  })
  .map(({ job, rest, families, ...times }) => ({
    key: { ...rest, job },
    families,
    ...times,
  }));

/** A healthy store: no two keys expose the same series labels (the gateway would answer 500). */
export const modelStore: fc.Arbitrary<ModelGroup[]> = fc.uniqueArray(modelGroup, {
  maxLength: 5,
  selector: (g) => JSON.stringify(Object.entries(seriesLabels(g.key)).sort()),
});
