import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnose } from '../../../../src/commands/doctor/diagnose.ts';
import { GroupScan, type Observations } from '../../../../src/commands/doctor/observations.ts';
import type { Diagnosis, Problem } from '../../../../src/core/doctor-report.ts';
import type { ProbeResult } from '../../../../src/gateway/client.ts';
import { keyId } from '../../../../src/wire/grouping-key.ts';
import type { Labels } from '../../../../src/wire/labels.ts';
import type { ListedGroup } from '../../../../src/wire/listing.ts';
import { exposedLabels, type ScrapeScan } from '../../../../src/wire/scrape-scan.ts';
import type { UiPage } from '../../../../src/wire/ui-keys.ts';

const BASE = 'http://gw:9091/';

function response(status: number, body = 'OK'): ProbeResult {
  return {
    kind: 'response',
    status,
    headers: {},
    bytes: Buffer.byteLength(body),
    head: body,
    truncated: false,
  };
}

function group(labels: Labels, pushTime = '1.79e+09', pushFailureTime = '0'): ListedGroup {
  return { labels, displayLabels: labels, keySource: 'labels', pushTime, pushFailureTime };
}

function scanOf(groups: ListedGroup[]): GroupScan {
  const scan = new GroupScan();
  for (const g of groups) scan.add(g);
  return scan;
}

function observe(over: Partial<Observations> & { groups?: ListedGroup[] } = {}): Diagnosis {
  const { groups = [], ...rest } = over;
  return diagnose({
    healthy: response(200),
    listing: { kind: 'ok', groups: scanOf(groups) },
    scrape: response(200, '# HELP pushgateway_build_info\n'),
    baseUrl: BASE,
    ...rest,
  });
}

const statusOf = (d: Diagnosis) => Object.fromEntries(d.checks.map((c) => [c.check, c.status]));
const kinds = (d: Diagnosis) => d.problems.map((p) => p.kind);
const fixPaths = (d: Diagnosis) => d.problems.flatMap((p) => (p.fix ? [p.fix.path] : []));

function only(d: Diagnosis, kind: Problem['kind']): Problem {
  const found = d.problems.filter((p) => p.kind === kind);
  assert.equal(found.length, 1, `one ${kind} problem, got ${JSON.stringify(kinds(d))}`);
  return found[0] as Problem;
}

describe('diagnose: a healthy gateway', () => {
  it('passes every check and names nothing to delete', () => {
    const d = observe({
      groups: [
        group({ job: 'a' }),
        group({ job: 'b', instance: '' }),
        // Its last push failed, but it once succeeded: not a phantom.
        group({ job: 'c', instance: 'i' }, '1.79e+09', '1.8e+09'),
      ],
    });
    assert.deepEqual(d.problems, []);
    assert.deepEqual(new Set(Object.values(statusOf(d))), new Set(['ok']));
  });
});

