import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type GroupReport,
  isNotable,
  type SweepReport,
  type SweepSummary,
} from '../../../src/core/sweep-report.ts';
import {
  formatJson,
  formatTable,
  type GatewayRun,
  jsonChunks,
  OUTPUT_FORMATS,
  type RunResult,
  SCHEMA_VERSION,
  tableChunks,
  totalSummary,
} from '../../../src/output/sweep.ts';
import type { SweepJson } from '../../support/cli.ts';

const NOW_MS = Date.UTC(2026, 10, 25, 15, 0, 0);
const HOUR = 3_600_000;
const GATEWAY = 'http://pushgateway:9091/';

const GROUPS: GroupReport[] = [
  {
    labels: { job: 'etl_old', instance: 'a' },
    outcome: 'deleted',
    reason: 'stale',
    stale: true,
    ageMs: 3 * HOUR + 1234.4,
    lastPushMs: NOW_MS - 3 * HOUR - 1234,
    ttlMs: 2 * HOUR,
    ttlSource: 'default',
  },
  {
    labels: { job: 'fresh' },
    outcome: 'kept',
    reason: 'fresh',
    stale: false,
    ageMs: 60_000,
    lastPushMs: NOW_MS - 60_000,
    ttlMs: 2 * HOUR,
    ttlSource: 'default',
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
    ttlMs: 2 * HOUR,
    ttlSource: 'default',
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
    ageMs: 40 * HOUR,
    lastPushMs: NOW_MS - 40 * HOUR,
    ttlMs: 36 * HOUR,
    ttlSource: 'rule',
  },
];

const NOTABLE_JOBS = ['etl_old', 'amb', 'nan', 'clock', 'broken'];
/** The same groups as printed: sorted by labels, whatever order the gateway listed them in. */
const SORTED_JOBS = ['amb', 'broken', 'clock', 'etl_old', 'nan'];

function summary(over: Partial<SweepSummary> = {}): SweepSummary {
  return {
    scanned: 7,
    stale: 3,
    deleted: 1,
    wouldDelete: 0,
    kept: 3,
    excluded: 0,
    unselected: 0,
    skipped: 2,
    keptLatest: 0,
    failed: 1,
    sent: 0,
    durationMs: 1234,
    dryRun: false,
    ...over,
  };
}

function report(over: Partial<SweepReport> = {}): SweepReport {
  return {
    gateway: GATEWAY,
    nowMs: NOW_MS,
    clockSource: 'gateway-date',
    ttlMs: 2 * HOUR,
    interrupted: false,
    groups: GROUPS,
    summary: summary(),
    ...over,
  };
}

/** A run over the given gateways (default: one gateway with the standard report). */
function run(over: Partial<RunResult> = {}, reportOver: Partial<SweepReport> = {}): RunResult {
  const r = report(reportOver);
  return {
    gateways: [{ gateway: r.gateway, report: r }],
    ttlMs: 2 * HOUR,
    dryRun: r.summary.dryRun,
    check: false,
    interrupted: false,
    ...over,
  };
}

function parse(text: string): SweepJson {
  return JSON.parse(text) as SweepJson;
}

describe('isNotable', () => {
  it('selects stale, skipped, failed and future-push-time groups', () => {
    assert.deepEqual(
      GROUPS.filter(isNotable).map((g) => g.labels.job),
      NOTABLE_JOBS,
    );
  });

  it('selects groups kept because of an interruption or a tripped guard', () => {
    const interrupted: GroupReport = {
      labels: { job: 'i' },
      outcome: 'kept',
      reason: 'interrupted',
      stale: false,
    };
    const guarded: GroupReport = {
      labels: { job: 'g' },
      outcome: 'kept',
      reason: 'guard-tripped',
      stale: true,
    };
    assert.equal(isNotable(interrupted), true);
    assert.equal(isNotable(guarded), true);
  });
});

