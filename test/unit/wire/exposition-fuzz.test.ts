/**
 * Fuzzing the text listing parser (`--listing text`, `GET /metrics`). One model of a store is
 * rendered both as the JSON listing and as the text exposition, the way Pushgateway 1.5.1 renders
 * them, and both parsers must recover the same keys and push times. Hostile pages (bad escapes,
 * raw bytes, CR/LF, comments, repeated series, long lines, a missing last newline) must give a
 * listing error or groups whose keys are exactly what the line says; never another exception.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { planGroup, type Rules } from '../../../src/core/plan.ts';
import { createExpositionParser } from '../../../src/wire/exposition.ts';
import { groupPath, keyId, keyProblem } from '../../../src/wire/grouping-key.ts';
import { createListingParser, type ListedGroup } from '../../../src/wire/listing.ts';
import { decodeGroupPath } from '../../support/gateway-path-decoder.ts';
import {
  goFloat,
  modelStore,
  renderJsonListing,
  renderText,
  seriesLabels,
} from '../../support/gateway-render.ts';
import { cutsFor as cutsOf, feed } from '../../support/listing-feed.ts';

const SEED = 1414;
const SWEEP_ALL: Rules = { selectors: [], excludes: [], ttlMs: 0 };
const NOW_MS = 4e12;

const run = feed;
const cutsFor = (length: number) => cutsOf(length, 5);

/** What a sweep that finds every group stale would delete: the exact keys, each addressable. */
function deletedKeys(groups: readonly ListedGroup[]): Record<string, string>[] {
  const keys: Record<string, string>[] = [];
  for (const g of groups) {
    const plan = planGroup(g, NOW_MS, SWEEP_ALL);
    if (plan.action !== 'delete') continue;
    assert.ok(plan.key);
    assert.equal(keyProblem(plan.key), undefined);
    assert.deepEqual(decodeGroupPath(groupPath(plan.key)), { ...plan.key });
    keys.push({ ...plan.key });
    // The text listing deletes the key also with instance="" (see exposition.ts).
    if (plan.ambiguousInstance) keys.push({ ...plan.key, instance: '' });
  }
  return keys;
}

