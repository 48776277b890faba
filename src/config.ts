/**
 * Resolves the effective settings from parsed flags and the environment:
 * flags beat `PGSWEEP_*` variables, which beat defaults. Pure: throws UsageError, prints nothing.
 */
import { z } from 'zod';
import { parseBaseUrl } from './base-url.ts';
import { formatDuration, parseDuration } from './duration.ts';
import { UsageError } from './errors.ts';
import { MatcherSyntaxError, parseSelector, type Selector } from './matchers.ts';
import { OUTPUT_FORMATS, type OutputFormat } from './output.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULTS = {
  url: 'http://localhost:9091',
  output: 'table' as OutputFormat,
  concurrency: 8,
  timeout: '30s',
  logLevel: 'info' as LogLevel,
} as const;

/** Below this a TTL is allowed but probably a mistake (pushers rarely push more often). */
export const SHORT_TTL_MS = 60_000;
const MAX_CONCURRENCY = 256;

/** What commander hands over: only options the user actually gave on the command line. */
export interface FlagValues {
  url?: string;
  ttl?: string;
  dryRun?: boolean;
  check?: boolean;
  selector?: string[];
  exclude?: string[];
  output?: string;
  concurrency?: string;
  timeout?: string;
  logLevel?: string;
  recheck?: boolean;
}

export interface Config {
  readonly url: string;
  readonly ttlMs: number;
  readonly dryRun: boolean;
  readonly check: boolean;
  readonly selectors: Selector[];
  readonly excludes: Selector[];
  readonly output: OutputFormat;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly logLevel: LogLevel;
  readonly recheck: boolean;
  /** Accepted but suspicious settings, for the CLI to log. */
  readonly warnings: string[];
}

/** `--dry-run` -> `PGSWEEP_DRY_RUN`. */
export function envName(flag: string): string {
  return `PGSWEEP_${flag.replace(/^--/, '').replace(/-/g, '_').toUpperCase()}`;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Picks the flag value, else the env value (named in errors), else undefined. */
function pick(
  flag: string,
  flagValue: string | undefined,
  env: Env,
): { value: string; from: string } | undefined {
  if (flagValue !== undefined) return { value: flagValue, from: flag };
  const name = envName(flag);
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : { value: raw, from: name };
}

const envBool = z.stringbool();

function pickBool(flag: string, flagValue: boolean | undefined, env: Env): boolean | undefined {
  if (flagValue !== undefined) return flagValue;
  const name = envName(flag);
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const parsed = envBool.safeParse(raw);
  if (!parsed.success)
    throw new UsageError(`${name}=${JSON.stringify(raw)} is not a boolean (use true or false)`);
  return parsed.data;
}

/** Repeatable flags; in the environment, one selector per line. */
function pickList(
  flag: string,
  flagValue: string[] | undefined,
  env: Env,
): { values: string[]; from: string } {
  if (flagValue !== undefined && flagValue.length > 0) return { values: flagValue, from: flag };
  const name = envName(flag);
  const raw = env[name] ?? '';
  return {
    values: raw
      .split('\n')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    from: name,
  };
}

function durationOf(source: { value: string; from: string }): number {
  const parsed = parseDuration(source.value);
  if (!parsed.ok) throw new UsageError(`${source.from}: ${parsed.error}`);
  return parsed.ms;
}

function selectorsOf(source: { values: string[]; from: string }): Selector[] {
  return source.values.map((text) => {
    try {
      return parseSelector(text);
    } catch (err) {
      if (err instanceof MatcherSyntaxError) throw new UsageError(`${source.from}: ${err.message}`);
      throw err;
    }
  });
}

function oneOf<T extends string>(
  source: { value: string; from: string },
  allowed: readonly T[],
): T {
  if ((allowed as readonly string[]).includes(source.value)) return source.value as T;
  throw new UsageError(`${source.from}: "${source.value}" is not one of ${allowed.join(', ')}`);
}

export function resolveConfig(flags: FlagValues, env: Env): Config {
  const warnings: string[] = [];

  const urlSource = pick('--url', flags.url, env) ?? { value: DEFAULTS.url, from: '--url' };
  parseBaseUrl(urlSource.value, urlSource.from);
  const url = urlSource.value;

  const ttlSource = pick('--ttl', flags.ttl, env);
  if (!ttlSource) {
    throw new UsageError(
      `missing --ttl (or ${envName('--ttl')}): how long after its last push a group is deleted, e.g. --ttl 2h`,
    );
  }
  const ttlMs = durationOf(ttlSource);
  if (ttlMs === 0)
    throw new UsageError(`${ttlSource.from}: the TTL must be greater than 0 (e.g. 2h)`);
  if (ttlMs < SHORT_TTL_MS) {
    warnings.push(
      `the TTL is only ${formatDuration(ttlMs)}: groups whose jobs push less often than that will be deleted`,
    );
  }

  const check = pickBool('--check', flags.check, env) ?? false;
  const dryRun = check || (pickBool('--dry-run', flags.dryRun, env) ?? false);
  // --no-recheck maps to recheck=false; its env twin is PGSWEEP_NO_RECHECK=true.
  const noRecheck =
    flags.recheck === false ? true : (pickBool('--no-recheck', undefined, env) ?? false);

  const concurrencySource = pick('--concurrency', flags.concurrency, env);
  let concurrency: number = DEFAULTS.concurrency;
  if (concurrencySource) {
    const n = Number(concurrencySource.value);
    if (!/^\d+$/.test(concurrencySource.value) || n < 1 || n > MAX_CONCURRENCY) {
      throw new UsageError(
        `${concurrencySource.from}: "${concurrencySource.value}" is not a whole number from 1 to ${MAX_CONCURRENCY}`,
      );
    }
    concurrency = n;
  }

  const timeoutSource = pick('--timeout', flags.timeout, env) ?? {
    value: DEFAULTS.timeout,
    from: '--timeout',
  };
  const timeoutMs = durationOf(timeoutSource);
  if (timeoutMs === 0)
    throw new UsageError(`${timeoutSource.from}: the timeout must be greater than 0 (e.g. 30s)`);

  const outputSource = pick('--output', flags.output, env);
  const logSource = pick('--log-level', flags.logLevel, env);

  return {
    url,
    ttlMs,
    dryRun,
    check,
    selectors: selectorsOf(pickList('--selector', flags.selector, env)),
    excludes: selectorsOf(pickList('--exclude', flags.exclude, env)),
    output: outputSource ? oneOf(outputSource, OUTPUT_FORMATS) : DEFAULTS.output,
    concurrency,
    timeoutMs,
    logLevel: logSource ? oneOf(logSource, LOG_LEVELS) : DEFAULTS.logLevel,
    recheck: !noRecheck,
    warnings,
  };
}
