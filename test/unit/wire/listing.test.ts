import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planGroup } from '../../../src/core/plan.ts';
import {
  type ListedGroup,
  ListingFormatError,
  parseGroup,
  parseListing,
} from '../../../src/wire/listing.ts';

type Labels = Record<string, string>;

const PUSH_HELP = 'Last Unix time when changing this group in the Pushgateway succeeded.';
const FAIL_HELP = 'Last Unix time when changing this group in the Pushgateway failed.';

/** The labels every series of a group carries: the key, plus instance="" when it has none. */
function seriesLabels(key: Labels): Labels {
  return { instance: '', ...key };
}

function gauge(help: string, labels: Labels, value: string, timeStamp: string) {
  return {
    help,
    metrics: [{ labels, value }],
    time_stamp: timeStamp,
    type: 'GAUGE',
  };
}

/** A group object shaped like the real `GET /api/v1/metrics` output (spec §2.2). */
function realGroup(
  key: Labels,
  pushTime = '1.7956186882580423e+09',
  failureTime = '0',
): Record<string, unknown> {
  const series = seriesLabels(key);
  return {
    job_duration_seconds: {
      help: 'How long the batch job ran.',
      metrics: [{ labels: { ...series, stage: 'load' }, value: '12.5' }],
      time_stamp: '2026-11-25T14:58:08.258042352Z',
      type: 'GAUGE',
    },
    labels: key,
    last_push_successful: Number(failureTime) <= Number(pushTime),
    push_failure_time_seconds: gauge(
      FAIL_HELP,
      series,
      failureTime,
      '2026-11-25T14:58:08.258042352Z',
    ),
    push_time_seconds: gauge(PUSH_HELP, series, pushTime, '2026-11-25T14:58:08.258042352Z'),
    requests_total: {
      metrics: [
        { labels: { ...series, code: '200' }, value: '1e+06' },
        { labels: { ...series, code: '500' }, value: '3' },
      ],
      time_stamp: '2026-11-25T14:58:08.258042352Z',
      type: 'COUNTER',
    },
  };
}

/** A family object that a pusher named `labels` (spec §2.5), for a group with this key. */
function labelsFamily(key: Labels) {
  return {
    metrics: [{ labels: seriesLabels(key), value: '1' }],
    time_stamp: '2026-11-25T14:58:08.258042352Z',
    type: 'UNTYPED',
  };
}

function envelope(groups: unknown[]): string {
  return JSON.stringify({ status: 'success', data: groups });
}

// parseGroup takes JSON values; these tests build them as plain objects.
function group(raw: unknown) {
  return parseGroup(raw as Parameters<typeof parseGroup>[0]);
}