describe('formatJson', () => {
  const text = formatJson(run());
  const doc = parse(text);

  it('is one JSON document ending in a newline', () => {
    assert.ok(text.endsWith('}\n'));
    assert.equal(OUTPUT_FORMATS.includes('json'), true);
  });

  it('carries schemaVersion 1 and the run facts', () => {
    assert.equal(SCHEMA_VERSION, 1);
    assert.equal(doc.schemaVersion, 1);
    assert.equal(doc.ttl, '2h');
    assert.equal(doc.ttlSeconds, 7200);
    assert.equal(doc.dryRun, false);
    assert.equal(doc.check, false);
    assert.equal(doc.interrupted, false);
  });

  it('describes each gateway: url, ok, clock and its own summary', () => {
    assert.deepEqual(doc.gateways, [
      {
        gateway: GATEWAY,
        ok: true,
        now: '2026-11-25T15:00:00.000Z',
        clockSource: 'gateway-date',
        summary: summary(),
      },
    ]);
  });

  it('copies the summary of a single gateway to the top level', () => {
    assert.deepEqual(doc.summary, summary());
  });

  it('lists only notable groups, sorted by labels, each naming its gateway', () => {
    assert.deepEqual(
      doc.groups.map((g) => g.labels.job),
      SORTED_JOBS,
    );
    for (const g of doc.groups) assert.equal(g.gateway, GATEWAY);
  });

  it('gives each group its age and TTL in seconds and last push as ISO time', () => {
    const deleted = doc.groups.find((g) => g.labels.job === 'etl_old');
    assert.deepEqual(deleted, {
      gateway: GATEWAY,
      labels: { job: 'etl_old', instance: 'a' },
      outcome: 'deleted',
      reason: 'stale',
      stale: true,
      ageSeconds: 10_801.234,
      lastPush: '2026-11-25T11:59:58.766Z',
      ttlSeconds: 7200,
      ttlSource: 'default',
    });
    const broken = doc.groups.find((g) => g.labels.job === 'broken');
    assert.equal(broken?.ttlSeconds, 36 * 3600);
    assert.equal(broken?.ttlSource, 'rule');
  });

  it('uses null for unknown age, last push and TTL, and keeps details', () => {
    const nan = doc.groups.find((g) => g.labels.job === 'nan');
    assert.equal(nan?.ageSeconds, null);
    assert.equal(nan?.lastPush, null);
    assert.equal(nan?.ttlSeconds, null);
    assert.equal(nan?.ttlSource, null);
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
    const r = run({}, { groups: [far] });
    const d = parse(formatJson(r));
    assert.equal(d.groups.length, 1);
    assert.equal(d.groups[0]?.lastPush, null);
    assert.match(formatTable(r), /kept\s+-\s+-\s+future-push-time\s+\{job="far"\}/);
  });

  it('leaves detail out when there is none', () => {
    const deleted = doc.groups.find((g) => g.labels.job === 'etl_old');
    assert.equal(Object.hasOwn(deleted ?? {}, 'detail'), false);
  });

  it('reports check and dry-run mode', () => {
    const d = parse(
      formatJson(run({ check: true, dryRun: true }, { summary: summary({ dryRun: true }) })),
    );
    assert.equal(d.check, true);
    assert.equal(d.dryRun, true);
    assert.equal(d.summary.dryRun, true);
  });

  it('reports an interrupted run', () => {
    assert.equal(parse(formatJson(run({ interrupted: true }))).interrupted, true);
  });

  it('has an empty group list when nothing is notable', () => {
    const d = parse(formatJson(run({}, { groups: [GROUPS[1] as GroupReport] })));
    assert.deepEqual(d.groups, []);
  });

  it('includes the guard verdict of a gateway whose guard tripped', () => {
    const d = parse(formatJson(run({}, { guard: 'the sweep would delete 11 of 12 groups' })));
    assert.equal(d.gateways[0]?.guard, 'the sweep would delete 11 of 12 groups');
    assert.equal(Object.hasOwn(doc.gateways[0] ?? {}, 'guard'), false);
  });
});

