/** stdout formatters for `pgsweep inspect` and `pgsweep doctor`: a table for people, JSON for scripts. */

import type { DoctorReport, FixAction } from '../core/doctor-report.ts';
import { checkOf, type Diagnosis, type Problem } from '../core/doctor-report.ts';
import { formatAge } from '../core/duration.ts';
import type { GroupRef, InspectReport } from '../core/inspect-report.ts';
import { formatLabels } from '../wire/grouping-key.ts';
import { formatRawKey, rawKeyBase64 } from '../wire/ui-keys.ts';
import { SCHEMA_VERSION } from './sweep.ts';

/** One gateway's part of an inspect or doctor run: its report, or why it could not be examined. */
export interface GatewayResult<R> {
  readonly gateway: string;
  readonly report?: R;
  readonly error?: string;
}

/** Rows shown in the table before "... and N more" (JSON has them all, or up to its own limit). */
const TABLE_ROWS = 20;
const TABLE_GROUPS = 10;

function isoOrNull(ms: number | undefined): string | null {
  if (ms === undefined) return null;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Left-aligned columns, two spaces apart, no trailing spaces; `right` columns are right-aligned. */
function table(
  header: string[],
  rows: string[][],
  right: ReadonlySet<number> = new Set(),
): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) =>
        i === cells.length - 1 && !right.has(i)
          ? c
          : right.has(i)
            ? c.padStart(widths[i] ?? 0)
            : c.padEnd(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [fmt(header), ...rows.map(fmt)];
}

function more(total: number, shown: number, what: string): string[] {
  return total > shown ? [`... and ${total - shown} more ${what} (see --output json)`] : [];
}

// ---------------------------------------------------------------- inspect

function groupRefJson(g: GroupRef) {
  return {
    labels: g.labels,
    ageSeconds: g.ageMs === undefined ? null : Math.round(g.ageMs) / 1000,
    lastPush: isoOrNull(g.lastPushMs),
    ageFrom: g.ageFrom ?? null,
  };
}

export function inspectJson(results: readonly GatewayResult<InspectReport>[]) {
  return {
    schemaVersion: SCHEMA_VERSION,
    command: 'inspect',
    gateways: results.map((g) => {
      if (!g.report) return { gateway: g.gateway, ok: false, error: g.error ?? 'unknown error' };
      const r = g.report;
      return {
        gateway: g.gateway,
        ok: true,
        now: isoOrNull(r.nowMs),
        clockSource: r.clockSource,
        groups: r.groups,
        listingBytes: r.listingBytes,
        series: 'total' in r.series ? r.series.total : null,
        ...('total' in r.series
          ? { scrapeBytes: r.series.scrapeBytes }
          : { seriesUnavailable: r.series.unavailable }),
        jobs: r.jobs,
        labels: r.labels,
        ages: r.ages,
        unknownAge: r.unknownAge,
        oldest: r.oldest.map(groupRefJson),
        neverSucceeded: {
          count: r.neverSucceeded.count,
          groups: r.neverSucceeded.groups.map(groupRefJson),
        },
        lastPushFailed: {
          count: r.lastPushFailed.count,
          groups: r.lastPushFailed.groups.map(groupRefJson),
        },
        inexactKeys: r.inexactKeys,
        ...(r.families
          ? {
              families: {
                ...r.families,
                largest: r.families.largest.map((f) => ({
                  labels: f.labels,
                  groups: f.size,
                  oldest: f.oldest ?? null,
                  oldestPush: isoOrNull(f.oldestMs),
                })),
              },
            }
          : {}),
      };
    }),
  };
}

export function formatInspectJson(results: readonly GatewayResult<InspectReport>[]): string {
  return `${JSON.stringify(inspectJson(results), null, 2)}\n`;
}

function ageOf(g: GroupRef): string {
  return g.ageMs === undefined ? '-' : formatAge(g.ageMs);
}

function groupList(title: string, count: number, groups: readonly GroupRef[]): string[] {
  if (count === 0) return [];
  const shown = groups.slice(0, TABLE_GROUPS);
  return [
    '',
    title,
    ...table(
      ['AGE', 'GROUP'],
      shown.map((g) => [ageOf(g), formatLabels(g.labels)]),
    ),
    ...more(count, shown.length, 'groups'),
  ];
}

