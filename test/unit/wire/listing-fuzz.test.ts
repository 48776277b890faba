/**
 * Fuzzing the streaming JSON listing parser (splitter and JSON.parse of the read members together) with
 * hostile bytes and shapes. The reference is JSON.parse of the whole body plus parseGroup on each
 * element of `data`: the streaming parser must give exactly its groups, or a ListingFormatError
 * where it fails, whatever the chunking. Nothing else may be thrown, and no group whose key cannot
 * be rebuilt exactly may ever be planned for deletion. Seeds are fixed so CI runs are repeatable.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { planGroup, type Rules } from '../../../src/core/plan.ts';
import { groupPath, keyProblem } from '../../../src/wire/grouping-key.ts';
import {
  createListingParser,
  type ListedGroup,
  ListingFormatError,
  parseGroup,
} from '../../../src/wire/listing.ts';
import { decodeGroupPath } from '../../support/gateway-path-decoder.ts';
import { modelStore, renderJsonListing } from '../../support/gateway-render.ts';
import { cutsFor as cutsOf, feed, type Outcome } from '../../support/listing-feed.ts';

const SEED = 1414;
/** Everything is stale: every group the parsers let through with a usable key would be deleted. */
const SWEEP_ALL: Rules = { selectors: [], excludes: [], ttlMs: 0 };
const NOW_MS = 4e12;

/** The reference: JSON.parse of the whole body, then the envelope rules and parseGroup. */
function reference(body: Buffer): Outcome {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    return { error: 'not JSON' };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { error: 'not object' };
  const envelope = doc as Record<string, unknown>;
  if (envelope.status !== 'success') return { error: 'status' };
  if (!Array.isArray(envelope.data)) return { error: 'no data' };
  try {
    return { groups: envelope.data.map((g) => parseGroup(g as Parameters<typeof parseGroup>[0])) };
  } catch (err) {
    if (err instanceof ListingFormatError) return { error: 'group' };
    throw err;
  }
}

/** The streaming JSON parser fed `body` cut at `cuts`. */
function streamed(body: Buffer, cuts: readonly number[]): Outcome {
  return feed(createListingParser(), body, cuts);
}

/** Chunks down to one byte, up to seven. */
const cutsFor = (length: number) => cutsOf(length, 7);

/** The safety rule: a group planned for deletion has an exact key that its DELETE path names. */
function assertDeletionsExact(groups: readonly ListedGroup[]): void {
  for (const g of groups) {
    const plan = planGroup(g, NOW_MS, SWEEP_ALL);
    if (plan.action !== 'delete') continue;
    assert.ok(plan.key && g.labels, 'a deleted group has a key');
    assert.equal(keyProblem(plan.key), undefined);
    for (const v of Object.values(plan.key)) {
      assert.ok(!v.includes('\uFFFD') && v.isWellFormed(), `lossy value deleted: ${v}`);
    }
    assert.deepEqual(decodeGroupPath(groupPath(plan.key)), { ...plan.key });
  }
}

/**
 * Same outcome as the reference (errors compared as "an error", messages may differ). The one
 * agreed difference: a body with two "data" members is refused (JSON.parse keeps the last one;
 * the streaming parser has handed over the first one's groups by then).
 */
function assertSame(actual: Outcome, expected: Outcome, what: string, twoData = false): void {
  if (twoData && 'error' in actual) return;
  if ('error' in expected) {
    assert.ok('error' in actual, `${what}: accepted a listing JSON.parse refuses`);
  } else {
    assert.ok('groups' in actual, `${what}: refused a valid listing: ${JSON.stringify(actual)}`);
    assert.deepEqual(actual.groups, expected.groups, what);
  }
}

// ---------------------------------------------------------------------------------------------
// Generators. Bodies are byte buffers: some strings hold raw bytes that are not UTF-8.