describe('formatJson with several gateways', () => {
  const a = report({ gateway: 'http://a:9091/' });
  const c = report({
    gateway: 'http://c:9091/',
    groups: [GROUPS[0] as GroupReport, GROUPS[1] as GroupReport],
    summary: summary({
      scanned: 2,
      stale: 1,
      deleted: 1,
      kept: 1,
      skipped: 0,
      failed: 0,
      durationMs: 766,
    }),
    clockSource: 'local',
  });
  const gateways: GatewayRun[] = [
    { gateway: 'http://a:9091/', report: a },
    { gateway: 'http://b:9091/', error: 'connection refused' },
    { gateway: 'http://c:9091/', report: c },
  ];
  const multi = run({ gateways });
  const doc = parse(formatJson(multi));

  it('sums the summaries of the gateways that were swept', () => {
    const expected = {
      scanned: 9,
      stale: 4,
      deleted: 2,
      wouldDelete: 0,
      kept: 4,
      excluded: 0,
      unselected: 0,
      skipped: 2,
      keptLatest: 0,
      failed: 1,
      sent: 0,
      durationMs: 2000,
      dryRun: false,
    };
    assert.deepEqual(doc.summary, expected);
    assert.deepEqual(totalSummary(multi), expected);
  });

  it('lists every gateway in order, a failed one with ok false and its error only', () => {
    assert.deepEqual(
      doc.gateways.map((g) => [g.gateway, g.ok]),
      [
        ['http://a:9091/', true],
        ['http://b:9091/', false],
        ['http://c:9091/', true],
      ],
    );
    assert.deepEqual(doc.gateways[1], {
      gateway: 'http://b:9091/',
      ok: false,
      error: 'connection refused',
    });
    assert.equal(doc.gateways[2]?.clockSource, 'local');
    assert.equal(doc.gateways[2]?.summary?.scanned, 2);
    assert.equal(Object.hasOwn(doc.gateways[0] ?? {}, 'error'), false);
  });

  it('tags each notable group with its gateway', () => {
    assert.deepEqual(
      doc.groups.map((g) => [g.gateway, g.labels.job]),
      [...SORTED_JOBS.map((job) => ['http://a:9091/', job]), ['http://c:9091/', 'etl_old']],
    );
  });
});

