/**
 * Settings for operating pgsweep as a service: --push-metrics/--instance, --schedule/--timezone and
 * --listen. Picked like every other setting (src/config/settings/); the checks that span them are here.
 * Pure: problems are appended to the caller's list, nothing is printed.
 */
import { hostname } from 'node:os';
import { cronParserModule } from '../core/lazy-require.ts';
import type { Picked } from './settings/resolve.ts';

export interface ListenAddress {
  /** undefined: every interface (`:9099`). */
  readonly host: string | undefined;
  readonly port: number;
  readonly text: string;
}

export interface ScheduleConfig {
  readonly expression: string;
  /** IANA zone; undefined means UTC (cron-parser's default). */
  readonly timezone: string | undefined;
}

export interface OperateConfig {
  readonly pushMetrics: boolean;
  /** The `instance` label of pgsweep's own group on the gateway. */
  readonly instance: string;
  readonly schedule: ScheduleConfig | undefined;
  readonly listen: ListenAddress | undefined;
}

export const OPERATE_DEFAULTS: OperateConfig = {
  pushMetrics: false,
  instance: '',
  schedule: undefined,
  listen: undefined,
};

/** 5 fields (minute first), or 6 with seconds; checked by cron-parser in the given zone. */
export function parseSchedule(
  expression: string,
  timezone: string | undefined,
): { ok: true; value: ScheduleConfig } | { ok: false; error: string } {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    return {
      ok: false,
      error: `${JSON.stringify(expression)} has ${fields.length} field${fields.length === 1 ? '' : 's'}: use 5 (minute hour day month weekday) or 6 (with seconds first), e.g. '*/15 * * * *'`,
    };
  }
  if (timezone !== undefined && !isTimeZone(timezone)) {
    return {
      ok: false,
      error: `--timezone: ${JSON.stringify(timezone)} is not an IANA time zone such as Europe/Berlin or UTC`,
    };
  }
  try {
    cronParserModule()
      .CronExpressionParser.parse(expression.trim(), timezone ? { tz: timezone } : {})
      .next();
  } catch (err) {
    return {
      ok: false,
      error: `${JSON.stringify(expression)} is not a valid cron expression (${(err as Error).message})`,
    };
  }
  return { ok: true, value: { expression: expression.trim(), timezone } };
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** `:9099`, `0.0.0.0:9099`, `127.0.0.1:9099`, `[::1]:9099`, `localhost:9099`. */
export function parseListen(
  text: string,
): { ok: true; value: ListenAddress } | { ok: false; error: string } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(text.trim());
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port > 65535) {
    return {
      ok: false,
      error: `${JSON.stringify(text)} is not a listen address: use host:port or :port, e.g. :9099 or 127.0.0.1:9099`,
    };
  }
  const host = m[1] ?? (m[2] === '' ? undefined : m[2]);
  return { ok: true, value: { host, port, text: text.trim() } };
}

/** The operate settings as picked by the generic walk (src/config/settings/resolve.ts). */
export interface OperatePicked {
  readonly pushMetrics: boolean;
  readonly instance: Picked<string> | undefined;
  readonly schedule: Picked<string> | undefined;
  readonly timezone: Picked<string> | undefined;
  readonly listen: Picked<string> | undefined;
}

/** The checks that span these settings: a schedule in its zone, --listen only with --schedule. */
export function resolveOperate(
  picked: OperatePicked,
  problems: string[],
  check = false,
  defaultInstance: () => string = hostname,
): OperateConfig {
  const { pushMetrics, schedule: cron, timezone: zone, listen: listenPicked } = picked;
  const instance = picked.instance?.value || defaultInstance();

  let schedule: ScheduleConfig | undefined;
  if (cron) {
    const parsed = parseSchedule(cron.value, zone?.value);
    if (parsed.ok) schedule = parsed.value;
    if (parsed.ok && check) {
      problems.push(
        `${cron.from}: --check exits 3 after one run and cannot be scheduled; use --dry-run with --schedule`,
      );
    }
    if (!parsed.ok) {
      const where = parsed.error.startsWith('--timezone') ? '' : `${cron.from}: `;
      problems.push(`${where}${parsed.error}`);
    }
  } else if (zone) {
    problems.push(`${zone.from} only applies with --schedule`);
  }

  let listen: ListenAddress | undefined;
  if (listenPicked) {
    const parsed = parseListen(listenPicked.value);
    if (!parsed.ok) problems.push(`${listenPicked.from}: ${parsed.error}`);
    else if (!cron) {
      problems.push(
        `${listenPicked.from}: --listen serves metrics in schedule mode only: add --schedule (or use --push-metrics for a single run)`,
      );
    } else listen = parsed.value;
  }
  return { pushMetrics, instance, schedule, listen };
}