const b = (...parts: (string | Buffer)[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
const join = (parts: readonly Buffer[], sep: string): Buffer =>
  b(...parts.flatMap((p, i) => (i === 0 ? [p] : [sep, p])));

const ws = fc.constantFrom('', '', '', '', ' ', '\n', '\r\n\t');

const hostileText = fc.oneof(
  fc.constantFrom(
    ...[
      ...['', 'a', 'x y', 'é', '日本', '🚀', '\uFFFD', '\u0000', '.', '..', '/', '%2F', '=', '+'],
      ...['job', 'instance', '__proto__', 'constructor', 'toString', 'labels', 'value', 'metrics'],
      ...['push_time_seconds', 'a"b', 'a\\b', '\n', '\r', '<&>', '\u2028', 'U__x', '9x', 'data'],
    ],
  ),
  fc.string({ unit: 'binary', maxLength: 5 }),
  fc.string({ maxLength: 5 }),
);

/** Valid JSON string tokens, several spellings: plain, escaped, raw non-UTF-8 bytes (lossy). */
const validString = fc.oneof(
  { weight: 12, arbitrary: hostileText.map((s) => b(JSON.stringify(s))) },
  {
    weight: 1,
    arbitrary: hostileText.map((s) =>
      b(
        `"${[...s].map((c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`).join('')}"`,
      ),
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        ...[
          '"\\ud800"',
          '"a\\udc00"',
          '"\\ud83d\\ude80"',
          '"\\u0000"',
          '"\\/"',
          '"\\ufffd"',
          '"\\u006aob"',
        ],
      )
      .map((s) => b(s)),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        ...['ff', 'c0af', 'e080af', 'eda080', 'e282', 'f4908080', 'c3', 'efbbbf', 'f09f9a80'],
      )
      .map((hex) => b('"a', Buffer.from(hex, 'hex'), 'b"')),
  },
);
/** Strings JSON.parse refuses: a raw control byte, a bad escape, an unterminated one. */
const badString = fc.constantFrom(
  ...['"a\u0000"', '"\t"', '"\\x41"', '"\\u12"', '"\\"', '"a\nb"', '"\\ud8"'].map((s) => b(s)),
);
const validNumber = fc
  .constantFrom(
    ...['0', '-0', '1', '1e400', '-1e400', '1.7e+09', '1E-400', '123456789012345678901234567890'],
  )
  .map((s) => b(s));
const badNumber = fc
  .constantFrom('01', '1.', '.5', '-', '+1', 'NaN', 'Infinity', '1e')
  .map((s) => b(s));
const literal = fc.constantFrom('true', 'false', 'null').map((s) => b(s));
const badLiteral = fc.constantFrom('tru', 'nul', 'True', 'undefined').map((s) => b(s));

/**
 * Any JSON value; `bad` lets invalid tokens and containers in (a wrong closing bracket, missing or
 * extra commas, a member without its colon or with a name that is not a string).
 */
function jsonValue(bad: boolean) {
  const scalar = bad
    ? fc.oneof(
        { weight: 8, arbitrary: fc.oneof(validString, validNumber, literal) },
        { weight: 1, arbitrary: fc.oneof(badString, badNumber, badLiteral) },
      )
    : fc.oneof(validString, validNumber, literal);
  // 0: valid; 1 to 5: a broken container (one in about eight when `bad`).
  const form = fc.nat(bad ? 40 : 0);
  const { value } = fc.letrec<{ value: Buffer }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      scalar,
      fc.tuple(fc.array(fc.tuple(ws, tie('value')), { maxLength: 3 }), form).map(([xs, f]) => {
        const items = xs.map(([w, v]) => b(w, v));
        if (f === 1) return b('[', join(items, ','), '}');
        if (f === 2) return b('[', join(items, ' '), ']');
        if (f === 3) return b('[', join(items, ','), ',]');
        if (f === 4) return b('[,', join(items, ','), ']');
        if (f === 5) return b('[', join(items, ':'), ']');
        return b('[', join(items, ','), ']');
      }),
      fc
        .tuple(fc.array(fc.tuple(validString, ws, tie('value')), { maxLength: 3 }), form)
        .map(([xs, f]) => {
          const members = xs.map(([k, w, v]) =>
            f === 4 ? b(k, w, v) : f === 5 ? b('1', w, ':', v) : b(k, w, ':', w, v),
          );
          if (f === 1) return b('{', join(members, ','), ']');
          if (f === 2) return b('{', join(members, ' '), '}');
          if (f === 3) return b('{', join(members, ','), ',}');
          return b('{', join(members, ','), '}');
        }),
    ),
  }));
  return value;
}
const anyValue = jsonValue(false);
const anyValueOrBad = jsonValue(true);

/** A label name or group member name, sometimes spelled with an escape. */
const name = (common: readonly string[]) =>
  fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom(...common).map((n) => b(JSON.stringify(n))) },
    { weight: 2, arbitrary: validString },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(...common)
        .filter((n) => n.length > 1)
        .map((n) => b(`"\\u${n.charCodeAt(0).toString(16).padStart(4, '0')}${n.slice(1)}"`)),
    },
  );

