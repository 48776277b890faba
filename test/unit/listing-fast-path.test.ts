/**
 * The byte-level fast path must give exactly what JSON.parse gives, or step aside: for any group
 * text, readGroupFast either returns the facts readGroupByJsonParse returns, or undefined (and the
 * JSON.parse path then reads the group, or throws for it).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { readGroupByJsonParse } from '../../src/listing.ts';
import { readGroupFast } from '../../src/listing-fast-path.ts';
import { ListingSplitter, type MemberSpans } from '../../src/listing-splitter.ts';
import { DECLARED_TTL_METRIC } from '../../src/ttl.ts';

/** The group object's bytes and member spans, as the splitter hands them over. */
function split(groupText: string | Buffer): { json: Buffer; members: MemberSpans } | undefined {
  let out: { json: Buffer; members: MemberSpans } | undefined;
  const splitter = new ListingSplitter((json, members) => {
    out = { json, members };
  });
  try {
    splitter.push(
      Buffer.concat([
        Buffer.from('{"status":"success","data":['),
        Buffer.from(groupText),
        Buffer.from(']}'),
      ]),
    );
    splitter.finish();
  } catch {
    return undefined; // not structurally sound: the listing is refused before any group is read
  }
  return out;
}

type Outcome = { facts: unknown } | { throws: true };

function slow(json: Buffer, members: MemberSpans): Outcome {
  try {
    const g = readGroupByJsonParse(json, members);
    return {
      facts:
        g.keySource === 'labels'
          ? {
              labels: g.labels,
              pushTime: g.pushTime,
              pushFailureTime: g.pushFailureTime,
              declaredTtl: g.declaredTtl,
            }
          : { other: g },
    };
  } catch {
    return { throws: true };
  }
}

/** Asserts the contract for one group text; returns whether the fast path read it. */
function check(groupText: string | Buffer): boolean {
  const parts = split(groupText);
  if (!parts) return false;
  const fast = readGroupFast(parts.json, parts.members);
  if (fast === undefined) return false;
  const expected = slow(parts.json, parts.members);
  assert.deepEqual(
    { facts: { ...fast, labels: { ...fast.labels } } },
    'facts' in expected && expected.facts && typeof expected.facts === 'object'
      ? { facts: expected.facts }
      : expected,
    groupText.toString(),
  );
  // Same own keys in the same order, as JSON.parse builds them.
  assert.deepEqual(
    Object.keys(fast.labels),
    Object.keys((expected as { facts: { labels: object } }).facts.labels),
  );
  return true;
}

const realistic = JSON.stringify({
  job_duration_seconds: {
    help: 'How long the batch job ran.',
    metrics: [{ labels: { instance: '', job: 'etl', stage: 'load' }, value: '12.5' }],
    time_stamp: '2026-11-25T14:58:08.258042352Z',
    type: 'GAUGE',
  },
  labels: { job: 'etl', run_id: 'r-1', é: 'ü' },
  last_push_successful: true,
  pgsweep_ttl_seconds: {
    metrics: [{ labels: { instance: '', job: 'etl' }, value: '3600' }],
    time_stamp: '2026-11-25T14:58:08.258042352Z',
    type: 'GAUGE',
  },
  push_failure_time_seconds: {
    help: 'Last Unix time when changing this group in the Pushgateway failed.',
    metrics: [{ labels: { instance: '', job: 'etl', run_id: 'r-1' }, value: '0' }],
    time_stamp: '2026-11-25T14:58:08.258042352Z',
    type: 'GAUGE',
  },
  push_time_seconds: {
    help: 'Last Unix time when changing this group in the Pushgateway succeeded.',
    metrics: [{ labels: { instance: '', job: 'etl', run_id: 'r-1' }, value: '1.79e+09' }],
    time_stamp: '2026-11-25T14:58:08.258042352Z',
    type: 'GAUGE',
  },
});

