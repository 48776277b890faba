/** The JSON listing's group object back to the text exposition format: exact, or refused. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupToExposition, RebuildError } from '../../../src/wire/exposition-write.ts';

const key = { job: 'j', instance: 'i' };
const own = (extra: Record<string, string> = {}) => ({ job: 'j', instance: 'i', ...extra });
const gauges = {
  push_time_seconds: { type: 'GAUGE', metrics: [{ labels: own(), value: '1.7e+09' }] },
  push_failure_time_seconds: { type: 'GAUGE', metrics: [{ labels: own(), value: '0' }] },
};

test('every metric type, with HELP and TYPE, values written as Go printed them', () => {
  const group = {
    labels: key,
    last_push_successful: true,
    ...gauges,
    c: { type: 'COUNTER', help: 'a counter', metrics: [{ labels: own(), value: '1.79e+09' }] },
    g: {
      type: 'GAUGE',
      time_stamp: '2026-11-25T14:58:08Z',
      metrics: [
        { labels: own({ a: 'x' }), value: 'NaN' },
        { labels: own({ a: 'y' }), value: '-Inf' },
        { labels: own({ a: 'z' }), value: '-0' },
      ],
    },
    h: {
      type: 'HISTOGRAM',
      metrics: [
        {
          labels: own(),
          buckets: { '+Inf': '4', '0.1': '1', '1e+06': '3', '10': '2' },
          count: '4',
          sum: '1e-05',
        },
      ],
    },
    s: {
      type: 'SUMMARY',
      metrics: [
        { labels: own(), quantiles: { '0.99': '1.5', '0.5': '+Inf' }, count: '20', sum: '10' },
      ],
    },
    u: { type: 'UNTYPED', metrics: [{ labels: own(), value: '9.007199254740992e+15' }] },
  };
  assert.equal(
    groupToExposition(group, key),
    [
      '# HELP c a counter',
      '# TYPE c counter',
      'c 1.79e+09',
      '# TYPE g gauge',
      'g{a="x"} NaN',
      'g{a="y"} -Inf',
      'g{a="z"} -0',
      '# TYPE h histogram',
      'h_bucket{le="0.1"} 1',
      'h_bucket{le="10"} 2',
      'h_bucket{le="1e+06"} 3',
      'h_bucket{le="+Inf"} 4',
      'h_sum 1e-05',
      'h_count 4',
      '# TYPE s summary',
      's{quantile="0.5"} +Inf',
      's{quantile="0.99"} 1.5',
      's_sum 10',
      's_count 20',
      '# TYPE u untyped',
      'u 9.007199254740992e+15',
      '',
    ].join('\n'),
  );
});

test('label values escape backslash, quote and newline; HELP escapes backslash and newline', () => {
  const group = {
    labels: key,
    m: {
      type: 'GAUGE',
      help: 'back\\slash "quoted"\nnext',
      metrics: [{ labels: own({ v: 'a\\b"c\nd Π' }), value: '1' }],
    },
  };
  assert.equal(
    groupToExposition(group, key),
    '# HELP m back\\\\slash "quoted"\\nnext\n# TYPE m gauge\nm{v="a\\\\b\\"c\\nd Π"} 1\n',
  );
});

test('grouping labels are left to the gateway; an empty instance the key lacks too', () => {
  const noInstance = { job: 'j' };
  const group = {
    labels: noInstance,
    m: {
      type: 'GAUGE',
      metrics: [
        { labels: { job: 'j', instance: '' }, value: '1' },
        { labels: { job: 'j', instance: 'own', x: '' }, value: '2' },
      ],
    },
  };
  assert.equal(
    groupToExposition(group, noInstance),
    '# TYPE m gauge\nm 1\nm{instance="own",x=""} 2\n',
  );
});

test('a family that hides `labels` or `last_push_successful` is written like any other', () => {
  const group = {
    labels: { type: 'GAUGE', metrics: [{ labels: own(), value: '5' }] },
    last_push_successful: { type: 'GAUGE', metrics: [{ labels: own(), value: '6' }] },
  };
  assert.equal(
    groupToExposition(group, key),
    '# TYPE labels gauge\nlabels 5\n# TYPE last_push_successful gauge\nlast_push_successful 6\n',
  );
});

test('a group holding only the gateway gauges is an empty body', () => {
  assert.equal(groupToExposition({ labels: key, last_push_successful: true, ...gauges }, key), '');
});

test('what the text format cannot carry exactly is refused, never guessed', () => {
  const family = (f: object) => ({ labels: key, m: { type: 'GAUGE', ...f } });
  const cases: Array<[string, object, RegExp]> = [
    [
      'a value that is not a number',
      family({ metrics: [{ labels: own(), value: '1,5' }] }),
      /not a number/,
    ],
    [
      'a number not as a string',
      family({ metrics: [{ labels: own(), value: 1 }] }),
      /not a string/,
    ],
    [
      'a native histogram',
      {
        labels: key,
        h: { type: 'HISTOGRAM', metrics: [{ labels: own(), buckets: [], count: '0', sum: '0' }] },
      },
      /native histogram/,
    ],
    [
      'a count a float cannot hold',
      {
        labels: key,
        s: {
          type: 'SUMMARY',
          metrics: [{ labels: own(), quantiles: {}, count: '9007199254740993', sum: '0' }],
        },
      },
      /2\^53/,
    ],
    [
      'an unknown type',
      { labels: key, m: { type: 'GAUGE_HISTOGRAM', metrics: [{ labels: own() }] } },
      /not supported/,
    ],
    ['a family without series', family({ metrics: [] }), /no series/],
    [
      'a name the text format cannot hold',
      { labels: key, 'x y': { type: 'GAUGE', metrics: [{ labels: own(), value: '1' }] } },
      /cannot be written/,
    ],
    [
      'an unknown field',
      family({ exemplars: [], metrics: [{ labels: own(), value: '1' }] }),
      /unknown field/,
    ],
    [
      'a series field of another type',
      family({ metrics: [{ labels: own(), value: '1', sum: '1' }] }),
      /unknown field "sum"/,
    ],
    [
      'a lone surrogate',
      family({ metrics: [{ labels: own({ v: '\ud800' }), value: '1' }] }),
      /not valid Unicode/,
    ],
    [
      'a grouping label that differs',
      family({ metrics: [{ labels: { job: 'other', instance: 'i' }, value: '1' }] }),
      /differs/,
    ],
  ];
  for (const [what, group, message] of cases) {
    assert.throws(
      () => groupToExposition(group, key),
      (err: Error) => {
        assert.ok(err instanceof RebuildError, what);
        assert.match(err.message, message, what);
        return true;
      },
    );
  }
});