/** The shapes a group's members take; `bad` lets invalid JSON into them. */
function shapes(bad: boolean) {
  const loose = bad ? anyValueOrBad : anyValue;
  /** A labels map: duplicate names (job twice), __proto__, constructor, odd values and shapes. */
  const labelMap = fc
    .tuple(
      fc.array(
        fc.tuple(
          name(['job', 'job', 'instance', 'run_id', '__proto__', 'constructor', 'a']),
          ws,
          fc.oneof({ weight: 12, arbitrary: validString }, { weight: 1, arbitrary: loose }),
        ),
        { minLength: 0, maxLength: 5 },
      ),
      fc.oneof({ weight: 6, arbitrary: validString }, { weight: 1, arbitrary: loose }),
      fc.nat(5),
    )
    .map(([pairs, job, at]) => {
      const members = pairs.map(([n, w, v]) => b(n, w, ':', w, v));
      if (at > 0) members.splice(at % (members.length + 1), 0, b('"job":', job));
      return b('{', join(members, ','), '}');
    });

  const pushValue = fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .constantFrom(
          ...['1.7956186882580423e+09', '0', '-0', '1e+300', '1e400', 'NaN', '+Inf', '-Inf', '-5'],
          ...['9e+18', '', ' 1', '0x10', 'Infinity', '1.79e+09', '\uFFFD'],
        )
        .map((v) => b(JSON.stringify(v))),
    },
    { weight: 1, arbitrary: loose },
  );

  const sample = fc
    .tuple(labelMap, pushValue, fc.nat(6))
    .map(([labels, value, shape]) =>
      shape === 0
        ? b('{"labels":', labels, '}')
        : shape === 1
          ? b('{"value":', value, ',"labels":', labels, ',"value":"1"}')
          : b('{"labels":', labels, ',"value":', value, '}'),
    );

  const family = fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .tuple(fc.array(sample, { maxLength: 3 }), anyValue, fc.nat(8))
        .map(([samples, extra, shape]) => {
          const metrics = b('"metrics":[', join(samples, ','), ']');
          if (shape === 0) return b('{"help":', extra, ',"type":"GAUGE"}');
          if (shape === 1) return b('{', metrics, ',"metrics":[{"value":"2"}]}');
          if (shape === 2) return b('{"metrics":', extra, '}');
          return b('{"help":', extra, ',', metrics, ',"time_stamp":"2026-11-25T14:58:08Z"}');
        }),
    },
    { weight: 1, arbitrary: loose },
  );
  return { labelMap, family, any: fc.oneof(labelMap, family, loose) };
}
// Invalid JSON also in members the parser skips: the listing must be refused all the same.
const readShapes = shapes(true);
const otherShapes = shapes(true);

/** Group member names: the read ones (some escaped), the fixed two, and odd family names. */
const READ = ['labels', 'push_time_seconds', 'push_failure_time_seconds', 'pgsweep_ttl_seconds'];
const readName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...READ).map((n) => b(JSON.stringify(n))) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(...READ)
      .map((n) => b(`"\\u${n.charCodeAt(0).toString(16).padStart(4, '0')}${n.slice(1)}"`)),
  },
);
/** Names of members the parser skips. */
const otherName = fc
  .constantFrom('last_push_successful', '', 'x y', '__proto__', 'constructor', 'zz', 'labelsx')
  .map((n) => b(JSON.stringify(n)));

/** A group object: usually a real one, with members added, repeated and reordered. */
const groupObject = fc
  .tuple(
    readShapes.labelMap,
    readShapes.family,
    fc.array(
      fc.oneof(fc.tuple(readName, ws, readShapes.any), fc.tuple(otherName, ws, otherShapes.any)),
      { maxLength: 4 },
    ),
    fc.nat(10),
    ws,
  )
  .map(([labels, push, extra, at, w]) => {
    const members = [b('"labels":', labels), b('"push_time_seconds":', push)];
    for (const [n, a, v] of extra) members.splice(at % (members.length + 1), 0, b(n, a, ':', a, v));
    return b('{', w, join(members, `,${w}`), w, '}');
  });

const element = fc.oneof(
  { weight: 12, arbitrary: groupObject },
  {
    weight: 1,
    arbitrary: fc.constantFrom('null', '1', '"x"', '[]', '{}', '[{}]').map((s) => b(s)),
  },
);

/** The `data` array's inside, with hostile separators now and then. */
const dataItems = fc.tuple(fc.array(element, { maxLength: 4 }), fc.nat(30)).map(([items, sep]) => {
  if (sep === 0) return join(items, '');
  if (sep === 1) return b(',', join(items, ','));
  if (sep === 2) return b(join(items, ','), ',');
  if (sep === 3) return join(items, ',,');
  return join(items, ', ');
});