describe('fuzz: text and JSON listings of one store', () => {
  it('recover the same keys and push times, and delete only keys the store holds', () => {
    let deletable = 0;
    fc.assert(
      fc.property(
        modelStore.chain((store) => {
          const json = Buffer.from(renderJsonListing(store), 'utf8');
          const text = Buffer.from(renderText(store), 'utf8');
          return fc.tuple(
            fc.constant(store),
            fc.constant(json),
            fc.constant(text),
            cutsFor(json.length),
            cutsFor(text.length),
          );
        }),
        ([store, json, text, jsonCuts, textCuts]) => {
          const fromJson = run(createListingParser(), json, jsonCuts);
          const fromText = run(createExpositionParser(), text, textCuts);
          assert.ok('groups' in fromJson, JSON.stringify(fromJson));
          assert.ok('groups' in fromText, JSON.stringify(fromText));
          assert.equal(fromJson.groups.length, store.length);
          assert.equal(fromText.groups.length, store.length);
          const textByKey = new Map(fromText.groups.map((g) => [keyId(g.labels ?? {}), g]));
          store.forEach((m, i) => {
            const jg = fromJson.groups[i];
            assert.ok(jg);
            const series = seriesLabels(m.key);
            const ambiguous = series.instance === '';
            const { instance: _, ...withoutInstance } = series;
            const tg = textByKey.get(keyId(ambiguous ? withoutInstance : series));
            assert.ok(tg, `text listing lost ${JSON.stringify(m.key)}`);
            assert.equal(tg.ambiguousInstance, ambiguous);
            const hidden = m.families.some((f) => f.name === 'labels');
            if (!hidden) assert.deepEqual(jg.labels, m.key);
            else assert.deepEqual(jg.labels, ambiguous ? undefined : m.key);
            assert.equal(jg.pushTime, goFloat(m.pushTime));
            assert.equal(tg.pushTime, jg.pushTime);
            assert.equal(tg.declaredTtl, jg.declaredTtl);
            assert.equal(
              tg.pushFailureTime,
              jg.pushFailureTime === '0' ? undefined : jg.pushFailureTime,
            );
            // With every group due, exactly the groups with an exact key and a usable last push
            // are deleted: NaN, infinite, negative and future push times never are, and the
            // failure time (which a pusher can spoof) counts only for a never-successful group.
            const last = m.pushTime === 0 ? m.failureTime : m.pushTime;
            const due =
              Number.isFinite(m.pushTime) &&
              m.pushTime >= 0 &&
              Number.isFinite(last) &&
              last > 0 &&
              last * 1000 <= NOW_MS + 1000 &&
              keyProblem(m.key) === undefined;
            const jsonDeletes = planGroup(jg, NOW_MS, SWEEP_ALL).action === 'delete';
            const textDeletes = planGroup(tg, NOW_MS, SWEEP_ALL).action === 'delete';
            assert.equal(jsonDeletes, due && !(hidden && ambiguous), 'JSON listing verdict');
            assert.equal(textDeletes, due, 'text listing verdict');
          });
          // Every key either listing would delete is a key of the store, exactly; the text listing
          // also deletes the other form of a key without instance (both cannot be held, spec 4.7).
          const held = new Set(store.map((m) => keyId(m.key)));
          const heldSeries = new Set(store.map((m) => keyId(seriesLabels(m.key))));
          for (const key of deletedKeys(fromJson.groups)) {
            deletable++;
            assert.ok(held.has(keyId(key)), `JSON listing deletes ${JSON.stringify(key)}`);
          }
          for (const key of deletedKeys(fromText.groups)) {
            deletable++;
            assert.ok(heldSeries.has(keyId(seriesLabels(key))), `deletes ${JSON.stringify(key)}`);
          }
        },
      ),
      { numRuns: 1500, seed: SEED, includeErrorInReport: true, endOnFailure: true },
    );
    assert.ok(deletable > 500, `only ${deletable} deletable keys exercised`);
  });
});

/**
 * The series-line grammar as the gateway writes it and Prometheus reads it, strictly:
 * `{name="value",...} value [timestamp]` (blanks allowed around names and commas), names `[a-zA-Z_][a-zA-Z0-9_]*` given once, values with
 * only the escapes \\ \" \n. Returns the labels, or undefined for a line it would refuse.
 */
function strictSeries(rest: string): { labels: Record<string, string>; value: string } | undefined {
  const m = /^(?:\{(.*)\}[ \t]*|[ \t]+)(\S+)(?:[ \t]+-?\d+)?[ \t]*$/s.exec(
    rest.replace(/\s+$/, ''),
  );
  if (!m) return undefined;
  const labels: Record<string, string> = {};
  const body = m[1] ?? '';
  const pair =
    /[ \t]*([a-zA-Z_][a-zA-Z0-9_]*)[ \t]*=[ \t]*"((?:[^"\\\n]|\\[\\"n])*)"[ \t]*(?:,[ \t]*|$)/y;
  let at = 0;
  while (at < body.length) {
    pair.lastIndex = at;
    const p = pair.exec(body);
    if (!p) return undefined;
    const [, name = '', raw = ''] = p;
    if (Object.hasOwn(labels, name)) return undefined;
    Object.defineProperty(labels, name, {
      value: raw.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c)),
      enumerable: true,
      writable: true,
      configurable: true,
    });
    at = pair.lastIndex;
  }
  return { labels, value: m[2] ?? '' };
}