function inspectTable(r: InspectReport): string[] {
  const clock =
    r.clockSource === 'gateway-date'
      ? `ages by the gateway's clock (${isoOrNull(r.nowMs)})`
      : `ages by this machine's clock (${isoOrNull(r.nowMs)}; the gateway sent no Date)`;
  const series =
    'total' in r.series
      ? `${r.series.total} series on /metrics (${formatBytes(r.series.scrapeBytes)})`
      : `series unknown: ${r.series.unavailable}`;
  const lines = [
    `${r.groups} groups in a ${formatBytes(r.listingBytes)} listing; ${series}; ${clock}`,
  ];
  if (r.inexactKeys > 0) {
    lines.push(
      `${r.inexactKeys} groups have keys the listing cannot show exactly (best-effort labels)`,
    );
  }
  if (r.groups === 0) return lines;

  const jobs = r.jobs.slice(0, TABLE_ROWS);
  lines.push(
    '',
    ...table(
      ['JOB', 'GROUPS', 'SERIES'],
      jobs.map((j) => [j.job, String(j.groups), j.series === undefined ? '-' : String(j.series)]),
      new Set([1, 2]),
    ),
    ...more(r.jobs.length, jobs.length, 'jobs'),
  );

  const labels = r.labels.slice(0, TABLE_ROWS);
  lines.push(
    '',
    ...table(
      ['LABEL', 'GROUPS', 'VALUES', ''],
      labels.map((l) => [
        l.name,
        String(l.groups),
        String(l.distinctValues),
        l.unbounded ? 'UNBOUNDED: a new value for most groups (a per-run label?)' : '',
      ]),
      new Set([1, 2]),
    ),
    ...more(r.labels.length, labels.length, 'labels'),
  );

  lines.push(
    '',
    ...table(
      ['AGE', 'GROUPS'],
      [
        ...r.ages.map((a) => [a.bucket, String(a.groups)]),
        ...(r.unknownAge > 0 ? [['unknown', String(r.unknownAge)]] : []),
      ],
      new Set([1]),
    ),
  );

  if (r.oldest.length > 0) {
    lines.push(
      '',
      'OLDEST',
      ...table(
        ['AGE', 'LAST PUSH', 'GROUP'],
        r.oldest.map((g) => [
          ageOf(g),
          `${isoOrNull(g.lastPushMs) ?? '-'}${g.ageFrom === 'push_failure_time' ? ' (failed)' : ''}`,
          formatLabels(g.labels),
        ]),
      ),
    );
  }
  lines.push(
    ...groupList(
      `NEVER SUCCEEDED: ${r.neverSucceeded.count} (push_time_seconds is 0; pgsweep doctor --fix deletes them)`,
      r.neverSucceeded.count,
      r.neverSucceeded.groups,
    ),
    ...groupList(
      `LAST PUSH FAILED: ${r.lastPushFailed.count} (pushed successfully before)`,
      r.lastPushFailed.count,
      r.lastPushFailed.groups,
    ),
  );
  lines.push(...familyTable(r));
  return lines;
}

/** inspect --per: the largest families, each with its oldest group's age. */
function familyTable(r: InspectReport): string[] {
  const f = r.families;
  if (!f) return [];
  const shown = f.largest.slice(0, TABLE_ROWS);
  return [
    '',
    `FAMILIES by ${f.per.join(',')}: ${f.families} families of ${f.groups} groups with a successful push`,
    ...table(
      ['GROUPS', 'OLDEST', 'FAMILY', 'OLDEST GROUP'],
      shown.map((x) => [
        String(x.size),
        formatAge(Math.max(0, r.nowMs - x.oldestMs)),
        formatLabels(x.labels),
        x.oldest ? formatLabels(x.oldest) : '-',
      ]),
      new Set([0]),
    ),
    ...more(f.families, shown.length, 'families'),
  ];
}