/** The envelope, with hostile variants around the data array. */
const listing = fc
  .tuple(dataItems, fc.nat(40), validString, anyValue)
  .map(([data, variant, str, value]) => {
    const d = b('[', data, ']');
    switch (variant) {
      case 0:
        return b('{"data":', d, '}');
      case 1:
        return b('{"status":"error","errorType":"x","error":', str, ',"data":', d, '}');
      case 2:
        return b('{"status":"success","data":', value, '}');
      case 3:
        return b('{"status":"success","data":', d, ',"data":[]}');
      case 4:
        return b('{"status":"success","data":[],"data":', d, '}');
      case 5:
        return b('{"status":"success","d\\u0061ta":', d, '}');
      case 6:
        return b('{"status":"succ\\u0065ss","data":', d, '}');
      case 7:
        return b('{"status":"success","data":', d, '}x');
      case 8:
        return b('{"status":"success","data":', d, '}{"status":"success","data":[]}');
      case 9:
        return b(Buffer.from('efbbbf', 'hex'), '{"status":"success","data":', d, '}');
      case 10:
        return b('\u0000{"status":"success","data":', d, '}');
      case 11:
        return b('{"status":"success","data":', d, ',"status":"error"}');
      case 12:
        return b('{"data":', d, ',"status":"success"}\n \t');
      case 13:
        return b('{"status":"success","x":', value, ',"data":', d, '}');
      case 14:
        return b('{"status":"success","data":', d, '}]');
      case 15:
        return b('[{"status":"success","data":', d, '}]');
      case 16:
        return b('{"status":"success","data":', d);
      case 17:
        return b('{"status":"success" "data":', d, '}');
      case 18:
        return b('{"status":', str, ',"data":', d, '}');
      default:
        return b('\n {"status":"success",\n"data":', d, '}');
    }
  });

describe('fuzz: JSON listing, hostile shapes', () => {
  it('gives what JSON.parse of the whole body gives, or a listing error, for any chunking', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        listing.chain((body) => fc.tuple(fc.constant(body), cutsFor(body.length))),
        ([body, cuts]) => {
          const expected = reference(body);
          const whole = streamed(body, []);
          const twoData = body.includes('"data":[],"data":') || body.includes('],"data":[]}');
          assertSame(whole, expected, `whole ${body.toString('latin1')}`, twoData);
          assert.deepEqual(streamed(body, cuts), whole, 'chunking changed the outcome');
          if ('groups' in whole) {
            accepted++;
            assertDeletionsExact(whole.groups);
          } else refused++;
        },
      ),
      { numRuns: 2500, seed: SEED, includeErrorInReport: true },
    );
    // Both sides of the property were exercised.
    assert.ok(accepted > 300 && refused > 300, `accepted ${accepted}, refused ${refused}`);
  });
});

/** Byte-level damage: flipped bits, bytes set, inserted, deleted or repeated, a cut-off end. */
const damage = (maxLength: number) =>
  fc.array(
    fc.record({
      kind: fc.constantFrom('flip', 'set', 'insert', 'delete', 'repeat', 'cut'),
      at: fc.nat(),
      bit: fc.nat(7),
      byte: fc.oneof(
        fc.constantFrom(...'"\\{}[],: \n0ntf'.split('').map((c) => c.charCodeAt(0))),
        fc.integer({ min: 0, max: 255 }),
      ),
      length: fc.integer({ min: 1, max: 12 }),
    }),
    { minLength: 1, maxLength },
  );

function applyDamage(body: Buffer, hits: readonly Hit[]): Buffer {
  let out: Buffer = Buffer.from(body);
  for (const hit of hits) {
    const at = out.length === 0 ? 0 : hit.at % out.length;
    const byte = Buffer.from([hit.byte]);
    if (hit.kind === 'flip' && out.length > 0) out[at] = (out[at] as number) ^ (1 << hit.bit);
    else if (hit.kind === 'set' && out.length > 0) out[at] = hit.byte;
    else if (hit.kind === 'insert') out = b(out.subarray(0, at), byte, out.subarray(at));
    else if (hit.kind === 'delete') out = b(out.subarray(0, at), out.subarray(at + hit.length));
    else if (hit.kind === 'repeat')
      out = b(
        out.subarray(0, at + hit.length),
        out.subarray(at, at + hit.length),
        out.subarray(at + hit.length),
      );
    else if (hit.kind === 'cut') out = out.subarray(0, at);
  }
  return out;
}
type Hit = { kind: string; at: number; bit: number; byte: number; length: number };

