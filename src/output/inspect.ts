/** stdout formatter for `pgsweep inspect`: a table for people, JSON for scripts. */
import { formatAge } from '../core/duration.ts';
import type { GroupRef, InspectReport } from '../core/inspect-report.ts';
import { formatLabels } from '../wire/grouping-key.ts';
import {
  formatBytes,
  type GatewayResult,
  isoOrNull,
  more,
  TABLE_GROUPS,
  TABLE_ROWS,
  table,
} from './report.ts';
import { SCHEMA_VERSION } from './sweep.ts';

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
