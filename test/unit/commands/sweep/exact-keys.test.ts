import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  escapeLiteralName,
  namingModeOf,
  resolveExactKeys,
  STATUS_MAX_BYTES,
} from '../../../../src/commands/sweep/exact-keys.ts';
import { TrackedGroup } from '../../../../src/commands/sweep/tracked-group.ts';
import type { Log } from '../../../../src/core/log.ts';
import { exactMatchKey, planGroup, type Rules } from '../../../../src/core/plan.ts';
import type { GetOptions, Probe, ProbeResult } from '../../../../src/gateway/client.ts';
import type { Labels } from '../../../../src/wire/labels.ts';
import type { ListedGroup } from '../../../../src/wire/listing.ts';

const NOW_MS = 1_795_618_688_000;
const HOUR = 3_600_000;
const RULES: Rules = { ttlMs: HOUR, selectors: [], excludes: [] };
const OLD = String((NOW_MS - 3 * HOUR) / 1000);

/** A stale group as the first listing shows it (a phantom: push time 0, failed 3 h ago). */
function stale(labels: Labels, dryRun = false): TrackedGroup {
  const g: ListedGroup = {
    labels,
    displayLabels: labels,
    keySource: 'labels',
    pushTime: '0',
    pushFailureTime: OLD,
  };
  return new TrackedGroup(planGroup(g, NOW_MS, RULES), dryRun);
}

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64url');

/** One Delete button line of Pushgateway 1.5.1's web UI. */
function button(panel: number, raw: Record<string, Buffer | string>): string {
  const pairs = (f: (v: Buffer | string) => string) =>
    `{ ${Object.entries(raw)
      .map(([n, v]) => `'${n}': '${f(v)}'`)
      .join(', ')} }`;
  return `<div class="card-header" id="group-panel-${panel}">\n<button onclick="pushgateway.showDelModal(${pairs(() => 'x')}, ${pairs(b64)}, 'group-panel-${panel}', event)">Delete Group</button>\n`;
}

const STATUS_151 = JSON.stringify({
  status: 'success',
  data: {
    build_information: { version: '1.5.1' },
    flags: { 'push.disable-consistency-check': 'false', 'web.route-prefix': '' },
    start_time: '2026-12-02T21:16:49.875199616Z',
  },
});

type Answer = { status: number; body: string; cutOff?: boolean } | 'down';

/** An in-memory Probe: fixed answers by path (`cutOff`: as if past maxBytes), and what was asked. */
function pages(answers: Record<string, Answer>) {
  const asked: string[] = [];
  let opened = 0;
  const probe: Probe = {
    baseUrl: 'http://gw/',
    maxLineBytes: 16 * 2 ** 20,
    maxBodyBytes: 2 ** 30,
    async get(path: string, options: GetOptions = {}): Promise<ProbeResult> {
      asked.push(path);
      const a = answers[path];
      if (a === undefined || a === 'down') {
        return {
          kind: 'network-error',
          code: 'ECONNREFUSED',
          message: 'connection refused',
          midBody: false,
        };
      }
      const body = Buffer.from(a.body, 'latin1');
      const max = options.maxBytes ?? Number.POSITIVE_INFINITY;
      const sent = body.subarray(0, Math.min(body.length, max));
      options.onChunk?.(sent);
      return {
        kind: 'response',
        status: a.status,
        headers: {},
        bytes: sent.length,
        head: '',
        truncated: a.cutOff === true || body.length >= max,
      };
    },
    async close() {},
  };
  return {
    open: () => {
      opened++;
      return probe;
    },
    asked,
    opened: () => opened,
  };
}

function recorder() {
  const lines: Array<{ level: string; msg: string }> = [];
  const at =
    (level: string) =>
    (_: Record<string, unknown>, msg: string): void => {
      lines.push({ level, msg });
    };
  const log: Log = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { log, lines };
}

describe('namingModeOf', () => {
  it('reads the flag when the gateway lists it', () => {
    const status = (flag: string) =>
      JSON.stringify({ status: 'success', data: { flags: { 'push.enable-utf8-names': flag } } });
    assert.equal(namingModeOf(200, status('true')).mode, 'utf8');
    assert.equal(namingModeOf(200, status('false')).mode, 'legacy');
    assert.equal(namingModeOf(200, status('maybe')).mode, 'unknown');
  });

  it('takes a status without the flag from a build older than 1.11 as legacy', () => {
    const mode = namingModeOf(200, STATUS_151);
    assert.equal(mode.mode, 'legacy');
    assert.match(mode.why, /1\.5\.1 predates UTF-8 names/);
  });

  it('is unknown when a build that should list the flag does not, or the version is missing', () => {
    for (const version of ['1.11.0', '2.0.1', 'v1.12.0-rc.0', 'abc', undefined]) {
      const body = JSON.stringify({
        status: 'success',
        data: { build_information: { version }, flags: { 'web.route-prefix': '' } },
      });
      assert.equal(namingModeOf(200, body).mode, 'unknown', String(version));
    }
  });

  it('is unknown for anything else', () => {
    for (const [status, body] of [
      [500, STATUS_151],
      [200, undefined],
      [200, 'not json'],
      [200, '[]'],
      [200, JSON.stringify({ status: 'error', data: { flags: { x: 'y' } } })],
      [200, JSON.stringify({ status: 'success', data: { flags: {} } })],
      [200, JSON.stringify({ status: 'success', data: { flags: ['push.enable-utf8-names'] } })],
    ] as const) {
      const mode = namingModeOf(status, body);
      assert.equal(mode.mode, 'unknown', `${status} ${body}`);
      assert.ok(mode.why.length > 0);
    }
  });
});