/** A model store's JSON listing, up to `maxHits` spots of damage for it, and chunk boundaries. */
const damagedListing = (maxHits: number) =>
  modelStore.chain((store) => {
    const body = b(renderJsonListing(store));
    return fc.tuple(fc.constant(body), damage(maxHits), cutsFor(body.length));
  });

/**
 * The damaged listing read whole and in pieces, held to JSON.parse of the whole body. No allowance
 * for damage in bytes the parser skips (a family it does not read): a listing JSON.parse refuses
 * is refused, wherever the damage is.
 */
function readDamaged(intact: Buffer, hits: readonly Hit[], cuts: readonly number[]): Outcome {
  const body = applyDamage(intact, hits);
  const whole = streamed(body, []);
  assert.deepEqual(streamed(body, cuts), whole, 'chunking changed the outcome');
  const twoData = body.toString('latin1').split('"data"').length > 2;
  assertSame(whole, reference(body), `damaged ${body.toString('latin1')}`, twoData);
  return whole;
}

describe('fuzz: JSON listing, damaged bytes', () => {
  it('one damaged spot: refused exactly when JSON.parse refuses it, else read as JSON.parse reads it', () => {
    let refused = 0;
    let read = 0;
    fc.assert(
      fc.property(damagedListing(1), ([intact, hits, cuts]) => {
        const whole = readDamaged(intact, hits, cuts);
        if ('error' in whole) refused++;
        else {
          read++;
          assertDeletionsExact(whole.groups);
        }
      }),
      { numRuns: 2500, seed: SEED, includeErrorInReport: true, endOnFailure: true },
    );
    assert.ok(refused > 1000 && read > 100, `${refused} refused, ${read} read`);
  });

  it('several damaged spots: refused exactly when JSON.parse refuses it, for any chunking', () => {
    fc.assert(
      fc.property(damagedListing(4), ([intact, hits, cuts]) => {
        const whole = readDamaged(intact, hits, cuts);
        if ('groups' in whole) assertDeletionsExact(whole.groups);
      }),
      { numRuns: 1000, seed: SEED, includeErrorInReport: true, endOnFailure: true },
    );
  });
});

/** A group as the tests below spell it: a key and a push time. */
const g = (job: string, pushTime: string) =>
  `{"labels":{"job":"${job}"},"push_time_seconds":{"metrics":[{"value":"${pushTime}"}]}}`;
const facts = (body: string) => {
  const out = streamed(Buffer.from(body, 'utf8'), []);
  return 'groups' in out ? out.groups.map((x) => [x.labels, x.pushTime]) : out;
};

describe('listing bytes the fuzzing found misread (regressions)', () => {
  it('refuses a damaged quote that would give one group the push time of the next', () => {
    // One bit flipped ("q" closed by `b`, not `"`) in group a's help text: the scan read the rest
    // inverted until an escaped quote in b's help text, and took b's push time ("1") for group a.
    const body =
      '{"status":"success","data":[{"labels":{"job":"a"},"push_time_seconds":{"metrics":[{"value":"1.9e+09"}]},"zz":{"help":"qb}},' +
      '{"labels":{"job":"b"},"m_total":{"help":"\\"","metrics":[]},"push_time_seconds":{"metrics":[{"value":"1"}]}}]}';
    assert.throws(() => JSON.parse(body));
    assert.deepEqual(facts(body), {
      error: 'listing is not valid JSON: unexpected "l" at byte 125',
    });
    // The same with the quote intact: both groups with their own push times.
    assert.deepEqual(facts(body.replace('"qb}}', '"q"}}')), [
      [{ job: 'a' }, '1.9e+09'],
      [{ job: 'b' }, '1'],
    ]);
  });

  it('refuses bytes between strings that JSON does not allow', () => {
    const body = `{"status":"success","data":[{"labels":{"job":"a"},"x":"a"b"c","push_time_seconds":{"metrics":[{"value":"1"}]}}]}`;
    assert.ok('error' in facts(body));
  });

  it('refuses a "data" array with missing, leading, trailing or doubled commas', () => {
    for (const inside of [
      `${g('a', '1')}${g('b', '2')}`,
      `,${g('a', '1')}`,
      `${g('a', '1')},`,
      `${g('a', '1')},,${g('b', '2')}`,
      `1${g('a', '1')}`,
    ]) {
      const body = `{"status":"success","data":[${inside}]}`;
      assert.throws(() => JSON.parse(body));
      assert.ok('error' in facts(body), inside);
    }
    assert.deepEqual(facts(`{"status":"success","data":[ ${g('a', '1')} , ${g('b', '2')} ]}`), [
      [{ job: 'a' }, '1'],
      [{ job: 'b' }, '2'],
    ]);
  });

  it('reads a "data" key spelled with an escape, as JSON.parse does', () => {
    assert.deepEqual(facts(`{"status":"success","d\\u0061ta":[${g('a', '1')}]}`), [
      [{ job: 'a' }, '1'],
    ]);
  });

  it('refuses two "data" members (JSON.parse would keep only the last)', () => {
    for (const body of [
      `{"status":"success","data":[${g('a', '1')}],"data":[]}`,
      `{"status":"success","data":[${g('a', '1')}],"d\\u0061ta":[]}`,
    ]) {
      assert.deepEqual(JSON.parse(body).data, []);
      assert.deepEqual(facts(body), { error: 'listing has more than one "data" member' });
    }
  });
});

