/** stdout formatter for `pgsweep doctor`: a table for people, JSON for scripts. */
import {
  checkOf,
  type Diagnosis,
  type DoctorReport,
  type FixAction,
  type Problem,
} from '../core/doctor-report.ts';
import { formatLabels } from '../wire/grouping-key.ts';
import { formatRawKey, rawKeyBase64 } from '../wire/ui-keys.ts';
import { type GatewayResult, table } from './report.ts';
import { SCHEMA_VERSION } from './sweep.ts';

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

export function summaryLine(r: DoctorReport): string {
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