export function formatInspectTable(results: readonly GatewayResult<InspectReport>[]): string {
  const lines: string[] = [];
  for (const [i, g] of results.entries()) {
    if (i > 0) lines.push('');
    lines.push(`== ${g.gateway}`);
    if (g.report) lines.push(...inspectTable(g.report));
    else lines.push(`error: ${g.error ?? 'unknown error'}`);
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------- doctor

function problemJson(p: Problem) {
  return {
    kind: p.kind,
    check: checkOf(p.kind),
    detail: p.detail,
    group: p.group ?? null,
    ...(p.rawKey ? { rawKey: rawKeyBase64(p.rawKey) } : {}),
    fixable: p.fix !== undefined,
    ...(p.fix ? { fix: { action: 'delete', path: p.fix.path } } : {}),
    ...(p.unfixable ? { unfixable: p.unfixable } : {}),
  };
}

function diagnosisJson(d: Diagnosis) {
  return { checks: d.checks, problems: d.problems.map(problemJson) };
}

function fixJson(a: FixAction) {
  return {
    kind: a.kind,
    group: a.problem.group ?? null,
    ...(a.problem.rawKey ? { rawKey: rawKeyBase64(a.problem.rawKey) } : {}),
    path: a.path,
    outcome: a.outcome,
    ...(a.detail ? { detail: a.detail } : {}),
  };
}

export function doctorJson(results: readonly GatewayResult<DoctorReport>[], fix: boolean) {
  return {
    schemaVersion: SCHEMA_VERSION,
    command: 'doctor',
    fix,
    healthy: results.every((g) => g.report?.healthy === true),
    interrupted: results.some((g) => g.report?.interrupted === true),
    gateways: results.map((g) => {
      if (!g.report) return { gateway: g.gateway, ok: false, error: g.error ?? 'unknown error' };
      const r = g.report;
      return {
        gateway: g.gateway,
        ok: true,
        healthy: r.healthy,
        ...diagnosisJson(r.before),
        fixes: r.fixes.map(fixJson),
        ...(r.after ? { after: diagnosisJson(r.after) } : {}),
      };
    }),
  };
}

export function formatDoctorJson(
  results: readonly GatewayResult<DoctorReport>[],
  fix: boolean,
): string {
  return `${JSON.stringify(doctorJson(results, fix), null, 2)}\n`;
}

function problemGroup(p: Problem): string {
  if (p.rawKey) return formatRawKey(p.rawKey);
  return p.group ? formatLabels(p.group) : '-';
}

function diagnosisLines(d: Diagnosis, fix: boolean): string[] {
  const lines = table(
    ['CHECK', 'RESULT'],
    d.checks.map((c) => [
      c.check,
      c.status === 'problem' ? 'PROBLEM' : c.status === 'unknown' ? `unknown (${c.detail})` : 'ok',
    ]),
  );
  if (d.problems.length === 0) return lines;
  lines.push(
    '',
    ...table(
      ['PROBLEM', 'FIX', 'GROUP'],
      d.problems.map((p) => [
        p.kind,
        p.fix ? (fix ? 'delete' : 'delete with --fix') : 'none',
        problemGroup(p),
      ]),
    ),
  );
  lines.push('');
  for (const p of d.problems) {
    lines.push(`${p.kind}: ${p.detail}`);
    if (p.unfixable) lines.push(`  not fixed by --fix: ${p.unfixable}`);
  }
  return lines;
}

function doctorTable(r: DoctorReport): string[] {
  const lines = diagnosisLines(r.before, r.fix);
  if (r.fixes.length > 0) {
    lines.push(
      '',
      'FIXES',
      ...table(
        ['OUTCOME', 'PROBLEM', 'GROUP', 'DETAIL'],
        r.fixes.map((a) => [a.outcome, a.kind, a.group, a.detail ?? '']),
      ),
    );
  }
  if (r.after) lines.push('', 'RE-CHECK', ...diagnosisLines(r.after, false));
  lines.push('', summaryLine(r));
  return lines;
}

function summaryLine(r: DoctorReport): string {
  const final = r.after ?? r.before;
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const deleted = r.fixes.filter((a) => a.outcome === 'deleted').length;
  const failed = r.fixes.filter((a) => a.outcome === 'failed').length;
  const acted = !r.fix
    ? ''
    : r.fixes.length === 0
      ? 'nothing it may delete; '
      : `deleted ${count(deleted, 'group')}${failed > 0 ? `, ${failed} failed` : ''}; `;
  const stopped = r.interrupted ? ' (interrupted)' : '';
  if (final.problems.length === 0) {
    return `doctor: ${acted}${r.after ? 'healthy at the re-check' : 'healthy'}${stopped} (${r.gateway})`;
  }
  const fixable = final.problems.filter((p) => p.fix).length;
  const hint =
    !r.fix && fixable > 0 ? `; pgsweep doctor --fix deletes ${count(fixable, 'group')}` : '';
  return `doctor: ${acted}${count(final.problems.length, 'problem')}${r.after ? ' remain at the re-check' : ''}${hint}${stopped} (${r.gateway})`;
}

export function formatDoctorTable(results: readonly GatewayResult<DoctorReport>[]): string {
  const lines: string[] = [];
  for (const [i, g] of results.entries()) {
    if (i > 0) lines.push('');
    if (results.length > 1) lines.push(`== ${g.gateway}`);
    if (g.report) lines.push(...doctorTable(g.report));
    else lines.push(`error: ${g.error ?? 'unknown error'}`);
  }
  return `${lines.join('\n')}\n`;
}
