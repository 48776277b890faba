/** Result formatters for stdout: a table for people, one JSON document for scripts. */
import { formatAge, formatDuration } from '../core/duration.ts';
import type { GroupReport, SweepReport, SweepSummary } from '../core/sweep-report.ts';
import { formatLabels } from '../wire/grouping-key.ts';
import { sortedGroups } from './group-order.ts';
import { isoOrNull } from './report.ts';

export const OUTPUT_FORMATS = ['table', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Bumped only on breaking changes to the JSON document. */
export const SCHEMA_VERSION = 1;

/** One gateway's part of a run: its report, or why it could not be swept. */
export interface GatewayRun {
  readonly gateway: string;
  readonly report?: SweepReport;
  readonly error?: string;
}

/**
 * A sweep of one gateway that did its job: no error, no failed delete, no tripped guard (guards
 * only warn in a dry run), not interrupted. The exit code and the self-metrics both use this.
 */
export function gatewaySucceeded(run: GatewayRun, dryRun: boolean): boolean {
  const report = run.report;
  if (run.error !== undefined || !report) return false;
  if (report.interrupted || report.summary.failed > 0) return false;
  return dryRun || (report.guard === undefined && report.poisoned === undefined);
}

export interface RunResult {
  readonly gateways: readonly GatewayRun[];
  readonly ttlMs: number;
  readonly dryRun: boolean;
  readonly check: boolean;
  readonly interrupted: boolean;
  /** When the run started (this machine's clock): the JSON's `startedAt`. */
  readonly startedMs?: number;
  /** One of a schedule's runs: the table starts with a `run <time>` line. */
  readonly scheduled?: boolean;
}

export function totalSummary(run: RunResult): SweepSummary {
  const reports = run.gateways.flatMap((g) => (g.report ? [g.report.summary] : []));
  const sum = (k: keyof Omit<SweepSummary, 'dryRun'>) => reports.reduce((n, s) => n + s[k], 0);
  return {
    scanned: sum('scanned'),
    stale: sum('stale'),
    deleted: sum('deleted'),
    wouldDelete: sum('wouldDelete'),
    kept: sum('kept'),
    excluded: sum('excluded'),
    unselected: sum('unselected'),
    skipped: sum('skipped'),
    keptLatest: sum('keptLatest'),
    failed: sum('failed'),
    sent: sum('sent'),
    durationMs: sum('durationMs'),
    dryRun: run.dryRun,
  };
}

function jsonHead(run: RunResult) {
  return {
    schemaVersion: SCHEMA_VERSION,
    dryRun: run.dryRun,
    check: run.check,
    interrupted: run.interrupted,
    ...(run.startedMs === undefined ? {} : { startedAt: isoOrNull(run.startedMs) }),
    ttl: formatDuration(run.ttlMs),
    ttlSeconds: run.ttlMs / 1000,
    summary: totalSummary(run),
    gateways: run.gateways.map((g) => ({
      gateway: g.gateway,
      ok: g.error === undefined,
      ...(g.error === undefined ? {} : { error: g.error }),
      ...(g.report
        ? {
            now: isoOrNull(g.report.nowMs),
            clockSource: g.report.clockSource,
            ...(g.report.listing ? { listing: g.report.listing } : {}),
            ...(g.report.listingFallback ? { listingFallback: g.report.listingFallback } : {}),
            ...(g.report.guard ? { guard: g.report.guard } : {}),
            ...(g.report.poisoned ? { poisoned: g.report.poisoned } : {}),
            summary: g.report.summary,
          }
        : {}),
    })),
  };
}

function* jsonGroups(run: RunResult) {
  for (const g of run.gateways) {
    for (const r of sortedGroups(g.report?.groups ?? [])) {
      yield {
        gateway: g.gateway,
        labels: r.labels,
        outcome: r.outcome,
        reason: r.reason,
        ...(r.detail === undefined ? {} : { detail: r.detail }),
        stale: r.stale,
        ageSeconds: r.ageMs === undefined ? null : Math.round(r.ageMs) / 1000,
        lastPush: isoOrNull(r.lastPushMs),
        ttlSeconds: r.ttlMs === undefined ? null : r.ttlMs / 1000,
        ttlSource: r.ttlSource ?? null,
      };
    }
  }
}

export function toJsonDocument(run: RunResult) {
  return { ...jsonHead(run), groups: [...jsonGroups(run)] };
}

/** Chunks are joined up to about this size before they are written. */
const CHUNK_CHARS = 64 * 1024;

/**
 * The JSON document in pieces, byte for byte what JSON.stringify(doc, null, 2) prints, so a report
 * of 100k deleted groups is never held as one string.
 */
export function* jsonChunks(run: RunResult): Generator<string> {
  const empty = `${JSON.stringify({ ...jsonHead(run), groups: [] }, null, 2)}\n`;
  const tail = '[]\n}\n';
  let buffer = '';
  let first = true;
  for (const group of jsonGroups(run)) {
    buffer += first ? `${empty.slice(0, -tail.length)}[\n` : ',\n';
    first = false;
    buffer += `    ${JSON.stringify(group, null, 2).replaceAll('\n', '\n    ')}`;
    if (buffer.length >= CHUNK_CHARS) {
      yield buffer;
      buffer = '';
    }
  }
  yield first ? empty : `${buffer}\n  ]\n}\n`;
}

export function formatJson(run: RunResult): string {
  return [...jsonChunks(run)].join('');
}

/** The table in pieces (one per gateway part), so a long report is never one string. */
export function* tableChunks(run: RunResult): Generator<string> {
  const many = run.gateways.length > 1;
  if (run.scheduled && run.startedMs !== undefined) yield `run ${runTime(run.startedMs)}\n`;
  for (const g of run.gateways) {
    const lines: string[] = [];
    if (many) lines.push(`== ${g.gateway}`);
    if (g.error !== undefined) {
      yield `${[...lines, `error: ${g.error}`, ''].join('\n')}\n`;
      continue;
    }
    if (!g.report) {
      if (lines.length > 0) yield `${lines.join('\n')}\n`;
      continue;
    }
    if (lines.length > 0) yield `${lines.join('\n')}\n`;
    yield* groupTable(sortedGroups(g.report.groups));
    const end: string[] = [];
    if (g.report.guard) end.push(`guard: ${g.report.guard}`);
    if (g.report.poisoned) end.push(`poisoned: ${g.report.poisoned}`);
    if (g.report.summary.sent > 0) end.push(SENT_NOTE);
    end.push(summaryLine(g.report.summary, run, g.gateway, g.report.interrupted));
    if (many) end.push('');
    yield `${end.join('\n')}\n`;
  }
  if (many)
    yield `${summaryLine(totalSummary(run), run, `${run.gateways.length} gateways`, run.interrupted)}\n`;
}

export function formatTable(run: RunResult): string {
  return [...tableChunks(run)].join('');
}

function tableRow(g: GroupReport): string[] {
  return [
    g.outcome,
    g.ageMs === undefined ? '-' : formatAge(g.ageMs),
    g.ttlMs === undefined
      ? '-'
      : `${formatDuration(g.ttlMs)}${g.ttlSource === 'default' ? '' : ` (${g.ttlSource})`}`,
    g.reason,
    formatLabels(g.labels),
  ];
}

/** Two passes over the notable groups (sorted): column widths first, then the rows. */
function* groupTable(groups: readonly GroupReport[]): Generator<string> {
  const header = ['OUTCOME', 'AGE', 'TTL', 'REASON', 'GROUP'];
  const widths = header.map((h) => h.length);
  let rows = 0;
  for (const g of groups) {
    rows++;
    tableRow(g).forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  if (rows === 0) return;
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  let buffer = `${fmt(header)}\n`;
  for (const g of groups) {
    buffer += `${fmt(tableRow(g))}\n`;
    if (buffer.length >= CHUNK_CHARS) {
      yield buffer;
      buffer = '';
    }
  }
  yield `${buffer}\n`;
}

/** The table has no detail column: say once what `sent` means. */
const SENT_NOTE =
  'sent: pgsweep stopped after sending these DELETEs and before confirming them; the next run confirms or repeats them';

/** A schedule run's time, to the second: `2026-12-02T10:15:00Z`. */
function runTime(ms: number): string {
  return (isoOrNull(ms) ?? '-').replace(/\.\d{3}Z$/, 'Z');
}

function summaryLine(s: SweepSummary, run: RunResult, where: string, interrupted: boolean): string {
  const mode = run.check ? 'check: ' : s.dryRun ? 'dry run: ' : '';
  // `sent` only appears after an interruption, so it is shown only then.
  const acted = s.dryRun
    ? `would delete ${s.wouldDelete}`
    : `deleted ${s.deleted}${s.sent > 0 ? `, sent ${s.sent} (not confirmed)` : ''}`;
  const stopped = interrupted ? ' (interrupted)' : '';
  // Of the kept, those no rule let the sweep consider; shown when there are any.
  const aside = [
    ...(s.excluded > 0 ? [`${s.excluded} excluded`] : []),
    ...(s.unselected > 0 ? [`${s.unselected} not selected`] : []),
    ...(s.keptLatest > 0 ? [`${s.keptLatest} newest of their family`] : []),
  ];
  const kept = aside.length > 0 ? `${s.kept} (${aside.join(', ')})` : `${s.kept}`;
  return (
    `${mode}scanned ${s.scanned}, stale ${s.stale}, ${acted}, kept ${kept}, ` +
    `skipped ${s.skipped}, failed ${s.failed} in ${(s.durationMs / 1000).toFixed(1)}s${stopped} ` +
    `(ttl ${formatDuration(run.ttlMs)}, ${where})`
  );
}
