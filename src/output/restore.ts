/** `pgsweep restore`'s result on stdout: a table for people, one JSON document for scripts. */

import type { RestoredGroup } from '../core/restore-report.ts';
import { formatLabels } from '../wire/grouping-key.ts';
import { compareKeys, sortKey } from './group-order.ts';
import { SCHEMA_VERSION } from './sweep.ts';

export interface RestoreGatewayRun {
  readonly gateway: string;
  readonly groups?: readonly RestoredGroup[];
  readonly error?: string;
}

export interface RestoreRun {
  readonly archiveFile: string;
  readonly dryRun: boolean;
  readonly overwrite: boolean;
  readonly gateways: readonly RestoreGatewayRun[];
  /** Records read, and why the others were not considered. */
  readonly records: number;
  readonly superseded: number;
  readonly otherGateway: number;
  readonly notSelected: number;
  readonly excluded: number;
  readonly interrupted: boolean;
}

export interface RestoreSummary {
  records: number;
  restored: number;
  wouldRestore: number;
  skipped: number;
  failed: number;
  superseded: number;
  otherGateway: number;
  notSelected: number;
  excluded: number;
}

export function restoreSummary(run: RestoreRun): RestoreSummary {
  const groups = run.gateways.flatMap((g) => g.groups ?? []);
  const count = (outcome: RestoredGroup['outcome']) =>
    groups.filter((g) => g.outcome === outcome).length;
  return {
    records: run.records,
    restored: count('restored'),
    wouldRestore: count('would-restore'),
    skipped: count('skipped'),
    failed: count('failed'),
    superseded: run.superseded,
    otherGateway: run.otherGateway,
    notSelected: run.notSelected,
    excluded: run.excluded,
  };
}

/** 0 unless a push failed, a gateway could not be restored, or the run was interrupted. */
export function restoreSucceeded(run: RestoreRun): boolean {
  return (
    !run.interrupted &&
    run.gateways.every(
      (g) => g.error === undefined && g.groups?.every((r) => r.outcome !== 'failed'),
    )
  );
}

function sorted(groups: readonly RestoredGroup[]): RestoredGroup[] {
  return groups
    .map((g) => ({ g, key: sortKey(g.labels) }))
    .sort((a, b) => compareKeys(a.key, b.key))
    .map((k) => k.g);
}

export function formatRestoreJson(run: RestoreRun): string {
  const doc = {
    schemaVersion: SCHEMA_VERSION,
    command: 'restore',
    dryRun: run.dryRun,
    overwrite: run.overwrite,
    interrupted: run.interrupted,
    archiveFile: run.archiveFile,
    summary: restoreSummary(run),
    gateways: run.gateways.map((g) => ({
      gateway: g.gateway,
      ok: g.error === undefined && (g.groups ?? []).every((r) => r.outcome !== 'failed'),
      ...(g.error === undefined ? {} : { error: g.error }),
    })),
    groups: run.gateways.flatMap((g) =>
      sorted(g.groups ?? []).map((r) => ({
        gateway: g.gateway,
        labels: r.labels,
        outcome: r.outcome,
        reason: r.reason ?? null,
        ...(r.detail === undefined ? {} : { detail: r.detail }),
        line: r.line,
      })),
    ),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function row(r: RestoredGroup): string[] {
  return [r.outcome, r.reason ?? '-', String(r.line), formatLabels(r.labels)];
}

export function formatRestoreTable(run: RestoreRun): string {
  const out: string[] = [];
  const many = run.gateways.length > 1;
  for (const g of run.gateways) {
    if (many) out.push(`== ${g.gateway}`);
    if (g.error !== undefined) {
      out.push(`error: ${g.error}`, '');
      continue;
    }
    const groups = sorted(g.groups ?? []);
    if (groups.length === 0) continue;
    const header = ['OUTCOME', 'REASON', 'LINE', 'GROUP'];
    const rows = groups.map(row);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
    const fmt = (cells: string[]) =>
      cells
        .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd();
    out.push(fmt(header), ...rows.map(fmt));
    // Details are long: listed once under the table, for the rows that have one.
    for (const r of groups) {
      if (r.detail !== undefined) out.push(`  line ${r.line}: ${r.detail}`);
    }
    out.push('');
  }
  out.push(summaryLine(run));
  return `${out.join('\n')}\n`;
}

function summaryLine(run: RestoreRun): string {
  const s = restoreSummary(run);
  const acted = run.dryRun ? `dry run: would restore ${s.wouldRestore}` : `restored ${s.restored}`;
  const aside = [
    ...(s.superseded > 0 ? [`${s.superseded} older records of the same groups`] : []),
    ...(s.otherGateway > 0 ? [`${s.otherGateway} from other gateways`] : []),
    ...(s.notSelected > 0 ? [`${s.notSelected} not selected`] : []),
    ...(s.excluded > 0 ? [`${s.excluded} excluded`] : []),
  ];
  return (
    `${acted}, skipped ${s.skipped}, failed ${s.failed} of ${s.records} records in ${run.archiveFile}` +
    `${aside.length > 0 ? ` (not considered: ${aside.join(', ')})` : ''}${run.interrupted ? ' (interrupted)' : ''}`
  );
}
