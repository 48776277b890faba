/**
 * --push-metrics: pgsweep's own result, pushed to the gateway it just swept, in the group
 * {job="pgsweep", instance=<--instance>}. Sent with POST, which replaces only the metrics of the
 * same names: the run-level gauges are pushed every time, pgsweep_last_success_timestamp_seconds
 * only after a successful sweep, so the previous success time survives a failed run without
 * pgsweep having to read it back.
 */

import type { Selector } from '../core/matchers.ts';
import { groupPath } from '../wire/grouping-key.ts';
import type { Labels } from '../wire/labels.ts';
import { type GatewayRun, gatewaySucceeded } from './sweep.ts';

export const SELF_JOB = 'pgsweep';

export function selfGroup(instance: string): Labels {
  return { job: SELF_JOB, instance };
}

/** `{job="pgsweep", instance="<instance>"}`: pgsweep never sweeps its own group. */
export function selfExclude(instance: string): Selector {
  return [
    { name: 'job', op: '=', value: SELF_JOB },
    { name: 'instance', op: '=', value: instance },
  ];
}

export interface Gauge {
  readonly name: string;
  readonly help: string;
  readonly value: number;
  readonly type?: 'gauge' | 'counter';
  readonly labels?: Labels;
}

/** The gauges pushed after one gateway's sweep. */
export function pushGauges(run: GatewayRun, dryRun: boolean, endedMs: number, durationMs: number) {
  const ok = gatewaySucceeded(run, dryRun);
  const s = run.report?.summary;
  const now = endedMs / 1000;
  const gauges: Gauge[] = [
    { name: 'pgsweep_last_run_timestamp_seconds', help: 'When the last sweep ended.', value: now },
    {
      name: 'pgsweep_duration_seconds',
      help: 'How long the last sweep took.',
      value: (s?.durationMs ?? durationMs) / 1000,
    },
    {
      name: 'pgsweep_groups_scanned',
      help: 'Groups listed by the last sweep.',
      value: s?.scanned ?? 0,
    },
    {
      name: 'pgsweep_groups_stale',
      help: 'Stale groups found by the last sweep.',
      value: s?.stale ?? 0,
    },
    {
      name: 'pgsweep_groups_deleted',
      help: 'Groups the last sweep deleted.',
      value: s?.deleted ?? 0,
    },
    {
      name: 'pgsweep_groups_skipped',
      help: 'Groups the last sweep skipped.',
      value: s?.skipped ?? 0,
    },
    {
      name: 'pgsweep_groups_failed',
      help: 'Groups the last sweep failed to delete.',
      value: s?.failed ?? 0,
    },
    {
      name: 'pgsweep_dry_run',
      help: '1 if the last sweep was a dry run or check.',
      value: dryRun ? 1 : 0,
    },
    { name: 'pgsweep_success', help: '1 if the last sweep succeeded, else 0.', value: ok ? 1 : 0 },
  ];
  if (ok) {
    gauges.push({
      name: 'pgsweep_last_success_timestamp_seconds',
      help: 'When the last successful sweep ended.',
      value: now,
    });
  }
  return gauges;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/** Prometheus text exposition (0.0.4). Samples of one name must be adjacent. */
export function renderExposition(samples: readonly Gauge[]): string {
  const lines: string[] = [];
  let last: string | undefined;
  for (const g of samples) {
    if (g.name !== last) {
      lines.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} ${g.type ?? 'gauge'}`);
      last = g.name;
    }
    const labels = Object.entries(g.labels ?? {});
    const labelText =
      labels.length === 0
        ? ''
        : `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
    lines.push(`${g.name}${labelText} ${formatValue(g.value)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The request that pushes the gauges: relative path (to the base URL) and body. */
export function pushRequest(instance: string, gauges: readonly Gauge[]) {
  return {
    method: 'POST' as const,
    path: groupPath(selfGroup(instance)),
    body: renderExposition(gauges),
  };
}
