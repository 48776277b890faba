/** The streaming listing parser gives the same groups however the bytes are chunked. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  createListingParser,
  type ListedGroup,
  parseGroup,
  parseListing,
} from '../../../src/wire/listing.ts';

function group(job: string, extra: Record<string, string>, value: string) {
  const labels = { job, ...extra };
  const family = (v: string) => ({
    time_stamp: '2026-11-25T14:58:08.258042352Z',
    type: 'GAUGE',
    help: 'with "quotes", \\ backslashes, [brackets] and {braces}',
    metrics: [{ labels: { instance: '', ...labels }, value: v }],
  });
  return {
    labels,
    last_push_successful: true,
    push_time_seconds: family(value),
    push_failure_time_seconds: family('0'),
  };
}

function parseChunked(body: Buffer, cuts: number[]): ListedGroup[] {
  const parser = createListingParser();
  const out: ListedGroup[] = [];
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    out.push(...parser.push(body.subarray(from, cut)));
    from = cut;
  }
  out.push(...parser.push(body.subarray(from)));
  out.push(...parser.finish().rest);
  return out;
}

describe('createListingParser', () => {
  const text = JSON.stringify({
    status: 'success',
    data: [
      group('a', { v: '"}],[{' }, '1.7e+09'),
      group('ü日本', { path: '/x\\y' }, '1'),
      group('e', { instance: '' }, '0'),
    ],
  });
  const body = Buffer.from(text, 'utf8');

  it('gives the same groups for every single split point', () => {
    const whole = parseListing(text);
    assert.equal(whole.length, 3);
    for (let cut = 0; cut <= body.length; cut++) {
      assert.deepEqual(parseChunked(body, [cut]), whole, `split at ${cut}`);
    }
  });

  it('gives the same groups for random chunkings, including byte-by-byte inside UTF-8', () => {
    const whole = parseListing(text);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: body.length }), { maxLength: 40 }),
        (cuts) => {
          assert.deepEqual(parseChunked(body, cuts), whole);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects every strict prefix of the body as incomplete', () => {
    for (let end = 0; end < body.length; end++) {
      assert.throws(
        () => parseChunked(body.subarray(0, end), []),
        /listing/,
        `prefix of ${end} bytes`,
      );
    }
  });

  it('rejects trailing garbage and a second top-level value', () => {
    assert.throws(() => parseListing(`${text}x`), /not valid JSON/);
    assert.throws(() => parseListing(`${text}{}`), /not valid JSON/);
  });

  it('reports the byte and group counts', () => {
    const parser = createListingParser();
    parser.push(body);
    assert.deepEqual(parser.finish(), { bytes: body.length, groups: 3, rest: [] });
  });
});

describe('createListingParser reads only the members it needs', () => {
  const listingOf = (...groups: string[]) => `{"status":"success","data":[${groups.join(',')}]}`;

  it('gives what parsing each whole group gives, for groups with many other members', () => {
    const whole = group('a', { run_id: 'r1' }, '1.7e+09');
    const padded = {
      batch_x: { metrics: [{ labels: { job: 'decoy' }, value: '"labels":{"job":"no"}' }] },
      ...whole,
      zz_last: { help: '}],{"push_time_seconds":', metrics: [] },
    };
    const [g] = parseListing(listingOf(JSON.stringify(padded)));
    assert.deepEqual(g, parseGroup(padded));
    assert.equal(g?.pushTime, '1.7e+09');
    assert.deepEqual(g?.labels, { job: 'a', run_id: 'r1' });
  });

  it('takes the last of duplicate members, as JSON.parse does', () => {
    const text =
      '{"labels":{"job":"first"},"push_time_seconds":{"metrics":[{"value":"1"}]},"labels":{"job":"last"}}';
    const [g] = parseListing(listingOf(text));
    assert.deepEqual(g?.labels, { job: 'last' });
  });

  it('reads a member whose name is written with escapes', () => {
    const text =
      '{"\\u006cabels":{"job":"esc"},"push\\u005ftime_seconds":{"metrics":[{"value":"5"}]}}';
    const [g] = parseListing(listingOf(text));
    assert.deepEqual(g?.labels, { job: 'esc' });
    assert.equal(g?.pushTime, '5');
  });

  it('rejects a group object whose members are malformed, even ones it does not read', () => {
    for (const bad of [
      '{"labels":{"job":"a"},}',
      '{"labels":{"job":"a"}]',
      '{,"labels":{"job":"a"}}',
      '{x"labels":{"job":"a"}}',
      '{"other":1,,"labels":{"job":"a"}}',
    ]) {
      assert.throws(() => parseListing(listingOf(bad)), /not valid JSON/, bad);
    }
  });

  it('rejects a malformed member it reads', () => {
    assert.throws(
      () => parseListing(listingOf('{"labels":{"job":"a"} "push_time_seconds":{}}')),
      /not valid JSON/,
    );
  });

  it('still reports a group that is not an object', () => {
    assert.throws(() => parseListing(listingOf('[1]')), /an array, not an object/);
    assert.throws(() => parseListing(listingOf('"x"')), /string, not an object/);
  });

  it('agrees with whole-group parsing on random groups and chunkings', () => {
    const value = fc.string({ unit: 'binary', maxLength: 8 });
    const labels = fc.dictionary(fc.constantFrom('job', 'instance', 'run_id', 'v'), value);
    const family = fc.record({
      help: value,
      metrics: fc.array(fc.record({ labels, value }), { maxLength: 2 }),
    });
    const groupObject = fc.dictionary(
      fc.constantFrom('labels', 'push_time_seconds', 'push_failure_time_seconds', 'batch_x', 'y'),
      fc.oneof(labels, family, fc.boolean()),
    );
    fc.assert(
      fc.property(fc.array(groupObject, { maxLength: 4 }), fc.nat(), (groups, cut) => {
        const body = Buffer.from(listingOf(...groups.map((g) => JSON.stringify(g))), 'utf8');
        const expected = groups.map((g) => parseGroup(g as Parameters<typeof parseGroup>[0]));
        assert.deepEqual(parseChunked(body, [cut % (body.length + 1)]), expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the listing is refused whenever JSON.parse refuses it, also inside members it skips', () => {
  const PUSH = '"push_time_seconds":{"metrics":[{"value":"1"}]}';
  /** A group whose member "x" (a family the parser does not read) holds `value`. */
  const withSkipped = (value: string) =>
    `{"status":"success","data":[{"labels":{"job":"a"},"x":${value},${PUSH}}]}`;
  /** Whole, and fed one byte at a time (every literal, number, escape and \u cut apart). */
  const outcomes = (body: string) => {
    const bytes = Buffer.from(body, 'utf8');
    const run = (cuts: number[]) => {
      try {
        return parseChunked(bytes, cuts).map((g) => [g.labels, g.pushTime]);
      } catch (err) {
        return err instanceof Error ? err.constructor.name : 'thrown';
      }
    };
    return [run([]), run(Array.from({ length: bytes.length }, (_, i) => i))];
  };
  const assertRefused = (body: string) => {
    assert.throws(() => JSON.parse(body), SyntaxError, `JSON.parse accepts ${body}`);
    assert.deepEqual(outcomes(body), ['ListingFormatError', 'ListingFormatError'], body);
  };
  const assertRead = (body: string) => {
    JSON.parse(body);
    const read = [[{ job: 'a' }, '1']];
    assert.deepEqual(outcomes(body), [read, read], body);
  };

  it('refuses the listing the fuzzing found (damage of every kind in a skipped member)', () => {
    assertRefused(
      '{"status":"success","data":[{"labels":{"job":"a"},"x":{"y":tru,"z":[1},"v":{],"w":"\\q\\u0001"},"push_time_seconds":{"metrics":[{"value":"1"}]}}]}',
    );
  });

  const RULES: Record<string, string[]> = {
    'brackets close what they opened': ['[1}', '{]', '{"a":[}]', '[{]}', '[[1]}', '{"a":{}]'],
    'an object holds "name":value pairs': [
      '{1:2}',
      '{"a" 1}',
      '{"a"}',
      '{"a":}',
      '{"a"::1}',
      '{:1}',
      '{"a":1:2}',
      '{true:1}',
      '{[]:1}',
    ],
    'object members are separated by single commas': [
      '{"a":1 "b":2}',
      '{"a":1,}',
      '{,"a":1}',
      '{"a":1,,"b":2}',
      '{"a":1}{"b":2}',
    ],
    'array values are separated by single commas': [
      '[1 2]',
      '["a""b"]',
      '[1,]',
      '[,1]',
      '[1,,2]',
      '[1:2]',
      '[{}{}]',
      '[[][]]',
    ],
    'a member has exactly one value': ['1 2', '"a" "b"', '{} []', 'true false', '', ' '],
    'literals are exactly true, false, null': [
      'tru',
      'nul',
      'fals',
      't',
      'True',
      'truee',
      'nulll',
      'flase',
      'rtue',
      'truefalse',
      'nan',
      '[tru]',
      '{"a":nul}',
    ],
    'numbers follow -?(0|[1-9]\\d*)(\\.\\d+)?([eE][+-]?\\d+)?': [
      '01',
      '00',
      '-01',
      '1.',
      '.5',
      '-.5',
      '-',
      '--1',
      '+1',
      '1e',
      '1e+',
      '1E+-2',
      '1ee5',
      '1.2.3',
      '1.e5',
      '1e5.5',
      '1-2',
      '[1.]',
      '{"a":-}',
    ],
    'escapes are \\ and one of "\\/bfnrt, or \\u and 4 hex digits': [
      '"\\q"',
      '"\\x41"',
      '"\\\'"',
      '"\\ "',
      '"\\U0041"',
      '"\\u"',
      '"\\u12"',
      '"\\u12G4"',
      '"\\u00e"',
      '"a\\',
      '{"\\a":1}',
    ],
    'strings hold no raw control bytes': [
      '"\u0000"',
      '"a\u0001b"',
      '"\t"',
      '"\n"',
      '"\r"',
      '"\u001f"',
      '{"a\u0002":1}',
    ],
  };
  for (const [rule, values] of Object.entries(RULES)) {
    it(`refuses a skipped member that breaks the rule: ${rule}`, () => {
      for (const value of values) assertRefused(withSkipped(value));
    });
  }

  it('refuses the same damage in the envelope, between groups and as a group', () => {
    for (const body of [
      '{"status":"success","x":[1},"data":[]}',
      '{"status":"success","x":tru,"data":[]}',
      '{"status":"success","x":"\\q","data":[]}',
      '{"status":"success","data":[1}',
      '{"status":"success","data":[01]}',
      '{"status":"success","data":["\\q"]}',
      '{"status":"success","data":[tru]}',
      '{"status":"success","data":{]}',
    ]) {
      assertRefused(body);
    }
  });

  it('reads every valid spelling of them, however the bytes are cut', () => {
    for (const value of [
      '[1,2]',
      '{"a":[{}],"b":{"c":[]}}',
      ' { "a" : [ 1 , 2 ] , "b" : { } } ',
      '[true,false,null]',
      '0',
      '-0',
      '0.5e-7',
      '-12.50E+02',
      '1e400',
      '123456789012345678901234567890',
      '"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\ude80\\ud800"',
      '{"\\u0061":1,"":[""]}',
      '"\u007f é 日本 🚀"',
    ]) {
      assertRead(withSkipped(value));
    }
  });

  it('still accepts invalid UTF-8 inside strings (JSON.parse reads it as U+FFFD)', () => {
    for (const hex of ['ff', 'c0af', 'eda080', 'e282', 'f4908080', 'c3']) {
      const body = Buffer.concat([
        Buffer.from('{"status":"success","data":[{"labels":{"job":"a"},"x":"a'),
        Buffer.from(hex, 'hex'),
        Buffer.from(`b",${PUSH}}]}`),
      ]);
      JSON.parse(body.toString('utf8'));
      const cuts = Array.from({ length: body.length }, (_, i) => i);
      for (const c of [[], cuts])
        assert.deepEqual(
          parseChunked(body, c).map((g) => [g.labels, g.pushTime]),
          [[{ job: 'a' }, '1']],
          hex,
        );
    }
  });
});
