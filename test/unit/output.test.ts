import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatJson,
  formatTable,
  isNotable,
  OUTPUT_FORMATS,
  SCHEMA_VERSION,
} from '../../src/output.ts';
import type { GroupReport, SweepReport, SweepSummary } from '../../src/sweep.ts';

const NOW_MS = Date.UTC(2026, 10, 25, 15, 0, 0);
const HOUR = 3_600_000;

const GROUPS: GroupReport[] = [
  {
    labels: { job: 'etl_old', instance: 'a' },
    outcome: 'deleted',
    reason: 'stale',
    stale: true,
    ageMs: 3 * HOUR + 1234.4,
    lastPushMs: NOW_MS - 3 * HOUR - 1234,
  },
  {
    labels: { job: 'fresh' },
    outcome: 'kept',
    reason: 'fresh',
    stale: false,
    ageMs: 60_000,
    lastPushMs: NOW_MS - 60_000,
  },
  {
    labels: { job: 'web' },
    outcome: 'kept',
    reason: 'not-selected',
    stale: false,
  },
  {
    labels: { job: 'amb', instance: '' },
    outcome: 'skipped',
    reason: 'key-unrecoverable',
    detail: 'a pushed metric named "labels" hides the grouping key',
    stale: true,
    ageMs: 5 * HOUR,
    lastPushMs: NOW_MS - 5 * HOUR,
  },
  {
    labels: { job: 'nan' },
    outcome: 'skipped',
    reason: 'invalid-push-time',
    detail: 'push_time_seconds is "NaN", not a usable time',
    stale: false,
  },
  {
    labels: { job: 'clock', zone: 'z1' },
    outcome: 'kept',
    reason: 'future-push-time',
    detail: "last push is 3600s in the future of the gateway's clock",
    stale: false,
    lastPushMs: NOW_MS + HOUR,
  },
  {
    labels: { job: 'broken' },
    outcome: 'failed',
    reason: 'delete-rejected',
    detail: 'DELETE answered 400: improper label name',
    stale: true,
    ageMs: 4 * HOUR,
    lastPushMs: NOW_MS - 4 * HOUR,
  },
];

const NOTABLE_JOBS = ['etl_old', 'amb', 'nan', 'clock', 'broken'];

function summary(over: Partial<SweepSummary> = {}): SweepSummary {
  return {
    scanned: 7,
    stale: 3,
    deleted: 1,
    wouldDelete: 0,
    kept: 3,
    skipped: 2,
    failed: 1,
    durationMs: 1234,
    dryRun: false,
    ...over,
  };
}

function report(over: Partial<SweepReport> = {}): SweepReport {
  return {
    gateway: 'http://pushgateway:9091/',
    nowMs: NOW_MS,
    clockSource: 'gateway-date',
    ttlMs: 2 * HOUR,
    groups: GROUPS,
    summary: summary(),
    ...over,
  };
}

type JsonGroup = {
  labels: Record<string, string>;
  outcome: string;
  reason: string;
  detail?: string;
  stale: boolean;
  ageSeconds: number | null;
  lastPush: string | null;
};

function parse(text: string) {
  return JSON.parse(text) as {
    schemaVersion: number;
    gateway: string;
    now: string;
    clockSource: string;
    ttl: string;
    ttlSeconds: number;
    dryRun: boolean;
    check: boolean;
    summary: SweepSummary;
    groups: JsonGroup[];
  };
}

describe('isNotable', () => {
  it('selects stale, skipped, failed and future-push-time groups', () => {
    assert.deepEqual(
      GROUPS.filter(isNotable).map((g) => g.labels.job),
      NOTABLE_JOBS,
    );
  });
});