describe('listings nested 100,000 deep', () => {
  const N = 100_000;
  const deepArray = `${'['.repeat(N)}${']'.repeat(N)}`;
  const deepObject = `${'{"a":'.repeat(N)}1${'}'.repeat(N)}`;
  const cases: Record<string, string> = {
    'in the envelope': `{"status":"success","x":${deepArray},"data":[${g('a', '1')}]}`,
    'as a group': `{"status":"success","data":[${deepArray}]}`,
    'in a family it skips': `{"status":"success","data":[{"labels":{"job":"a"},"zz":${deepObject}}]}`,
    'in the labels': `{"status":"success","data":[{"labels":{"job":"a","x":${deepArray}}}]}`,
    'in push_time_seconds': `{"status":"success","data":[{"labels":{"job":"a"},"push_time_seconds":{"metrics":[{"value":"1","x":${deepObject}}]}}]}`,
    unbalanced: `{"status":"success","data":[{"labels":{"job":"a"},"zz":${'['.repeat(N)}}]}`,
  };
  for (const [where, body] of Object.entries(cases)) {
    it(`${where}: groups or a listing error, never a stack overflow`, () => {
      const bytes = Buffer.from(body, 'utf8');
      const whole = streamed(bytes, []);
      assertSame(whole, reference(bytes), where);
      assert.deepEqual(streamed(bytes, [1, 7, 4099, 65_536, 100_003]), whole);
    });
  }
});

describe('large hostile listings finish in linear time', () => {
  // 2 MiB each: linear work takes tens of milliseconds, anything quadratic takes minutes.
  const M = 1 << 21;
  const env = (inside: string) => `{"status":"success","data":[${inside}]}`;
  const cases: Record<string, string> = {
    'a help text of backslashes': env(
      `{"labels":{"job":"a"},"h":{"help":"${'\\\\'.repeat(M / 2)}"}}`,
    ),
    'a label value of backslashes': env(`{"labels":{"job":"${'\\\\'.repeat(M / 2)}"}}`),
    'a label value of escaped quotes': env(`{"labels":{"job":"${'\\"'.repeat(M / 2)}"}}`),
    'many members': env(`{"labels":{"job":"a"}${',"x":1'.repeat(M / 6)}}`),
    'many labels': env(
      `{"labels":{"job":"a"${Array.from({ length: M / 16 }, (_, i) => `,"l${i}":"v"`).join('')}}}`,
    ),
    'one label repeated': env(`{"labels":{"job":"a"${',"job":"v"'.repeat(M / 10)}}}`),
    'push_time_seconds repeated': env(
      `{"labels":{"job":"a"}${',"push_time_seconds":{"metrics":[{"value":"1"}]}'.repeat(M / 48)}}`,
    ),
    'many top-level members': `{"status":"success"${',"a":1'.repeat(M / 6)},"data":[]}`,
    'a long status': `{"status":"${'x'.repeat(M)}","data":[]}`,
  };
  for (const [what, body] of Object.entries(cases)) {
    it(what, () => {
      const bytes = Buffer.from(body, 'utf8');
      const cuts = Array.from(
        { length: Math.floor(bytes.length / 65_536) },
        (_, i) => (i + 1) * 65_536,
      );
      const started = performance.now();
      streamed(bytes, cuts);
      assert.ok(performance.now() - started < 5000, `took ${performance.now() - started} ms`);
    });
  }
});