describe('parseListing', () => {
  it('keeps a label named __proto__, so the key is refused instead of losing a label', () => {
    // A plain `labels[name] = value` drops it (the prototype setter ignores strings): the key would
    // read {job="x"} and the DELETE would remove that sibling group instead.
    const key = JSON.parse('{"job":"x","__proto__":"y"}') as Labels;
    const [g] = parseListing(envelope([realGroup(key, '1')]));
    assert.deepEqual(Object.keys(g?.labels ?? {}), ['job', '__proto__']);
    assert.equal(Object.getOwnPropertyDescriptor(g?.labels, '__proto__')?.value, 'y');
    const p = planGroup(g as ListedGroup, 3_600_000, { ttlMs: 1000, selectors: [], excludes: [] });
    assert.equal(p.action, 'skip');
    assert.equal(p.reason, 'key-unrecoverable');
    assert.match(p.detail ?? '', /__proto__/);
  });

  it('parses a valid envelope', () => {
    const groups = parseListing(
      envelope([
        realGroup({ job: 'etl', instance: 'a' }),
        realGroup({ job: 'web' }, '1.79e+09', '0'),
      ]),
    );
    assert.equal(groups.length, 2);
    assert.deepEqual(groups[0], {
      labels: { job: 'etl', instance: 'a' },
      displayLabels: { job: 'etl', instance: 'a' },
      keySource: 'labels',
      pushTime: '1.7956186882580423e+09',
      pushFailureTime: '0',
      declaredTtl: undefined,
      keyError: undefined,
      ambiguousInstance: false,
    });
    assert.deepEqual(groups[1]?.labels, { job: 'web' });
    assert.equal(groups[1]?.pushTime, '1.79e+09');
  });

  it('parses an empty listing', () => {
    assert.deepEqual(parseListing('{"status":"success","data":[]}'), []);
  });

  it('keeps the body order of groups', () => {
    const jobs = ['c', 'a', 'b'];
    const groups = parseListing(envelope(jobs.map((job) => realGroup({ job }))));
    assert.deepEqual(
      groups.map((g) => g.labels?.job),
      jobs,
    );
  });

  it('rejects a status other than success, quoting the error', () => {
    assert.throws(
      () =>
        parseListing(
          JSON.stringify({ status: 'error', errorType: 'internal', error: 'boom', data: [] }),
        ),
      (e: unknown) =>
        e instanceof ListingFormatError && /"error"/.test(e.message) && /boom/.test(e.message),
    );
    assert.throws(() => parseListing('{"data":[]}'), ListingFormatError);
    assert.throws(() => parseListing('{"status":"SUCCESS","data":[]}'), ListingFormatError);
  });

  it('rejects a body that is not JSON', () => {
    assert.throws(
      () => parseListing('{"status":"success","data":['),
      (e: unknown) => e instanceof ListingFormatError && /not valid JSON/.test(e.message),
    );
    assert.throws(() => parseListing(''), ListingFormatError);
  });

  it('hints at HTML when the body is a web page', () => {
    assert.throws(
      () => parseListing('\n  <!DOCTYPE html><html><head><title>Pushgateway</title></head></html>'),
      (e: unknown) => e instanceof ListingFormatError && /HTML/.test(e.message),
    );
    assert.throws(
      () => parseListing('not json'),
      (e: unknown) => e instanceof ListingFormatError && !/HTML/.test(e.message),
    );
  });

  it('rejects JSON that is not an object', () => {
    for (const body of ['[]', 'null', '"success"', '42']) {
      assert.throws(() => parseListing(body), ListingFormatError, body);
    }
  });

  it('rejects data that is not an array', () => {
    for (const data of [null, {}, 'x', 1]) {
      assert.throws(
        () => parseListing(JSON.stringify({ status: 'success', data })),
        (e: unknown) => e instanceof ListingFormatError && /data/.test(e.message),
      );
    }
    assert.throws(() => parseListing('{"status":"success"}'), ListingFormatError);
  });

  it('rejects a group that is not an object', () => {
    for (const bad of [null, 1, 'x', true, [], [realGroup({ job: 'a' })]]) {
      assert.throws(
        () => parseListing(envelope([realGroup({ job: 'ok' }), bad])),
        ListingFormatError,
        JSON.stringify(bad),
      );
    }
  });

  it('says what a non-object group is', () => {
    assert.throws(() => group([]), /is an array, not an object/);
    assert.throws(() => group('x'), /is string, not an object/);
    // Bug probe: null is reported as "object, not an object".
    assert.throws(() => group(null), /null/);
  });
});