describe('formatJson', () => {
  const text = formatJson(report(), { check: false });
  const doc = parse(text);

  it('is one JSON document ending in a newline', () => {
    assert.ok(text.endsWith('}\n'));
    assert.equal(OUTPUT_FORMATS.includes('json'), true);
  });

  it('carries schemaVersion 1 and the run facts', () => {
    assert.equal(SCHEMA_VERSION, 1);
    assert.equal(doc.schemaVersion, 1);
    assert.equal(doc.gateway, 'http://pushgateway:9091/');
    assert.equal(doc.now, '2026-11-25T15:00:00.000Z');
    assert.equal(doc.clockSource, 'gateway-date');
    assert.equal(doc.ttl, '2h');
    assert.equal(doc.ttlSeconds, 7200);
    assert.equal(doc.dryRun, false);
    assert.equal(doc.check, false);
  });

  it('copies the summary', () => {
    assert.deepEqual(doc.summary, summary());
  });

  it('lists only notable groups, in report order', () => {
    assert.deepEqual(
      doc.groups.map((g) => g.labels.job),
      NOTABLE_JOBS,
    );
  });

  it('gives each group its age in seconds and last push as ISO time', () => {
    const [deleted] = doc.groups;
    assert.deepEqual(deleted, {
      labels: { job: 'etl_old', instance: 'a' },
      outcome: 'deleted',
      reason: 'stale',
      stale: true,
      ageSeconds: 10_801.234,
      lastPush: '2026-11-25T11:59:58.766Z',
    });
  });

  it('uses null for unknown age and last push, and keeps details', () => {
    const nan = doc.groups.find((g) => g.labels.job === 'nan');
    assert.equal(nan?.ageSeconds, null);
    assert.equal(nan?.lastPush, null);
    assert.equal(nan?.detail, 'push_time_seconds is "NaN", not a usable time');
    const future = doc.groups.find((g) => g.labels.job === 'clock');
    assert.equal(future?.ageSeconds, null);
    assert.equal(future?.lastPush, '2026-11-25T16:00:00.000Z');
    assert.equal(future?.reason, 'future-push-time');
  });

  it('survives a push time too far in the future for Date (1e+300 s)', () => {
    const far: GroupReport = {
      labels: { job: 'far' },
      outcome: 'kept',
      reason: 'future-push-time',
      detail: 'last push is far in the future',
      stale: false,
      lastPushMs: 1e303,
    };
    const r = report({ groups: [far] });
    const d = parse(formatJson(r, { check: false }));
    assert.equal(d.groups.length, 1);
    assert.equal(d.groups[0]?.lastPush, null);
    assert.match(formatTable(r, { check: false }), /kept\s+-\s+future-push-time\s+\{job="far"\}/);
  });

  it('leaves detail out when there is none', () => {
    assert.equal(Object.hasOwn(doc.groups[0] ?? {}, 'detail'), false);
  });

  it('reports check and dry-run mode', () => {
    const d = parse(formatJson(report({ summary: summary({ dryRun: true }) }), { check: true }));
    assert.equal(d.check, true);
    assert.equal(d.dryRun, true);
  });

  it('has an empty group list when nothing is notable', () => {
    const d = parse(formatJson(report({ groups: [GROUPS[1] as GroupReport] }), { check: false }));
    assert.deepEqual(d.groups, []);
  });
});

describe('formatTable', () => {
  const text = formatTable(report(), { check: false });
  const lines = text.split('\n');

  it('starts with an OUTCOME AGE REASON GROUP header', () => {
    assert.match(lines[0] ?? '', /^OUTCOME\s+AGE\s+REASON\s+GROUP$/);
  });

  it('has one row per notable group, with aligned columns', () => {
    const rows = lines.slice(1, 1 + NOTABLE_JOBS.length);
    assert.equal(rows.length, NOTABLE_JOBS.length);
    const groupColumn = (lines[0] ?? '').indexOf('GROUP');
    rows.forEach((row, i) => {
      assert.equal(row.indexOf('{job='), groupColumn, row);
      assert.ok(row.includes(`job="${NOTABLE_JOBS[i]}"`), row);
    });
    assert.ok(!text.includes('job="fresh"'));
    assert.ok(!text.includes('job="web"'));
  });

  it('shows outcome, age, reason and labels in each row', () => {
    const row = lines.find((l) => l.includes('etl_old')) ?? '';
    assert.match(row, /^deleted\s+3h\s+stale\s+\{job="etl_old", instance="a"\}$/);
    const skipped = lines.find((l) => l.includes('"amb"')) ?? '';
    assert.match(skipped, /^skipped\s+5h\s+key-unrecoverable\s+\{job="amb", instance=""\}$/);
    const nan = lines.find((l) => l.includes('"nan"')) ?? '';
    assert.match(nan, /^skipped\s+-\s+invalid-push-time\s+/);
  });

  it('ends with a summary line and a newline', () => {
    assert.ok(text.endsWith('\n'));
    const last = lines.at(-2) ?? '';
    assert.equal(
      last,
      'scanned 7, stale 3, deleted 1, kept 3, skipped 2, failed 1 in 1.2s (ttl 2h, http://pushgateway:9091/)',
    );
    assert.equal(lines.at(-3), '');
  });

  it('says "would delete" in a dry run', () => {
    const t = formatTable(
      report({ summary: summary({ dryRun: true, wouldDelete: 4, deleted: 0 }) }),
      { check: false },
    );
    assert.match(t, /^dry run: scanned 7, stale 3, would delete 4, kept 3/m);
    assert.ok(!/deleted \d/.test(t.split('\n').at(-2) ?? ''));
  });

  it('labels a check run', () => {
    const t = formatTable(report({ summary: summary({ dryRun: true }) }), { check: true });
    assert.match(t, /^check: scanned 7, .*would delete 0/m);
  });

  it('prints only the summary when nothing is notable', () => {
    const t = formatTable(report({ groups: [], summary: summary({ scanned: 0 }) }), {
      check: false,
    });
    assert.equal(t.split('\n').length, 2);
    assert.ok(!t.includes('OUTCOME'));
    assert.match(t, /^scanned 0, /);
  });
});
