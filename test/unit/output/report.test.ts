import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnose } from '../../../src/commands/doctor/diagnose.ts';
import { GroupScan } from '../../../src/commands/doctor/observations.ts';
import type { Diagnosis, DoctorReport } from '../../../src/core/doctor-report.ts';
import { inspectGroups } from '../../../src/core/inspect-report.ts';
import type { ProbeResult } from '../../../src/gateway/client.ts';
import { doctorJson, formatDoctorTable } from '../../../src/output/doctor.ts';
import { formatInspectTable, inspectJson } from '../../../src/output/inspect.ts';
import { formatBytes } from '../../../src/output/report.ts';
import { SCHEMA_VERSION } from '../../../src/output/sweep.ts';
import type { Labels } from '../../../src/wire/labels.ts';
import type { ListedGroup } from '../../../src/wire/listing.ts';

const NOW = Date.parse('2026-11-25T16:00:00Z');
const ok: ProbeResult = {
  kind: 'response',
  status: 200,
  headers: {},
  bytes: 3,
  head: 'OK\n',
  truncated: false,
};
const group = (labels: Labels, pushTime: string, failure = '0'): ListedGroup => ({
  labels,
  displayLabels: labels,
  keySource: 'labels',
  pushTime,
  pushFailureTime: failure,
});

function diagnosisOf(groups: ListedGroup[]): Diagnosis {
  const scan = new GroupScan();
  for (const g of groups) scan.add(g);
  return diagnose({
    healthy: ok,
    listing: { kind: 'ok', groups: scan },
    scrape: ok,
    baseUrl: 'http://gw/',
  });
}

describe('inspect output', () => {
  const groups = Array.from({ length: 25 }, (_, i) =>
    group({ job: 'etl', run_id: `r${i}` }, String(NOW / 1000 - 3600 * i)),
  );
  groups.push(group({ job: 'ghost' }, '0', String(NOW / 1000 - 60)));
  const report = inspectGroups(groups, NOW, 5000, {
    samplesByJob: new Map([['etl', 100]]),
    bytes: 2048,
  });

  it('JSON has a schema version, every job and label, and ISO times', () => {
    const doc = inspectJson([{ gateway: 'http://gw/', report }]);
    assert.equal(doc.schemaVersion, SCHEMA_VERSION);
    assert.equal(doc.command, 'inspect');
    const gw = doc.gateways[0] as Record<string, unknown>;
    assert.equal(gw.ok, true);
    assert.equal(gw.groups, 26);
    assert.equal(gw.series, 100);
    assert.equal(gw.now, '2026-11-25T16:00:00.000Z');
    assert.deepEqual(gw.neverSucceeded, {
      count: 1,
      groups: [
        {
          labels: { job: 'ghost' },
          ageSeconds: 60,
          lastPush: '2026-11-25T15:59:00.000Z',
          ageFrom: 'push_failure_time',
        },
      ],
    });
  });

  it('the table names unbounded labels and the never-succeeded groups', () => {
    const text = formatInspectTable([{ gateway: 'http://gw/', report }]);
    assert.match(text, /^26 groups in a 4\.9 KiB listing; 100 series on \/metrics \(2\.0 KiB\)/m);
    assert.match(text, /^run_id\s+25\s+25\s+UNBOUNDED/m);
    assert.match(text, /^NEVER SUCCEEDED: 1 /m);
    assert.match(text, /^1m\s+\{job="ghost"\}$/m);
  });

  it('a gateway that failed is an error entry', () => {
    const doc = inspectJson([{ gateway: 'http://gw/', error: 'boom' }]);
    assert.deepEqual(doc.gateways[0], { gateway: 'http://gw/', ok: false, error: 'boom' });
  });
});

describe('doctor output', () => {
  const sick = diagnosisOf([
    group({ job: 'ghost' }, '0', '1.79e+09'),
    group({ job: 'ok' }, '1.79e+09'),
  ]);
  const healthy = diagnosisOf([group({ job: 'ok' }, '1.79e+09')]);
  const report = (over: Partial<DoctorReport>): DoctorReport => ({
    gateway: 'http://gw/',
    fix: false,
    before: sick,
    fixes: [],
    healthy: false,
    interrupted: false,
    ...over,
  });

  it('without --fix, says what --fix would delete', () => {
    const text = formatDoctorTable([{ gateway: 'http://gw/', report: report({}) }]);
    assert.match(text, /^phantoms\s+PROBLEM$/m);
    assert.match(text, /^phantom\s+delete with --fix\s+\{job="ghost"\}$/m);
    assert.match(
      text,
      /doctor: 1 problem; pgsweep doctor --fix deletes 1 group \(http:\/\/gw\/\)\n$/,
    );
  });

  it('with --fix, reports what was deleted and the re-check', () => {
    const problem = sick.problems[0];
    assert.ok(problem);
    const r = report({
      fix: true,
      after: healthy,
      healthy: true,
      fixes: [
        {
          kind: 'phantom',
          group: '{job="ghost"}',
          problem,
          path: 'metrics/job/ghost',
          outcome: 'deleted',
        },
      ],
    });
    const text = formatDoctorTable([{ gateway: 'http://gw/', report: r }]);
    assert.match(text, /^deleted\s+phantom\s+\{job="ghost"\}$/m);
    assert.match(text, /^RE-CHECK$/m);
    assert.match(text, /doctor: deleted 1 group; healthy at the re-check \(http:\/\/gw\/\)\n$/);
    const doc = doctorJson([{ gateway: 'http://gw/', report: r }], true);
    assert.equal(doc.healthy, true);
    assert.equal(doc.fix, true);
    const gw = doc.gateways[0] as { fixes: unknown[]; after: { problems: unknown[] } };
    assert.deepEqual(gw.fixes, [
      { kind: 'phantom', group: { job: 'ghost' }, path: 'metrics/job/ghost', outcome: 'deleted' },
    ]);
    assert.deepEqual(gw.after.problems, []);
  });

  it('a healthy gateway says so', () => {
    const text = formatDoctorTable([
      { gateway: 'http://gw/', report: report({ before: healthy, healthy: true }) },
    ]);
    assert.match(text, /doctor: healthy \(http:\/\/gw\/\)\n$/);
    assert.equal(
      doctorJson(
        [{ gateway: 'http://gw/', report: report({ before: healthy, healthy: true }) }],
        false,
      ).healthy,
      true,
    );
  });
});

describe('formatBytes', () => {
  it('uses binary units', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(2048), '2.0 KiB');
    assert.equal(formatBytes(290 * 1024 * 1024), '290 MiB');
  });
});