describe('resolveExactKeys', () => {
  const badutf8 = { job: 'badutf8', v: '\uFFFD' };
  const rawBad = { job: 'badutf8', v: Buffer.from([0xff]) };

  it('asks nothing, and opens nothing, when no stale group needs it', async () => {
    const gw = pages({});
    const results = [stale({ job: 'x' }), stale({ job: 'y', a: '\uFFFD' })];
    // Only groups skipped for their key, with a path not yet known, are resolved.
    results[1]?.resolve('metrics/job/y/a@base64/_w', false, 'done');
    assert.equal(await resolveExactKeys(results, gw.open, false, recorder().log), undefined);
    assert.equal(gw.opened(), 0);
  });

  it('finds the exact bytes of a poisoned key on the web UI and makes it a candidate', async () => {
    const gw = pages({ '': { status: 200, body: button(1, { job: 'ok' }) + button(2, rawBad) } });
    const t = stale(badutf8);
    const { log, lines } = recorder();
    assert.equal(await resolveExactKeys([t], gw.open, false, log), undefined);
    assert.deepEqual(gw.asked, ['']);
    assert.equal(t.path, 'metrics/job/badutf8/v@base64/_w');
    assert.equal(t.outcome, 'failed');
    assert.equal(t.reason, 'not-confirmed');
    assert.match(t.detail ?? '', /<bytes ff>/);
    assert.deepEqual(t.labels, badutf8);
    // Later listings find it by its listed form, since its path holds bytes they cannot show.
    assert.equal(t.matchKey, exactMatchKey(badutf8));
    assert.ok(lines.every((l) => l.level === 'info'));
  });

  it('reports it as would-delete in a dry run', async () => {
    const gw = pages({ '': { status: 200, body: button(2, rawBad) } });
    const t = stale(badutf8, true);
    await resolveExactKeys([t], gw.open, true, recorder().log);
    assert.equal(t.outcome, 'would-delete');
    assert.equal(t.reason, 'stale');
  });

  for (const [what, answer, why] of [
    ['the page lacks the key', { status: 200, body: button(1, { job: 'ok' }) }, /shows no group/],
    [
      'two keys on the page look alike',
      {
        status: 200,
        body: button(1, rawBad) + button(2, { job: 'badutf8', v: Buffer.from([0xfe]) }),
      },
      /2 keys/,
    ],
    [
      'a button cannot be read',
      {
        status: 200,
        body: `${button(1, rawBad)}<button onclick="pushgateway.showDelModal(broken)">`,
      },
      /cannot read/,
    ],
    [
      'the page stops at a template error',
      { status: 200, body: `${button(1, rawBad)}<div id="template-error" class="x">boom</div>` },
      /template error/,
    ],
    ['the page answers 401', { status: 401, body: 'Unauthorized' }, /answered 401/],
    ['the page is down', 'down', /connection refused/],
    [
      'the page is too large',
      { status: 200, body: button(1, rawBad), cutOff: true },
      /larger than --max-listing-bytes 1GiB/,
    ],
  ] as const) {
    it(`skips a poisoned key and fails the sweep, naming doctor --fix, when ${what}`, async (t) => {
      const gw = pages({ '': answer });
      const group = stale(badutf8);
      const { log, lines } = recorder();
      const failure = await resolveExactKeys([group], gw.open, false, log);
      assert.match(failure ?? '', /pgsweep doctor --fix/);
      assert.equal(group.path, undefined);
      assert.equal(group.outcome, 'skipped');
      assert.equal(group.reason, 'key-unrecoverable');
      assert.match(group.detail ?? '', why);
      assert.match(group.detail ?? '', /pgsweep doctor --fix/);
      assert.ok(lines.some((l) => l.level === 'error' && /doctor --fix/.test(l.msg)));
      t.diagnostic(group.detail ?? '');
    });
  }

  it('skips both when the listing shows two stale groups that look alike', async () => {
    const gw = pages({ '': { status: 200, body: button(1, rawBad) } });
    const a = stale(badutf8);
    const b = stale({ v: '\uFFFD', job: 'badutf8' });
    const failure = await resolveExactKeys([a, b], gw.open, false, recorder().log);
    assert.match(failure ?? '', /^2 stale group/);
    assert.equal(a.path, undefined);
    assert.equal(b.path, undefined);
  });

  it('only warns that a real run would fail in a dry run', async () => {
    const gw = pages({ '': { status: 200, body: '' } });
    const { log, lines } = recorder();
    const failure = await resolveExactKeys([stale(badutf8, true)], gw.open, true, log);
    assert.ok(failure);
    assert.ok(lines.some((l) => l.level === 'warn' && /a real run would fail/.test(l.msg)));
    assert.ok(!lines.some((l) => l.level === 'error'));
  });

  it('sends a U__ name as it is when the gateway takes names literally', async () => {
    const gw = pages({ 'api/v1/status': { status: 200, body: STATUS_151 } });
    const t = stale({ job: 'u', U__foo: 'bar' });
    assert.equal(await resolveExactKeys([t], gw.open, false, recorder().log), undefined);
    assert.deepEqual(gw.asked, ['api/v1/status']);
    assert.equal(t.path, 'metrics/job/u/U__foo/bar');
    assert.match(t.detail ?? '', /predates UTF-8 names/);
  });

  it('reads the status page with a bound', async () => {
    const gw = pages({
      'api/v1/status': { status: 200, body: STATUS_151.padEnd(STATUS_MAX_BYTES + 1) },
    });
    const t = stale({ job: 'u', U__foo: 'bar' });
    const { log, lines } = recorder();
    assert.equal(await resolveExactKeys([t], gw.open, false, log), undefined);
    assert.equal(t.path, undefined);
    assert.ok(lines.some((l) => l.level === 'warn' && /larger than/.test(l.msg)));
  });

  for (const [what, answer, why] of [
    ['the naming mode is unknown', 'down', /unknown \(GET http:\/\/gw\/api\/v1\/status failed/],
    ['the status answers 500', { status: 500, body: '' }, /answered 500/],
  ] as const) {
    it(`skips a U__ name with a warning, without failing the sweep, when ${what}`, async () => {
      const gw = pages({ 'api/v1/status': answer });
      const t = stale({ job: 'u', U__foo: 'bar' });
      const { log, lines } = recorder();
      assert.equal(await resolveExactKeys([t], gw.open, false, log), undefined);
      assert.equal(t.path, undefined);
      assert.equal(t.outcome, 'skipped');
      assert.match(t.detail ?? '', why);
      assert.ok(lines.some((l) => l.level === 'warn' && /U__foo/.test(l.msg)));
    });
  }

  it('sends a U__ name escaped when the gateway decodes names as escapes', async () => {
    const gw = pages({
      'api/v1/status': {
        status: 200,
        body: JSON.stringify({
          status: 'success',
          data: { flags: { 'push.enable-utf8-names': 'true' } },
        }),
      },
    });
    const t = stale({ job: 'u', U__foo: 'bar', other_name: 'x' });
    const { log } = recorder();
    assert.equal(await resolveExactKeys([t], gw.open, false, log), undefined);
    // U__ + the name with each _ doubled decodes back to U__foo; other names go as they are.
    assert.equal(t.path, 'metrics/job/u/U__U____foo/bar/other_name/x');
    assert.match(
      t.detail ?? '',
      /sent escaped as "U__U____foo" \(--push.enable-utf8-names is on\)/,
    );
    assert.deepEqual(t.labels, { job: 'u', U__foo: 'bar', other_name: 'x' });
  });

  it('escapes only names that start with U__, doubling every underscore', () => {
    assert.equal(escapeLiteralName('U__foo'), 'U__U____foo');
    assert.equal(escapeLiteralName('U__a_b9'), 'U__U____a__b9');
    assert.equal(escapeLiteralName('run_id'), 'run_id');
    assert.equal(escapeLiteralName('U_x'), 'U_x');
  });

  it('needs both answers for a poisoned key with a U__ name', async () => {
    const raw = { job: 'j', U__x: Buffer.from([0xff]) };
    const listed = { job: 'j', U__x: '\uFFFD' };
    const ui = { status: 200, body: button(1, raw) };
    const legacy = pages({ '': ui, 'api/v1/status': { status: 200, body: STATUS_151 } });
    const a = stale(listed);
    assert.equal(await resolveExactKeys([a], legacy.open, false, recorder().log), undefined);
    assert.equal(a.path, 'metrics/job/j/U__x@base64/_w');
    assert.deepEqual(legacy.asked.sort(), ['', 'api/v1/status']);

    const unknown = pages({ '': ui });
    const b = stale(listed);
    assert.match(
      (await resolveExactKeys([b], unknown.open, false, recorder().log)) ?? '',
      /doctor --fix/,
    );
    assert.equal(b.path, undefined);
  });
});
