/**
 * Property tests for the parsers and encoders that see untrusted input: durations, selectors,
 * grouping-key paths and Go float strings. Run counts are bounded so the file stays fast; on a
 * failure fast-check prints the seed and the shrunk counterexample.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatDuration, parseDuration } from '../../../src/core/duration.ts';
import { MatcherSyntaxError, matchesSelector, parseSelector } from '../../../src/core/matchers.ts';
import { parseGoFloat } from '../../../src/wire/go-float.ts';
import { groupPath, labelsOfPath } from '../../../src/wire/grouping-key.ts';
import type { Labels } from '../../../src/wire/labels.ts';
import { decodeGroupPath } from '../../support/gateway-path-decoder.ts';
import { goFloat } from '../../support/gateway-render.ts';

/** Any UTF-16 string, lone surrogates included. */
const anyUtf16 = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  maxLength: 40,
});
/** Any well-formed string over the whole Unicode range. */
const anyUnicode = fc.string({ unit: 'binary', maxLength: 40 });

/** Strings built from the pieces each grammar cares about, so parsers get past the first byte. */
function fragments(pieces: readonly string[], maxLength = 12) {
  return fc
    .array(fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 3 })), { maxLength })
    .map((parts) => parts.join(''));
}

const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,15}$/);

describe('fuzz: durations', () => {
  const durationish = fragments([
    '0',
    '1',
    '9',
    '12',
    '007',
    '99999999999999999999',
    'y',
    'w',
    'd',
    'h',
    'm',
    's',
    'ms',
    '.',
    ' ',
    '-',
    '+',
    'e',
  ]);

  it('parseDuration never throws, and returns a safe whole ms or a message', () => {
    fc.assert(
      fc.property(fc.oneof(anyUtf16, durationish), (text) => {
        const r = parseDuration(text);
        if (r.ok) {
          assert.ok(Number.isSafeInteger(r.ms) && r.ms >= 0, `${JSON.stringify(text)} -> ${r.ms}`);
        } else {
          assert.equal(typeof r.error, 'string');
          assert.ok(r.error.length > 0);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('formatDuration round-trips through parseDuration for 1 ms .. 1e12 ms', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e12 }), (ms) => {
        const text = formatDuration(ms);
        assert.deepEqual(parseDuration(text), { ok: true, ms }, text);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('fuzz: selectors', () => {
  const selectorish = fragments([
    '{',
    '}',
    ',',
    '=',
    '!=',
    '=~',
    '!~',
    '"',
    "'",
    '`',
    '\\',
    '\\x4',
    '\\u12',
    '\\U0011',
    '\\U0011ffff',
    '\\xZZ',
    'job',
    '_a1',
    ' ',
    '(',
    ')',
    '[',
    '.*',
    '(?i)',
    '(?=',
    '\\1',
    '|',
  ]);

  /** Nearly valid selectors: a name, an operator and a quoted value full of escapes. */
  const nearlyValid = fc
    .tuple(
      fc.boolean(),
      labelName,
      fc.constantFrom('=', '!=', '=~', '!~'),
      fc.constantFrom('"', "'", '`'),
      fragments(
        [
          '\\',
          '\\n',
          '\\x41',
          '\\xZ',
          '\\u00e9',
          '\\uD800',
          '\\U0010ffff',
          '\\U00110000',
          '\\UFFFFFFFF',
          '\\q',
          '"',
          "'",
          '(',
          ')',
          '*',
          '+',
          '?',
          '(?i)',
          '(?<n>a)',
          '\\k<n>',
          '.',
        ],
        6,
      ),
      fc.constantFrom('"', "'", '`', ''),
      fc.constantFrom('}', '', ',}', ', x="1"}'),
    )
    .map(
      ([braced, name, op, open, body, close, end]) =>
        `${braced ? '{' : ''}${name}${op}${open}${body}${close}${braced ? end : ''}`,
    );

  it('parseSelector throws nothing but MatcherSyntaxError', () => {
    fc.assert(
      fc.property(fc.oneof(anyUtf16, selectorish, nearlyValid), (text) => {
        try {
          const s = parseSelector(text);
          assert.ok(s.length > 0, 'an accepted selector has matchers');
          // Whatever was accepted must also be usable without throwing.
          matchesSelector({ job: 'x' }, s);
        } catch (e) {
          if (!(e instanceof MatcherSyntaxError)) {
            assert.fail(`${JSON.stringify(text)} threw ${String(e)}`);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('a JSON-quoted value parses back exactly and matches a label with that value', () => {
    fc.assert(
      fc.property(
        labelName,
        fc.oneof(anyUtf16, anyUnicode),
        fc.boolean(),
        (name, value, braced) => {
          const body = `${name}=${JSON.stringify(value)}`;
          const s = parseSelector(braced ? `{${body}}` : body);
          assert.deepEqual(s, [{ name, op: '=', value }]);
          const labels: Labels = { [name]: value };
          assert.equal(matchesSelector(labels, s), true);
          assert.equal(matchesSelector({ [name]: `${value}x` }, s), false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('several JSON-quoted matchers parse back in order and all hold for their labels', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(labelName, anyUtf16), {
          minLength: 1,
          maxLength: 5,
          selector: ([n]) => n,
        }),
        (pairs) => {
          const text = `{${pairs.map(([n, v]) => `${n}!=${JSON.stringify(`${v}!`)}, ${n}=${JSON.stringify(v)}`).join(' , ')}}`;
          const s = parseSelector(text);
          assert.equal(s.length, pairs.length * 2);
          pairs.forEach(([n, v], i) => {
            assert.deepEqual(s[2 * i], { name: n, op: '!=', value: `${v}!` });
            assert.deepEqual(s[2 * i + 1], { name: n, op: '=', value: v });
          });
          assert.equal(matchesSelector(Object.fromEntries(pairs), s), true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('fuzz: grouping-key paths', () => {
  const TRICKY = [
    '',
    '.',
    '..',
    '...',
    '/',
    '//',
    '/./',
    '%',
    '%2F',
    ' ',
    '\n',
    '=',
    '+',
    '@base64',
  ];
  const value = fc.oneof(
    fc.constantFrom(...TRICKY),
    anyUnicode,
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fragments(TRICKY, 6),
  );
  const name = labelName.filter((n) => !n.startsWith('__') && !n.startsWith('U__'));
  const labelsArb = fc
    .tuple(value, fc.dictionary(name, value, { maxKeys: 6, noNullPrototype: true }))
    .map(([job, rest]): Labels => ({ ...rest, job }));

  it('groupPath decodes back to exactly the labels, with only safe segments', () => {
    fc.assert(
      fc.property(labelsArb, (labels) => {
        const path = groupPath(labels);
        const segments = path.slice('metrics/'.length).split('/');
        // One name and one value segment per label: no raw '/' leaked out of a value.
        assert.equal(segments.length, 2 * Object.keys(labels).length, path);
        for (const seg of segments) {
          assert.ok(seg !== '' && seg !== '.' && seg !== '..', `bad segment in ${path}`);
        }
        // The decoder also rejects empty and dot segments and values decoding to '/' or dots.
        assert.deepEqual(decodeGroupPath(path), { ...labels });
        // pgsweep's own inverse, used to report groups it kept only as their path.
        assert.deepEqual(labelsOfPath(path), { ...labels });
      }),
      { numRuns: 1000 },
    );
  });
});

describe('fuzz: Go floats', () => {
  const floatish = fragments(['+', '-', '.', 'e', 'E', '0', '1', '9', 'Inf', 'NaN', ' ', 'x']);

  it('parseGoFloat never throws and always returns a number', () => {
    fc.assert(
      fc.property(fc.oneof(anyUtf16, floatish), (text) => {
        assert.equal(typeof parseGoFloat(text), 'number');
      }),
      { numRuns: 1000 },
    );
  });

  it('agrees with Number() on String(x) for every finite double', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const text = String(x);
        assert.ok(Object.is(parseGoFloat(text), Number(text)), text);
        assert.ok(Object.is(parseGoFloat(text), Object.is(x, -0) ? 0 : x), text);
      }),
      { numRuns: 1000 },
    );
  });

  it('reads Go spellings of every double, including +Inf, -Inf and NaN', () => {
    fc.assert(
      fc.property(fc.double(), (x) => {
        const text = goFloat(x);
        assert.ok(Object.is(parseGoFloat(text), x), `${text} -> ${parseGoFloat(text)}, want ${x}`);
      }),
      { numRuns: 1000 },
    );
    assert.equal(goFloat(1e6), '1e+06');
    assert.equal(goFloat(1_700_000_000.5), '1.7000000005e+09');
  });

  it('rejects the JavaScript spellings of infinity that Go never prints', () => {
    for (const x of [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const js = String(x);
      assert.ok(Number.isNaN(parseGoFloat(js)), js);
      assert.equal(Number(js), x);
    }
    assert.equal(parseGoFloat('+Inf'), Number.POSITIVE_INFINITY);
    assert.equal(parseGoFloat('-Inf'), Number.NEGATIVE_INFINITY);
  });
});