describe('diagnose: write queue and scrape', () => {
  it('reports a full write queue, which --fix cannot cure', () => {
    const d = observe({ healthy: response(500, 'write queue is full') });
    const p = only(d, 'write-queue-full');
    assert.equal(p.fix, undefined);
    assert.match(p.unfixable ?? '', /cannot drain/);
    assert.equal(statusOf(d)['write-queue'], 'problem');
  });

  it('reports a scrape that answers 500, with the gateway message', () => {
    const d = observe({
      scrape: response(500, 'An error has occurred while serving metrics:\n\n2 error(s) occurred'),
    });
    const p = only(d, 'scrape-error');
    assert.match(p.detail, /answered 500 \(An error has occurred while serving metrics: 2 error/);
    assert.equal(p.fix, undefined);
  });

  it('reports an empty scrape page', () => {
    const d = observe({ scrape: response(200, '') });
    assert.match(only(d, 'scrape-error').detail, /empty page/);
  });
});

describe('diagnose: collisions', () => {
  it('targets the never-succeeded side only, through its exact key', () => {
    const d = observe({
      groups: [group({ job: 'x' }), group({ job: 'x', instance: '' }, '0', '1.79e+09')],
    });
    const p = only(d, 'collision');
    assert.deepEqual(p.group, { job: 'x', instance: '' });
    assert.equal(p.fix?.path, 'metrics/job/x/instance@base64/=');
    assert.equal(p.fix?.listedKeyId, keyId({ job: 'x', instance: '' }));
    assert.deepEqual(kinds(d), ['collision'], 'the phantom is not reported twice');
  });

  it('works the other way round too', () => {
    const d = observe({
      groups: [group({ job: 'x' }, '0', '1.79e+09'), group({ job: 'x', instance: '' })],
    });
    assert.deepEqual(fixPaths(d), ['metrics/job/x']);
  });

  it('deletes nothing when both sides have succeeded', () => {
    const d = observe({ groups: [group({ job: 'x' }), group({ job: 'x', instance: '' })] });
    const p = only(d, 'collision');
    assert.equal(p.fix, undefined);
    assert.match(p.unfixable ?? '', /both groups have had successful pushes/);
  });

  it('does not pair keys whose instance is set', () => {
    const d = observe({ groups: [group({ job: 'x', instance: 'a' }), group({ job: 'x' })] });
    assert.deepEqual(d.problems, []);
  });
});

describe('diagnose: phantoms', () => {
  it('targets never-succeeded groups and nothing else', () => {
    const d = observe({
      groups: [
        group({ job: 'ok' }),
        group({ job: 'ghost', run: 'r/1' }, '0', '1.79e+09'),
        group({ job: 'failed_later' }, '1.7e+09', '1.8e+09'),
      ],
    });
    const p = only(d, 'phantom');
    assert.deepEqual(p.group, { job: 'ghost', run: 'r/1' });
    assert.equal(p.fix?.path, 'metrics/job/ghost/run@base64/ci8x');
  });

  it('leaves a phantom whose key cannot be read exactly', () => {
    const hidden: ListedGroup = {
      labels: undefined,
      displayLabels: { job: 'h', instance: '' },
      keySource: undefined,
      pushTime: '0',
      pushFailureTime: '1.79e+09',
      keyError: 'a pushed metric named "labels" hides the grouping key',
    };
    const p = only(observe({ groups: [hidden] }), 'phantom');
    assert.equal(p.fix, undefined);
    assert.match(p.unfixable ?? '', /hides the grouping key/);
  });
});

describe('diagnose: keys that are not valid UTF-8', () => {
  const listed = group({ job: 'badutf8', v: '\uFFFD' }, '0', '1.79e+09');
  const uiWith = (...raws: Array<Record<string, number[] | string>>): UiPage => ({
    keys: raws.map((r, i) => ({
      panel: i + 1,
      raw: new Map(
        Object.entries(r).map(([k, v]) => [
          k,
          typeof v === 'string' ? Buffer.from(v) : Buffer.from(v),
        ]),
      ),
    })),
    unreadable: 0,
  });

  it('deletes the phantom with the exact bytes from the web UI', () => {
    const d = observe({
      groups: [listed, group({ job: 'ok' })],
      ui: uiWith({ job: 'ok' }, { job: 'badutf8', v: [0xff] }),
    });
    const p = only(d, 'invalid-utf8-key');
    assert.equal(p.fix?.path, 'metrics/job/badutf8/v@base64/_w');
    assert.deepEqual([...(p.rawKey?.get('v') ?? [])], [0xff]);
    assert.deepEqual(kinds(d), ['invalid-utf8-key']);
  });

  it('deletes every phantom that shows the same, when all of them are phantoms', () => {
    const d = observe({
      groups: [listed, { ...listed }],
      ui: uiWith({ job: 'badutf8', v: [0xff] }, { job: 'badutf8', v: [0xfe] }),
    });
    assert.deepEqual(fixPaths(d).sort(), [
      'metrics/job/badutf8/v@base64/_g',
      'metrics/job/badutf8/v@base64/_w',
    ]);
  });

  it('never deletes a group that has had a successful push, but says how', () => {
    const d = observe({
      groups: [group({ job: 'badutf8', v: '\uFFFD' })],
      ui: uiWith({ job: 'badutf8', v: [0xff] }),
    });
    const p = only(d, 'invalid-utf8-key');
    assert.equal(p.fix, undefined);
    assert.match(p.unfixable ?? '', /DELETE metrics\/job\/badutf8\/v@base64\/_w/);
  });

  it('deletes nothing when it cannot pair listed groups with UI keys', () => {
    const d = observe({
      groups: [listed, group({ job: 'badutf8', v: '\uFFFD' })],
      ui: uiWith({ job: 'badutf8', v: [0xff] }, { job: 'badutf8', v: [0xfe] }),
    });
    assert.deepEqual(fixPaths(d), []);
    assert.ok(d.problems.every((p) => /cannot pair|successful push/.test(p.unfixable ?? '')));
  });

  it('deletes nothing without the web UI', () => {
    const d = observe({ groups: [listed], ui: 'GET / answered 404' });
    const p = only(d, 'invalid-utf8-key');
    assert.equal(p.fix, undefined);
    assert.match(p.unfixable ?? '', /web UI, which could not be read \(GET \/ answered 404\)/);
  });

  it('treats a real U+FFFD character as an ordinary value', () => {
    const real = group({ job: 'x', v: '\uFFFD' });
    assert.deepEqual(
      observe({ groups: [real], ui: uiWith({ job: 'x', v: '\uFFFD' }) }).problems,
      [],
    );
    const ghost = group({ job: 'x', v: '\uFFFD' }, '0', '1.79e+09');
    const d = observe({ groups: [ghost], ui: uiWith({ job: 'x', v: '\uFFFD' }) });
    assert.equal(only(d, 'phantom').fix?.path, 'metrics/job/x/v/%EF%BF%BD');
  });
});

describe('diagnose: a listing that crashes', () => {
  const crashed = { job: 'crash', zone: 'z' };
  const crashUi: UiPage = {
    keys: [],
    unreadable: 0,
    templateError:
      'Error executing template: ... error calling LastPushSuccess: runtime error: index out of range [0] with length 0',
    stoppedAt: { panel: 5, labels: crashed },
  };
  const scrapeScan = (pushTime: Labels[], pushFailure: Labels[]): ScrapeScan => ({
    bytes: 100,
    samplesByJob: new Map(),
    pushTime: new Set(pushTime.map((l) => keyId(exposedLabels(l)))),
    pushFailure: new Set(pushFailure.map((l) => keyId(exposedLabels(l)))),
    unreadable: 0,
  });
  const crash = (over: Partial<Observations>) =>
    diagnose({
      healthy: response(200),
      listing: { kind: 'crash', detail: 'GET x closes the connection without a reply' },
      scrape: response(200, '# ok\n'),
      baseUrl: BASE,
      ...over,
    });

  it('names the group the web UI stops at, corroborated by /metrics', () => {
    const d = crash({
      ui: crashUi,
      scrapeScan: scrapeScan([crashed, { job: 'ok' }], [{ job: 'ok' }]),
    });
    const p = only(d, 'listing-crash');
    assert.deepEqual(p.group, crashed);
    assert.equal(p.fix?.path, 'metrics/job/crash/zone/z');
    assert.equal(p.fix?.listedKeyId, undefined);
    assert.equal(statusOf(d).phantoms, 'unknown');
  });

  it('deletes nothing when /metrics does not corroborate the web UI', () => {
    const d = crash({ ui: crashUi, scrapeScan: scrapeScan([crashed], [crashed]) });
    const p = only(d, 'listing-crash');
    assert.equal(p.fix, undefined);
    assert.match(p.unfixable ?? '', /does not show it with an empty push_failure_time_seconds/);
  });

  it('deletes nothing when the web UI shows another error, or none', () => {
    for (const ui of [
      { ...crashUi, templateError: 'Error executing template: something else' },
      { keys: [], unreadable: 0 },
      'GET / failed',
    ]) {
      const p = only(crash({ ui }), 'listing-crash');
      assert.equal(p.fix, undefined, JSON.stringify(ui));
    }
  });

  it('deletes nothing when the stopped group key is not exact', () => {
    const ui: UiPage = { ...crashUi, stoppedAt: { panel: 5, labels: undefined, problem: 'bytes' } };
    assert.equal(only(crash({ ui }), 'listing-crash').fix, undefined);
  });

  it('reports other listing failures without acting on them', () => {
    const d = diagnose({
      healthy: response(200),
      listing: { kind: 'error', detail: 'GET x answered 500' },
      scrape: response(200, '# ok\n'),
      baseUrl: BASE,
    });
    const p = only(d, 'listing-error');
    assert.equal(p.fix, undefined);
    assert.equal(statusOf(d).collisions, 'unknown');
  });
});