describe('parseGroup', () => {
  it('reads the key from labels', () => {
    const g = group(realGroup({ job: 'etl', instance: '', zone: 'z1' }, '1.5e+09', '1.4e+09'));
    assert.deepEqual(g.labels, { job: 'etl', instance: '', zone: 'z1' });
    assert.equal(g.keySource, 'labels');
    assert.equal(g.pushTime, '1.5e+09');
    assert.equal(g.pushFailureTime, '1.4e+09');
    assert.equal(g.keyError, undefined);
  });

  it('does not add instance="" to a key that has none', () => {
    const g = group(realGroup({ job: 'x' }));
    assert.deepEqual(g.labels, { job: 'x' });
  });

  it('recovers a key hidden by a family named labels when instance is set', () => {
    const key = { job: 'hidden', instance: 'host1', zone: 'z' };
    const raw = { ...realGroup(key, '1.7e+09'), labels: labelsFamily(key) };
    const g = group(raw);
    assert.deepEqual(g.labels, key);
    assert.deepEqual(g.displayLabels, key);
    assert.equal(g.keySource, 'push_time_seconds');
    assert.equal(g.pushTime, '1.7e+09');
    assert.equal(g.keyError, undefined);
  });

  it('leaves a hidden key ambiguous when instance is ""', () => {
    for (const key of [{ job: 'amb' }, { job: 'amb', instance: '' }]) {
      const raw = { ...realGroup(key, '1.7e+09'), labels: labelsFamily(key) };
      const g = group(raw);
      assert.equal(g.labels, undefined);
      assert.equal(g.keySource, undefined);
      assert.deepEqual(g.displayLabels, { job: 'amb', instance: '' });
      assert.match(g.keyError ?? '', /instance=""/);
      assert.equal(g.pushTime, '1.7e+09');
    }
  });

  it('reports a key it cannot read at all', () => {
    const raw: Record<string, unknown> = {
      ...realGroup({ job: 'x' }),
      labels: labelsFamily({ job: 'x' }),
    };
    delete raw.push_time_seconds;
    const g = group(raw);
    assert.equal(g.labels, undefined);
    assert.deepEqual(g.displayLabels, {});
    assert.match(g.keyError ?? '', /no readable grouping key/);
    assert.equal(g.pushTime, undefined);
  });

  it('does not accept a labels map without a non-empty string job', () => {
    for (const labels of [{ instance: 'a' }, { job: '' }, { job: 1 }, { job: 'x', a: 1 }, null]) {
      const raw = { ...realGroup({ job: 'x', instance: '' }), labels };
      assert.equal(group(raw).keySource, undefined, JSON.stringify(labels));
    }
  });

  it('ignores a family named last_push_successful', () => {
    const raw = {
      ...realGroup({ job: 'lps', instance: 'i' }, '1.6e+09'),
      last_push_successful: labelsFamily({ job: 'lps', instance: 'i' }),
    };
    const g = group(raw);
    assert.deepEqual(g.labels, { job: 'lps', instance: 'i' });
    assert.equal(g.keySource, 'labels');
    assert.equal(g.pushTime, '1.6e+09');
  });

  it('gives pushTime undefined when push_time_seconds is missing', () => {
    const raw: Record<string, unknown> = realGroup({ job: 'x' });
    delete raw.push_time_seconds;
    const g = group(raw);
    assert.equal(g.pushTime, undefined);
    assert.equal(g.pushFailureTime, '0');
    assert.deepEqual(g.labels, { job: 'x' });
  });

  it('gives undefined times when the families are malformed', () => {
    const key = { job: 'x' };
    const bad = [
      { ...gauge(PUSH_HELP, key, '1', 't'), metrics: [] },
      { ...gauge(PUSH_HELP, key, '1', 't'), metrics: 'nope' },
      { ...gauge(PUSH_HELP, key, '1', 't'), metrics: [null] },
      { ...gauge(PUSH_HELP, key, '1', 't'), metrics: [{ labels: key, value: 1.5 }] },
      'string',
      null,
    ];
    for (const family of bad) {
      const g = group({ ...realGroup(key), push_time_seconds: family });
      assert.equal(g.pushTime, undefined, JSON.stringify(family));
      const f = group({ ...realGroup(key), push_failure_time_seconds: family });
      assert.equal(f.pushFailureTime, undefined, JSON.stringify(family));
    }
  });

  it('passes odd value strings through verbatim', () => {
    for (const value of ['NaN', '+Inf', '-Inf', '-5', '0', '1e+300']) {
      const g = group(realGroup({ job: 'x' }, value, value));
      assert.equal(g.pushTime, value);
      assert.equal(g.pushFailureTime, value);
    }
  });

  it('uses the first series of a spoofed failure family', () => {
    const key = { job: 'spoof', instance: '' };
    const raw = {
      ...realGroup(key, '1.79e+09'),
      push_failure_time_seconds: {
        metrics: [
          { labels: { ...key, x: '1' }, value: '9e+18' },
          { labels: { ...key, x: '2' }, value: 'NaN' },
        ],
        time_stamp: '2026-11-25T14:58:08Z',
        type: 'GAUGE',
      },
    };
    const g = group(raw);
    assert.equal(g.pushFailureTime, '9e+18');
    assert.equal(g.pushTime, '1.79e+09');
  });

  it('handles families with unusual names (protobuf pushes)', () => {
    const raw = {
      ...realGroup({ job: 'x' }),
      '': gauge('', { job: 'x' }, '1', 't'),
      'x y': gauge('', { job: 'x' }, '1', 't'),
    };
    assert.deepEqual(group(raw).labels, { job: 'x' });
  });
});
