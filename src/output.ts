/** Result formatters for stdout: a table for people, one JSON document for scripts. */
import { formatAge, formatDuration } from './duration.ts';
import { formatLabels } from './grouping-key.ts';
import type { GroupReport, SweepReport } from './sweep.ts';

export const OUTPUT_FORMATS = ['table', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Bumped only on breaking changes to the JSON document. */
export const SCHEMA_VERSION = 1;

export interface RunInfo {
  readonly check: boolean;
}

/**
 * Groups worth listing one by one: everything stale, skipped, failed or kept for a warning.
 * Fresh and unselected groups are only counted, so the output stays small on big gateways.
 */
export function isNotable(g: GroupReport): boolean {
  return (
    g.stale || g.outcome === 'skipped' || g.outcome === 'failed' || g.reason === 'future-push-time'
  );
}

export function toJsonDocument(report: SweepReport, run: RunInfo) {
  return {
    schemaVersion: SCHEMA_VERSION,
    gateway: report.gateway,
    now: new Date(report.nowMs).toISOString(),
    clockSource: report.clockSource,
    ttl: formatDuration(report.ttlMs),
    ttlSeconds: report.ttlMs / 1000,
    dryRun: report.summary.dryRun,
    check: run.check,
    summary: report.summary,
    groups: report.groups.filter(isNotable).map((g) => ({
      labels: g.labels,
      outcome: g.outcome,
      reason: g.reason,
      ...(g.detail === undefined ? {} : { detail: g.detail }),
      stale: g.stale,
      ageSeconds: g.ageMs === undefined ? null : Math.round(g.ageMs) / 1000,
      lastPush: isoOrNull(g.lastPushMs),
    })),
  };
}

/** Far-future push times (1e+300 after a clock jump) are beyond what Date can represent. */
function isoOrNull(ms: number | undefined): string | null {
  if (ms === undefined) return null;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

export function formatJson(report: SweepReport, run: RunInfo): string {
  return `${JSON.stringify(toJsonDocument(report, run), null, 2)}\n`;
}

export function formatTable(report: SweepReport, run: RunInfo): string {
  const rows = report.groups
    .filter(isNotable)
    .map((g) => [
      g.outcome,
      g.ageMs === undefined ? '-' : formatAge(g.ageMs),
      g.reason,
      formatLabels(g.labels),
    ]);
  const lines: string[] = [];
  if (rows.length > 0) {
    const header = ['OUTCOME', 'AGE', 'REASON', 'GROUP'];
    const widths = header.map((h, i) =>
      Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)),
    );
    const fmt = (cells: string[]) =>
      cells
        .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd();
    lines.push(fmt(header), ...rows.map(fmt));
    lines.push('');
  }
  lines.push(summaryLine(report, run));
  return `${lines.join('\n')}\n`;
}

function summaryLine(report: SweepReport, run: RunInfo): string {
  const s = report.summary;
  const mode = run.check ? 'check: ' : s.dryRun ? 'dry run: ' : '';
  const acted = s.dryRun ? `would delete ${s.wouldDelete}` : `deleted ${s.deleted}`;
  return (
    `${mode}scanned ${s.scanned}, stale ${s.stale}, ${acted}, kept ${s.kept}, ` +
    `skipped ${s.skipped}, failed ${s.failed} in ${(s.durationMs / 1000).toFixed(1)}s ` +
    `(ttl ${formatDuration(report.ttlMs)}, ${report.gateway})`
  );
}