/** Edits of a push_time_seconds line, most of which break it. */
const LINE_EDITS: readonly ((line: string) => string)[] = [
  (l) => l.replace('job="', 'job="\\t'),
  (l) => l.replace('job="', 'job="\\x41'),
  (l) => l.replace('job="', 'job="\\'),
  (l) => l.replace(/"}/, '}'),
  (l) => l.replace('} ', ' '),
  (l) => l.replace('",', '"'),
  (l) => l.replace('",', '" , '),
  (l) => l.replace('{', '{job="dup",'),
  (l) => l.replace('{', '{9x="a",'),
  (l) => l.replace('{', '{a b="a",'),
  (l) => l.replace('{', '{__proto__="a",'),
  (l) => l.replace('} ', ',} '),
  (l) => l.replace('} ', '}\t'),
  (l) => l.replace(/ (\S+)$/, ' $1 1700000000000'),
  (l) => l.replace(/ (\S+)$/, ' $1 x'),
  (l) => l.replace(/ \S+$/, ' '),
  (l) => `${l}\r`,
  (l) => l.replace('job="', 'job="\u0000'),
  (l) => l.replace('job="', `job="${'w'.repeat(20_000)}`),
  (l) => l.replace('push_time_seconds{', 'push_time_seconds {'),
  (l) => l.replace(/=/, '= '),
  (l) => l.replace(/job="[^"]*"/, 'job=""'),
  (l) => l.replace(/\{.*\}/, ''),
];
const RAW_BYTES = ['ff', 'c0af', 'eda080', 'e282', '00'].map((h) => Buffer.from(h, 'hex'));

/** A page from a store, with edited push_time_seconds lines and hostile extra lines. */
const hostilePage = fc
  .tuple(
    modelStore,
    fc.array(fc.tuple(fc.nat(), fc.nat(LINE_EDITS.length - 1)), { maxLength: 3 }),
    fc.array(
      fc.constantFrom(
        '# HELP push_time_seconds Last Unix time. push_time_seconds{job="x"} 1',
        '#push_time_seconds{job="ghost"} 1',
        '',
        'push_time_seconds_total{job="y"} 1',
        'push_time_secondsx{job="y"} 1',
        'pushgateway_build_info{version="1.5.1"} 1',
      ),
      { maxLength: 3 },
    ),
    fc.option(fc.tuple(fc.nat(), fc.nat(RAW_BYTES.length - 1)), { nil: undefined }),
    fc.nat(9),
  )
  .map(([store, edits, extra, raw, shape]) => {
    const lines = renderText(store).split('\n');
    const pushLines = lines.flatMap((l, i) => (l.startsWith('push_time_seconds{') ? [i] : []));
    for (const [which, edit] of edits) {
      const at = pushLines[which % Math.max(1, pushLines.length)];
      if (at !== undefined) lines[at] = (LINE_EDITS[edit] ?? ((l: string) => l))(lines[at] ?? '');
    }
    // A repeated series for one key, or extra lines before the push times.
    if (shape === 0 && pushLines[0] !== undefined)
      lines.splice(pushLines[0], 0, lines[pushLines[0]] ?? '');
    const first = pushLines[0] ?? lines.length - 1;
    lines.splice(first, 0, ...extra);
    let page = lines.join(shape === 1 ? '\r\n' : '\n');
    if (shape === 2) page = page.replace(/\n$/, '');
    let bytes = Buffer.from(page, 'utf8');
    if (raw !== undefined) {
      const at = bytes.indexOf('job="');
      if (at >= 0) {
        const cut = at + 5 + (raw[0] % 3);
        bytes = Buffer.concat([
          bytes.subarray(0, cut),
          RAW_BYTES[raw[1]] ?? Buffer.alloc(0),
          bytes.subarray(cut),
        ]);
      }
    }
    return bytes;
  });

describe('fuzz: text listing, hostile pages', () => {
  it('gives a listing error, or per line the exact key, and never deletes by a malformed line', () => {
    let read = 0;
    let malformed = 0;
    fc.assert(
      fc.property(
        hostilePage.chain((page) => fc.tuple(fc.constant(page), cutsFor(page.length))),
        ([page, cuts]) => {
          const whole = run(createExpositionParser(), page, []);
          assert.deepEqual(run(createExpositionParser(), page, cuts), whole, 'chunking');
          if ('error' in whole) return;
          deletedKeys(whole.groups);
          // The push_time_seconds lines, as the parser selects them, read strictly.
          const lines = page
            .toString('utf8')
            .split('\n')
            .filter((l) => /^push_time_seconds[{ ]/.test(l));
          assert.equal(whole.groups.length, lines.length);
          whole.groups.forEach((g, i) => {
            const strict = strictSeries((lines[i] ?? '').slice('push_time_seconds'.length));
            if (!strict) {
              malformed++;
              const plan = planGroup(g, NOW_MS, SWEEP_ALL);
              assert.notEqual(
                plan.action,
                'delete',
                `deletes by a malformed line: ${JSON.stringify(lines[i])}`,
              );
              return;
            }
            read++;
            const { instance, ...rest } = strict.labels;
            const key = instance === '' ? rest : strict.labels;
            assert.deepEqual({ ...g.labels }, { ...key });
            assert.equal(g.ambiguousInstance, instance === '');
            assert.equal(g.pushTime, strict.value);
          });
        },
      ),
      { numRuns: 2000, seed: SEED, includeErrorInReport: true },
    );
    assert.ok(read > 1000, `${read} lines read, ${malformed} malformed`);
  });
});

describe('text listing lines the fuzzing found misread (regressions)', () => {
  const page = (line: string) =>
    Buffer.from(`${line}\npushgateway_build_info{version="1.5.1"} 1\n`, 'utf8');

  it('refuses a line whose labels are not one series, instead of reading a key from it', () => {
    for (const line of [
      // No comma: read as {job="x"} (ambiguous instance), a key the line does not state.
      'push_time_seconds{instance=""job="x"} 1.7e+09',
      // A name given twice: the last one was taken as the key.
      'push_time_seconds{job="a",job="b"} 1.7e+09',
      // More than a value and a timestamp after the labels.
      'push_time_seconds{job="a"} 1.7e+09 x',
      'push_time_seconds{job="a"} 1.7e+09 1 2',
    ]) {
      const out = run(createExpositionParser(), page(line), []);
      assert.ok('error' in out, `${line}: ${JSON.stringify(out)}`);
      assert.match(out.error, /cannot read this \/metrics line/);
    }
  });

  it('still reads blanks around commas, a trailing comma and a timestamp', () => {
    for (const line of [
      'push_time_seconds{instance="" , job="x" ,} 1.7e+09',
      'push_time_seconds{ job="x",instance=""} 1.7e+09 1700000000000',
    ]) {
      const out = run(createExpositionParser(), page(line), []);
      assert.ok('groups' in out, line);
      assert.deepEqual(
        out.groups.map((g) => [g.labels, g.pushTime, g.ambiguousInstance]),
        [[{ job: 'x' }, '1.7e+09', true]],
      );
    }
  });
});

describe('large hostile text listings finish in linear time', () => {
  const M = 1 << 21;
  const page = (line: string) => `${line}\npushgateway_build_info 1\n`;
  const cases: Record<string, string> = {
    'a long label value': page(`push_time_seconds{job="${'x'.repeat(M)}"} 1`),
    'many labels': page(
      `push_time_seconds{job="x"${Array.from({ length: M / 16 }, (_, i) => `,l${i}="v"`).join('')}} 1`,
    ),
    'a value of escapes': page(`push_time_seconds{job="${'\\\\'.repeat(M / 2)}"} 1`),
    'no "=" at all': page(`push_time_seconds{${'a'.repeat(M)}} 1`),
    'only "="': page(`push_time_seconds{a${'='.repeat(M)}} 1`),
    'many series': page(
      Array.from({ length: M / 40 }, (_, i) => `push_time_seconds{job="x${i}"} 1`).join('\n'),
    ),
    'many failure series': page(
      Array.from({ length: M / 48 }, (_, i) => `push_failure_time_seconds{job="x${i}"} 1`).join(
        '\n',
      ),
    ),
    'no newline at all': 'p'.repeat(M),
  };
  for (const [what, text] of Object.entries(cases)) {
    it(what, () => {
      const bytes = Buffer.from(text, 'utf8');
      const cuts = Array.from(
        { length: Math.floor(bytes.length / 65_536) },
        (_, i) => (i + 1) * 65_536,
      );
      const started = performance.now();
      run(createExpositionParser(), bytes, cuts);
      assert.ok(performance.now() - started < 5000, `took ${performance.now() - started} ms`);
    });
  }
});