describe('readGroupFast', () => {
  it('reads the shape the gateway writes, with the same facts as JSON.parse', () => {
    assert.equal(check(realistic), true, 'the fast path must take the common shape');
    const parts = split(realistic);
    assert.ok(parts);
    assert.deepEqual(readGroupFast(parts.json, parts.members), {
      labels: { job: 'etl', run_id: 'r-1', é: 'ü' },
      pushTime: '1.79e+09',
      pushFailureTime: '0',
      declaredTtl: '3600',
    });
  });

  it('decodes bytes that are not UTF-8 as JSON.parse sees them (U+FFFD), wherever they stand', () => {
    for (const bad of ['\xff', '\xe2\x82', '\xc3', 'a\xed\xa0\x80b']) {
      const bytes = Buffer.from(bad, 'latin1');
      const text = Buffer.from(realistic, 'utf8');
      const at = text.indexOf('r-1"');
      const group = Buffer.concat([text.subarray(0, at), bytes, text.subarray(at)]);
      assert.equal(check(group), true, bad);
    }
  });

  it('steps aside for what it does not read itself', () => {
    const cases = [
      // An escape in a kept string, a repeated name, a __proto__ label, an empty or missing job.
      realistic.replace('"run_id":"r-1"', '"run_id":"r\\u002d1"'),
      realistic.replace('"labels":{"job":"etl"', '"labels":{"job":"etl","job":"x"'),
      realistic.replace('"labels":{"job":"etl"', '"labels":{"__proto__":"x","job":"etl"'),
      realistic.replace('"labels":{"job":"etl"', '"labels":{"job":""'),
      realistic.replace('"labels":{"job":"etl","run_id":"r-1","é":"ü"}', '"labels":{"run_id":"r"}'),
      // The whole labels member repeated, or spelled with an escape.
      realistic.replace('"last_push_successful"', '"labels":{"job":"y"},"last_push_successful"'),
      realistic.replace('"labels":{"job":"etl","run_id"', '"l\\u0061bels":{"job":"etl","run_id"'),
      // Not the shapes: a number label value, a family that is not an object, an empty metrics.
      realistic.replace('"run_id":"r-1"', '"run_id":1'),
      realistic.replace(/"pgsweep_ttl_seconds":\{.*?"type":"GAUGE"\}/, '"pgsweep_ttl_seconds":[1]'),
      realistic.replace(
        /"metrics":\[\{"labels":\{"instance":"","job":"etl","run_id":"r-1"\},"value":"0"\}\]/,
        '"metrics":[]',
      ),
    ];
    for (const text of cases) {
      const parts = split(text);
      assert.ok(parts, text);
      assert.equal(readGroupFast(parts.json, parts.members), undefined, text);
    }
  });

  it('steps aside for text that is not JSON inside a read member', () => {
    // The splitter refuses such a listing first; the fast path checks what it reads all the same.
    const parts = split(realistic);
    assert.ok(parts);
    for (const [from, to] of [
      ['"type":"GAUGE"}}', '"type":0000001}}'],
      ['"value":"0"', '"value":tru'],
    ] as const) {
      const text: string = parts.json.toString('utf8').replace(from, to);
      assert.equal(
        Buffer.byteLength(text),
        parts.json.length,
        'same length: the member spans still hold',
      );
      assert.equal(split(text), undefined, to);
      assert.equal(readGroupFast(Buffer.from(text, 'utf8'), parts.members), undefined, to);
    }
  });

  it('agrees with JSON.parse on generated groups, valid or not', () => {
    const ws = fc.constantFrom('', '', '', ' ', '\n', '\t ', '\r\n');
    const str = fc.oneof(
      fc.constantFrom('job', 'instance', 'value', 'metrics', '__proto__', 'labels', '', 'é', 'a"b'),
      fc.string({ maxLength: 6 }),
      fc.string({ unit: 'binary', maxLength: 4 }),
    );
    // A string token: usually JSON.stringify's, sometimes with an escape or a raw control byte.
    const good = str.map((s) => JSON.stringify(s));
    const strTok = fc.oneof(
      { weight: 30, arbitrary: good },
      { weight: 1, arbitrary: str.map((s) => `"${s}\\u0041"`) },
      { weight: 1, arbitrary: str.map((s) => `"${s}\\/"`) },
      { weight: 1, arbitrary: fc.constantFrom('"\t"', '"\\x"', '"\\u12"', '"a\\\\"') },
    );
    const num = fc.constantFrom('0', '-1', '1.5', '1e+09', '2E-3', '01', '1.', '-', '1e', '.5');
    const lit = fc.constantFrom('true', 'false', 'null', 'tru', 'nul');
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        strTok,
        num,
        lit,
        fc
          .array(fc.tuple(ws, tie('value'), ws), { maxLength: 3 })
          .map((xs) => `[${xs.map(([a, v, b]) => a + v + b).join(',')}]`),
        fc
          .array(fc.tuple(strTok, ws, tie('value')), { maxLength: 3 })
          .map((xs) => `{${xs.map(([k, a, v]) => `${k}${a}:${a}${v}`).join(',')}}`),
      ),
    }));
    const pairs = fc.array(
      fc.tuple(
        strTok,
        ws,
        fc.oneof({ weight: 8, arbitrary: strTok }, { weight: 1, arbitrary: value }),
      ),
      { maxLength: 4 },
    );
    const labelsObj = fc
      .tuple(
        fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: strTok }),
        pairs,
        fc.nat(4).map((n) => n > 0),
      )
      .map(([job, xs, withJob]) => {
        const all = xs.map(([k, a, v]) => `${k}${a}:${a}${v}`);
        if (withJob) all.unshift(`"job":${job}`);
        return `{${all.join(',')}}`;
      });
    const sample = fc
      .tuple(
        labelsObj,
        fc.oneof({ weight: 6, arbitrary: strTok }, { weight: 1, arbitrary: value }),
        ws,
      )
      .map(([l, v, a]) => `{"labels":${l},${a}"value"${a}:${v}}`);
    const family = fc
      .tuple(
        fc.array(sample, { minLength: 1, maxLength: 3 }),
        fc.oneof({ weight: 4, arbitrary: strTok }, { weight: 1, arbitrary: value }),
        ws,
        fc.integer({ min: 0, max: 9 }),
      )
      .map(([samples, extra, a, shape]) => {
        const metrics = `"metrics"${a}:${a}[${samples.join(`,${a}`)}]`;
        if (shape === 0) return `{"help":"h","type":"GAUGE"}`;
        if (shape === 1) return `{${metrics},"x":${extra},${metrics}}`;
        return `{"help":${extra},${metrics},"type":"GAUGE"}`;
      });
    const family2 = fc.oneof({ weight: 8, arbitrary: family }, { weight: 1, arbitrary: value });
    const others = fc.array(
      fc.oneof(
        family2.map((f) => `"push_time_seconds":${f}`),
        family2.map((f) => `"push_failure_time_seconds":${f}`),
        family2.map((f) => `"${DECLARED_TTL_METRIC}":${f}`),
        value.map((v) => `"other":${v}`),
        labelsObj.map((l) => `"labels":${l}`),
      ),
      { maxLength: 4 },
    );
    let taken = 0;
    fc.assert(
      fc.property(labelsObj, others, fc.nat(5), ws, (labels, rest, at, a) => {
        const members = [...rest];
        members.splice(Math.min(at, members.length), 0, `"labels":${labels}`);
        if (check(`{${a}${members.join(`,${a}`)}${a}}`)) taken++;
      }),
      { numRuns: 3000 },
    );
    // The property must also have exercised the fast path, not only its refusals.
    assert.ok(taken > 150, `fast path taken only ${taken} times`);
  });
});