describe('formatTable', () => {
  const text = formatTable(run());
  const lines = text.split('\n');

  it('starts with an OUTCOME AGE TTL REASON GROUP header', () => {
    assert.match(lines[0] ?? '', /^OUTCOME\s+AGE\s+TTL\s+REASON\s+GROUP$/);
  });

  it('has one row per notable group, with aligned columns', () => {
    const rows = lines.slice(1, 1 + SORTED_JOBS.length);
    assert.equal(rows.length, SORTED_JOBS.length);
    const header = lines[0] ?? '';
    const groupColumn = header.indexOf('GROUP');
    const reasonColumn = header.indexOf('REASON');
    rows.forEach((row, i) => {
      assert.equal(row.indexOf('{job='), groupColumn, row);
      assert.ok(row.includes(`job="${SORTED_JOBS[i]}"`), row);
      assert.notEqual(row[reasonColumn], ' ', row);
      assert.equal(row[reasonColumn - 1], ' ', row);
    });
    assert.ok(!text.includes('job="fresh"'));
    assert.ok(!text.includes('job="web"'));
  });

  it('shows outcome, age, TTL, reason and labels in each row', () => {
    const row = lines.find((l) => l.includes('etl_old')) ?? '';
    // 3h0m1.2s, rounded up at the minute: never shown as less than it is.
    assert.match(row, /^deleted\s+3h1m\s+2h\s+stale\s+\{job="etl_old", instance="a"\}$/);
    const skipped = lines.find((l) => l.includes('"amb"')) ?? '';
    assert.match(skipped, /^skipped\s+5h\s+2h\s+key-unrecoverable\s+\{job="amb", instance=""\}$/);
    const nan = lines.find((l) => l.includes('"nan"')) ?? '';
    assert.match(nan, /^skipped\s+-\s+-\s+invalid-push-time\s+/);
  });

  it('names the source of a TTL that is not the default', () => {
    const broken = lines.find((l) => l.includes('"broken"')) ?? '';
    assert.match(broken, /^failed\s+1d16h\s+1d12h \(rule\)\s+delete-rejected\s+\{job="broken"\}$/);
    const etl = lines.find((l) => l.includes('etl_old')) ?? '';
    assert.ok(!etl.includes('(default)'), etl);
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

  it('does not print a gateway heading for a single gateway', () => {
    assert.ok(!text.includes('=='), text);
  });

  it('says "would delete" in a dry run', () => {
    const t = formatTable(
      run({ dryRun: true }, { summary: summary({ dryRun: true, wouldDelete: 4, deleted: 0 }) }),
    );
    assert.match(t, /^dry run: scanned 7, stale 3, would delete 4, kept 3/m);
    assert.ok(!/deleted \d/.test(t.split('\n').at(-2) ?? ''));
  });

  it('labels a check run', () => {
    const t = formatTable(
      run({ check: true, dryRun: true }, { summary: summary({ dryRun: true }) }),
    );
    assert.match(t, /^check: scanned 7, .*would delete 0/m);
  });

  it('marks an interrupted run', () => {
    const t = formatTable(run({ interrupted: true }, { interrupted: true }));
    assert.match(t.split('\n').at(-2) ?? '', /in 1\.2s \(interrupted\) \(ttl 2h, /);
    assert.ok(!formatTable(run()).includes('interrupted'));
  });

  it('prints the guard verdict above the summary', () => {
    const t = formatTable(run({}, { guard: 'the sweep would delete 11 of 12 groups' }));
    const tail = t.split('\n');
    assert.equal(tail.at(-3), 'guard: the sweep would delete 11 of 12 groups');
    assert.match(tail.at(-2) ?? '', /^scanned 7, /);
  });

  it('prints only the summary when nothing is notable', () => {
    const t = formatTable(run({}, { groups: [], summary: summary({ scanned: 0 }) }));
    assert.equal(t.split('\n').length, 2);
    assert.ok(!t.includes('OUTCOME'));
    assert.match(t, /^scanned 0, /);
  });
});

describe('formatTable with several gateways', () => {
  const b = report({
    gateway: 'http://b:9091/',
    groups: [GROUPS[0] as GroupReport],
    summary: summary({
      scanned: 1,
      stale: 1,
      deleted: 1,
      kept: 0,
      skipped: 0,
      failed: 0,
      durationMs: 766,
    }),
  });
  const gateways: GatewayRun[] = [
    { gateway: 'http://a:9091/', report: report({ gateway: 'http://a:9091/' }) },
    { gateway: 'http://down:9091/', error: 'connection refused' },
    { gateway: 'http://b:9091/', report: b },
  ];
  const text = formatTable(run({ gateways }));
  const lines = text.split('\n');

  it('prints one block per gateway, headed by its URL, in order', () => {
    const headings = lines.filter((l) => l.startsWith('== '));
    assert.deepEqual(headings, ['== http://a:9091/', '== http://down:9091/', '== http://b:9091/']);
    const a = lines.indexOf('== http://a:9091/');
    assert.match(lines[a + 1] ?? '', /^OUTCOME\s+AGE\s+TTL\s+REASON\s+GROUP$/);
  });

  it('ends each block with the summary of that gateway', () => {
    assert.ok(
      lines.includes(
        'scanned 7, stale 3, deleted 1, kept 3, skipped 2, failed 1 in 1.2s (ttl 2h, http://a:9091/)',
      ),
      text,
    );
    assert.ok(
      lines.includes(
        'scanned 1, stale 1, deleted 1, kept 0, skipped 0, failed 0 in 0.8s (ttl 2h, http://b:9091/)',
      ),
      text,
    );
  });

  it('shows a gateway that could not be swept as an error line', () => {
    const at = lines.indexOf('== http://down:9091/');
    assert.equal(lines[at + 1], 'error: connection refused');
  });

  it('ends with a total over all gateways', () => {
    assert.equal(
      lines.at(-2),
      'scanned 8, stale 4, deleted 2, kept 3, skipped 2, failed 1 in 2.0s (ttl 2h, 3 gateways)',
    );
    assert.ok(text.endsWith('\n'));
  });

  it('marks only the gateway that was interrupted, not the ones that finished before', () => {
    // Bug probe: a multi-gateway run stopped during the second gateway; the first one completed.
    const t = formatTable(
      run({
        interrupted: true,
        gateways: [
          { gateway: 'http://a:9091/', report: report({ gateway: 'http://a:9091/' }) },
          { gateway: 'http://b:9091/', report: { ...b, interrupted: true } },
        ],
      }),
    );
    const summaryOf = (gw: string) =>
      t.split('\n').find((l) => l.startsWith('scanned') && l.endsWith(`${gw})`)) ?? '';
    assert.match(summaryOf('http://b:9091/'), /\(interrupted\)/);
    assert.doesNotMatch(summaryOf('http://a:9091/'), /\(interrupted\)/);
    assert.match(t.split('\n').at(-2) ?? '', /\(interrupted\)/);
  });
});

describe('output in pieces', () => {
  // Enough groups to cross several chunk boundaries, on two gateways, plus the empty case.
  const many: GroupReport[] = Array.from({ length: 3000 }, (_, i) => ({
    ...(GROUPS[0] as GroupReport),
    labels: { job: `etl_${i % 7}`, run_id: `r${i}` },
  }));
  const cases: Array<[string, RunResult]> = [
    ['no groups', run({}, { groups: [] })],
    ['a few groups', run()],
    ['many groups', run({}, { groups: many })],
    [
      'two gateways',
      {
        ...run({}, { groups: many }),
        gateways: [
          { gateway: GATEWAY, report: report({ groups: many }) },
          { gateway: 'http://other:9091/', error: 'connection refused' },
        ],
      },
    ],
  ];
  for (const [name, r] of cases) {
    it(`JSON: ${name}, byte for byte what one JSON.stringify prints`, () => {
      const doc = JSON.parse(formatJson(r)) as { groups: unknown[] };
      assert.equal(formatJson(r), `${JSON.stringify(doc, null, 2)}\n`);
      assert.ok([...jsonChunks(r)].every((c) => c.length < 200_000));
    });
  }
  it('the table lists every notable group once, in chunks', () => {
    const text = formatTable(run({}, { groups: many }));
    assert.equal(text.split('\n').filter((l) => l.startsWith('deleted')).length, many.length);
    assert.ok([...tableChunks(run({}, { groups: many }))].length > 1);
  });
});

describe('an interrupted run with DELETEs sent but not confirmed', () => {
  const sent: GroupReport = {
    labels: { job: 'etl_old', run_id: 'r9' },
    outcome: 'sent',
    reason: 'interrupted',
    detail: 'DELETE accepted (202); pgsweep stopped before confirming it',
    stale: true,
    ageMs: 40 * HOUR,
    lastPushMs: NOW_MS - 40 * HOUR,
    ttlMs: 2 * HOUR,
    ttlSource: 'default',
  };
  const interrupted = run(
    { interrupted: true },
    {
      interrupted: true,
      groups: [sent],
      summary: summary({ stale: 1, deleted: 0, failed: 0, sent: 1, kept: 0, skipped: 0 }),
    },
  );

  it('is a notable group, listed as sent in the table, with a note and the count', () => {
    assert.equal(isNotable(sent), true);
    const table = formatTable(interrupted);
    assert.match(table, /^sent {5}1d16h\s+2h\s+interrupted\s+\{job="etl_old", run_id="r9"\}$/m);
    assert.match(table, /^sent: pgsweep stopped after sending these DELETEs/m);
    assert.match(
      table,
      /deleted 0, sent 1 \(not confirmed\), kept 0, skipped 0, failed 0 .*\(interrupted\)/,
    );
  });

  it('is in the JSON with its detail and counted in the summaries', () => {
    const doc = JSON.parse(formatJson(interrupted)) as {
      summary: SweepSummary;
      groups: Array<{ outcome: string; reason: string; detail?: string }>;
    };
    assert.equal(doc.summary.sent, 1);
    assert.deepEqual(
      doc.groups.map((g) => [g.outcome, g.reason, g.detail]),
      [['sent', 'interrupted', 'DELETE accepted (202); pgsweep stopped before confirming it']],
    );
  });

  it('says nothing about sent in a run without any', () => {
    const table = formatTable(run());
    assert.doesNotMatch(table, /sent/);
  });
});

describe('output users can build on', () => {
  const stale = (labels: Record<string, string>, ageMs = 1300): GroupReport => ({
    labels,
    outcome: 'deleted',
    reason: 'stale',
    stale: true,
    ageMs,
    lastPushMs: NOW_MS - ageMs,
    ttlMs: 1000,
    ttlSource: 'default',
  });
  const listed = [
    stale({ job: 'b', instance: 'i1' }),
    stale({ job: 'a', zone: 'z', instance: 'i2' }),
    stale({ instance: 'x' }),
    stale({ job: 'a', instance: 'i1' }),
    stale({ job: 'a' }),
    stale({ job: 'a', instance: 'i1', zone: 'y' }),
  ];
  const expected = [
    '{instance="x"}',
    '{job="a"}',
    '{job="a", instance="i1"}',
    '{job="a", instance="i1", zone="y"}',
    '{job="a", instance="i2", zone="z"}',
    '{job="b", instance="i1"}',
  ];
  const rowsOf = (text: string) =>
    text
      .split('\n')
      .filter((l) => l.startsWith('deleted'))
      .map((l) => l.slice(l.indexOf('{')));

  it('sorts rows by job, then by the other labels in name order, whatever the listing order', () => {
    for (const order of [listed, [...listed].reverse()]) {
      const r = run({}, { groups: order, summary: summary({ scanned: 6 }) });
      assert.deepEqual(rowsOf(formatTable(r)), expected);
      assert.deepEqual(
        parse(formatJson(r)).groups.map((g) => g.labels),
        expected.map((_, i) => sortedLabels(order, expected[i] ?? '')),
      );
    }
  });

  it('shows an age just past a 1s TTL as older than the TTL, and keeps it precise in JSON', () => {
    const r = run({}, { groups: [stale({ job: 'a' }, 1040)] });
    const row = formatTable(r).split('\n')[1] ?? '';
    assert.match(row, /^deleted\s+1\.1s\s+1s\s+stale/);
    assert.equal(parse(formatJson(r)).groups[0]?.ageSeconds, 1.04);
  });

  it('counts excluded and unselected groups in the summary line and the JSON', () => {
    const r = run({}, { summary: summary({ kept: 9, excluded: 2, unselected: 4 }) });
    assert.match(formatTable(r), /, kept 9 \(2 excluded, 4 not selected\), skipped /);
    const doc = parse(formatJson(r));
    assert.equal(doc.summary.excluded, 2);
    assert.equal(doc.summary.unselected, 4);
    assert.match(formatTable(run()), /, kept 3, skipped /);
  });

  it('heads a scheduled run with its start time; the JSON has it as startedAt', () => {
    const startedMs = Date.UTC(2026, 11, 2, 10, 15, 0, 250);
    const scheduled = formatTable(run({ startedMs, scheduled: true }));
    assert.equal(scheduled.split('\n')[0], 'run 2026-12-02T10:15:00Z');
    assert.match(formatTable(run({ startedMs })), /^OUTCOME/);
    const doc = parse(formatJson(run({ startedMs, scheduled: true }))) as { startedAt?: string };
    assert.equal(doc.startedAt, '2026-12-02T10:15:00.250Z');
  });
});

/** The labels object of the group in `groups` that formats as `text`. */
function sortedLabels(groups: readonly GroupReport[], text: string): Record<string, string> {
  const found = groups.find(
    (g) =>
      `{${Object.entries(g.labels)
        .sort(([a], [b]) => (a === 'job' ? -1 : b === 'job' ? 1 : a < b ? -1 : 1))
        .map(([k, v]) => `${k}="${v}"`)
        .join(', ')}}` === text,
  );
  return { ...(found?.labels ?? {}) };
}
