/**
 * Resolves the effective settings: flags beat `PGSWEEP_*` variables, which beat the config file,
 * which beats defaults. Pure: collects every problem into one UsageError, prints nothing.
 * Secrets are never flag values: they come from files (read by the CLI) or the environment.
 */
import { type GatewayUrl, parseBaseUrl } from './base-url.ts';
import { LISTING_MODES, type ListingMode } from './client.ts';
import { type ConfigFile, type FileValues, LOG_LEVELS, type LogLevel } from './config-file.ts';
import { formatDuration } from './duration.ts';
import { UsageError } from './errors.ts';
import type { KeepPolicy } from './families.ts';
import type { Selector } from './matchers.ts';
import { OPERATE_DEFAULTS, type OperateConfig, resolveOperate } from './operate-config.ts';
import { OUTPUT_FORMATS, type OutputFormat } from './output.ts';
import { plainHttpWarning } from './plain-http.ts';
import {
  RESTORE_DEFAULTS,
  type RestoreConfig,
  type RestoreFlags,
  resolveRestore,
} from './restore-config.ts';
import * as v from './validate.ts';

export { LOG_LEVELS, type LogLevel };

export const DEFAULTS = {
  url: 'http://localhost:9091',
  output: 'table' as OutputFormat,
  concurrency: 8,
  // Bounds each whole request, body included. A 100k-group listing takes 15-35 s to build and
  // send: 2m leaves room for a loaded gateway, and still ends a stuck request within minutes.
  timeout: '2m',
  logLevel: 'info' as LogLevel,
  listing: 'auto' as ListingMode,
  maxDeletes: 10_000,
  maxDeleteRatio: 0.5,
  // README, Guards: below every TTL a daily batch is swept with, above a `2m`-for-`2h` typo.
  guardMinAge: '1h',
  // A 5000-pair key made a 311 KB group; a 1 MB label value repeats in each of a group's series.
  maxGroupBytes: '16MiB',
  // 100k batch-job groups list as about 220 MB (JSON) or 245 MB (text): room for 4 times that.
  maxListingBytes: '1GiB',
  // About 300 bytes of pgsweep's memory per stale group: bounds a listing of tiny groups that
  // --max-listing-bytes alone would let reach millions (README: Bounds).
  maxGroups: 1_000_000,
  // README, Clocks: far above NTP error and Date's 1 s resolution, far below real TTLs.
  maxClockSkew: '30s',
} as const;

/** Below this a TTL is allowed but probably a mistake (pushers rarely push more often). */
export const SHORT_TTL_MS = 60_000;
export const MAX_CONCURRENCY = 256;

/** What commander hands over: only options the user actually gave on the command line. */
export interface FlagValues extends RestoreFlags {
  url?: string[];
  ttl?: string;
  dryRun?: boolean;
  check?: boolean;
  selector?: string[];
  exclude?: string[];
  rule?: string[];
  keepLatest?: string;
  per?: string;
  output?: string;
  concurrency?: string;
  timeout?: string;
  maxGroupBytes?: string;
  maxListingBytes?: string;
  maxGroups?: string;
  logLevel?: string;
  listing?: string;
  archiveFile?: string;
  recheck?: boolean;
  username?: string;
  passwordFile?: string;
  bearerTokenFile?: string;
  header?: string[];
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  insecureSkipVerify?: boolean;
  ignoreDeclaredTtl?: boolean;
  maxDeletes?: string;
  maxDeleteRatio?: string;
  guardMinAge?: string;
  force?: boolean;
  trustLocalClock?: boolean;
  maxClockSkew?: string;
  config?: string;
  /** `pgsweep doctor --fix`. */
  fix?: boolean;
  pushMetrics?: boolean;
  instance?: string;
  schedule?: string;
  timezone?: string;
  listen?: string;
}

/** Which command the settings are for: only the sweep needs a TTL. */
export type CommandName = 'sweep' | 'inspect' | 'doctor' | 'restore';

/** Where a secret comes from; files are read by the CLI, never echoed. */
export type SecretRef =
  | { kind: 'file'; path: string; from: string }
  | { kind: 'env'; name: string; value: string };

export type AuthConfig =
  | { kind: 'basic'; username: string; password: SecretRef }
  | { kind: 'bearer'; token: SecretRef };

export interface TlsConfig {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly insecureSkipVerify: boolean;
}

export interface Guards {
  /** 0 means no limit. */
  readonly maxDeletes: number;
  readonly maxDeleteRatio: number;
  /** Deletes of groups younger than this count towards the ratio. */
  readonly minAgeMs: number;
  readonly force: boolean;
}

export interface Config {
  readonly urls: GatewayUrl[];
  readonly ttlMs: number;
  readonly rules: v.TtlRule[];
  readonly useDeclaredTtl: boolean;
  /** --keep-latest with --per (families.ts); undefined when not given. */
  readonly keepLatest: KeepPolicy | undefined;
  readonly dryRun: boolean;
  readonly check: boolean;
  readonly selectors: Selector[];
  readonly excludes: Selector[];
  readonly output: OutputFormat;
  readonly concurrency: number;
  readonly timeoutMs: number;
  /** Caps on one listed group (text listing: one line) and on the whole listing body. */
  readonly maxGroupBytes: number;
  readonly maxListingBytes: number;
  readonly maxGroups: number;
  readonly logLevel: LogLevel;
  readonly listing: ListingMode;
  /** Where each group's last state goes before it is deleted; `-` for stderr. */
  readonly archiveFile: string | undefined;
  readonly recheck: boolean;
  readonly auth: AuthConfig | undefined;
  readonly headers: Array<[string, string]>;
  readonly tls: TlsConfig;
  readonly guards: Guards;
  readonly trustLocalClock: boolean;
  /** Largest accepted |Date - local clock|; 0 = no check (trust the gateway's clock). */
  readonly maxClockSkewMs: number;
  /** `pgsweep doctor --fix`: delete the groups doctor names. Never read from a config file. */
  readonly fix: boolean;
  /** --push-metrics/--instance, --schedule/--timezone, --listen (see operate-config.ts). */
  readonly operate: OperateConfig;
  /** `pgsweep restore`: --overwrite, --from-gateway (see restore-config.ts). */
  readonly restore: RestoreConfig;
  /** Accepted but suspicious settings, for the CLI to log. */
  readonly warnings: string[];
}

/** `--dry-run` -> `PGSWEEP_DRY_RUN`. */
export function envName(flag: string): string {
  return `PGSWEEP_${flag.replace(/^--/, '').replace(/-/g, '_').toUpperCase()}`;
}

/** The config file path, needed before everything else (the CLI reads the file). */
export function configPath(flags: FlagValues, env: Env): string | undefined {
  return flags.config ?? (env.PGSWEEP_CONFIG || undefined);
}

type Env = Readonly<Record<string, string | undefined>>;
type Picked<T> = { value: T; from: string } | undefined;

export function resolveConfig(
  flags: FlagValues,
  env: Env,
  file?: ConfigFile,
  command: CommandName = 'sweep',
): Config {
  const problems: string[] = [];
  const warnings: string[] = [];
  const fileValues: FileValues = file?.values ?? {};

  const envValue = (flag: string): string | undefined => {
    const raw = env[envName(flag)];
    return raw === undefined || raw === '' ? undefined : raw;
  };
  const check = <T>(from: string, result: v.Result<T>): Picked<T> => {
    if (result.ok) return { value: result.value, from };
    problems.push(`${from}: ${result.error}`);
    return undefined;
  };
  const fromFile = <K extends keyof FileValues>(key: K): Picked<NonNullable<FileValues[K]>> => {
    const value = fileValues[key];
    return value === undefined || !file
      ? undefined
      : { value: value as NonNullable<FileValues[K]>, from: file.where(key) };
  };

  /** A single-valued setting: flag, then env, then file. */
  function scalar<K extends keyof FileValues, T extends NonNullable<FileValues[K]>>(
    flag: string,
    key: K,
    flagValue: string | undefined,
    validate: (text: string) => v.Result<T>,
  ): Picked<T> {
    if (flagValue !== undefined) return check(flag, validate(flagValue));
    const e = envValue(flag);
    if (e !== undefined) return check(envName(flag), validate(e));
    return fromFile(key) as Picked<T>;
  }

  function bool(flag: string, key: keyof FileValues, flagValue: boolean | undefined): boolean {
    if (flagValue !== undefined) return flagValue;
    const e = envBool(flag);
    if (e !== undefined) return e;
    const f = fileValues[key];
    return typeof f === 'boolean' ? f : false;
  }

  /** The flag's environment variable as a boolean; undefined when unset, false when unreadable. */
  function envBool(flag: string): boolean | undefined {
    const e = envValue(flag);
    if (e === undefined) return undefined;
    const parsed = v.boolean(e);
    if (parsed.ok) return parsed.value;
    problems.push(`${envName(flag)}=${parsed.error}`);
    return false;
  }

  /** Repeatable flags; in the environment, one value per line. */
  function list<T>(
    flag: string,
    key: keyof FileValues,
    flagValues: string[] | undefined,
    validate: (text: string) => v.Result<T>,
  ): T[] {
    const texts =
      flagValues && flagValues.length > 0
        ? { values: flagValues, from: flag }
        : envValue(flag) !== undefined
          ? {
              values: (envValue(flag) ?? '')
                .split('\n')
                .map((s) => s.trim())
                .filter(Boolean),
              from: envName(flag),
            }
          : undefined;
    if (texts) {
      // Not flatMap: a Selector is itself an array and must stay whole.
      const out: T[] = [];
      for (const t of texts.values) {
        const picked = check(texts.from, validate(t));
        if (picked) out.push(picked.value);
      }
      return out;
    }
    return (fileValues[key] as T[] | undefined) ?? [];
  }

  const urls = list('--url', 'url', flags.url, v.url);
  if (urls.length === 0 && problems.length === 0) urls.push(parseBaseUrl(DEFAULTS.url));
  if (new Set(urls.map((u) => u.href)).size !== urls.length) {
    problems.push('the same gateway URL is given twice (--url, PGSWEEP_URL or url in --config)');
  }

  const ttl = scalar('--ttl', 'ttl', flags.ttl, v.positiveDuration);
  const sweeping = command === 'sweep';
  if (
    sweeping &&
    !ttl &&
    !problems.some((p) => p.startsWith('--ttl') || p.startsWith('PGSWEEP_TTL'))
  ) {
    problems.push(
      `missing --ttl (or ${envName('--ttl')}, or ttl in --config): how long after its last push a group is deleted, e.g. --ttl 2h`,
    );
  }
  const ttlMs = ttl?.value ?? 0;
  if (sweeping && ttl && ttlMs < SHORT_TTL_MS) {
    warnings.push(
      `the TTL is only ${formatDuration(ttlMs)}: groups whose jobs push less often than that will be deleted`,
    );
  }
  const rules = list('--rule', 'rules', flags.rule, v.rule);
  for (const r of rules) {
    if (sweeping && r.ttlMs < SHORT_TTL_MS)
      warnings.push(`rule ${r.text} has a TTL under a minute`);
  }
  const keepLatest = scalar('--keep-latest', 'keepLatest', flags.keepLatest, (t) =>
    v.wholeNumber(t, 1, v.MAX_KEEP_LATEST),
  );
  const per = scalar('--per', 'per', flags.per, v.labelNames);
  const retentionProblem = v.retentionProblem(keepLatest?.value, per?.value, rules);
  // inspect takes --per alone, to show the families a --keep-latest would keep runs of.
  if (retentionProblem && sweeping) problems.push(retentionProblem);

  const checkMode = bool('--check', 'check', flags.check);
  const dryRun = checkMode || bool('--dry-run', 'dryRun', flags.dryRun);
  // --no-recheck arrives as recheck=false; its env twin is PGSWEEP_NO_RECHECK=true.
  const recheck =
    flags.recheck === false
      ? false
      : envValue('--no-recheck') !== undefined
        ? !bool('--no-recheck', 'recheck', undefined)
        : (fileValues.recheck ?? true);

  const concurrency = scalar('--concurrency', 'concurrency', flags.concurrency, (t) =>
    v.wholeNumber(t, 1, MAX_CONCURRENCY),
  );
  const timeout = scalar('--timeout', 'timeout', flags.timeout, v.positiveDuration);
  const maxGroupBytes = scalar(
    '--max-group-bytes',
    'maxGroupBytes',
    flags.maxGroupBytes,
    v.byteSize,
  );
  const maxListingBytes = scalar(
    '--max-listing-bytes',
    'maxListingBytes',
    flags.maxListingBytes,
    v.byteSize,
  );
  const maxGroups = scalar('--max-groups', 'maxGroups', flags.maxGroups, (t) =>
    v.wholeNumber(t, 1, Number.MAX_SAFE_INTEGER),
  );
  const output = scalar('--output', 'output', flags.output, v.oneOf(OUTPUT_FORMATS));
  const logLevel = scalar('--log-level', 'logLevel', flags.logLevel, v.oneOf(LOG_LEVELS));
  const listing = scalar('--listing', 'listing', flags.listing, v.oneOf(LISTING_MODES));
  const archiveFile = scalar('--archive-file', 'archiveFile', flags.archiveFile, v.nonEmpty);
  if (sweeping && archiveFile && listing?.value === 'text') {
    problems.push(
      `${archiveFile.from} needs --listing json or auto (the default): the text listing carries push times only, not the metrics to archive`,
    );
  }

  const auth = resolveAuth();
  const headers = list('--header', 'headers', flags.header, v.header);

  const tls: TlsConfig = {
    ...optional('caFile', scalar('--ca-file', 'caFile', flags.caFile, v.nonEmpty)),
    ...optional('certFile', scalar('--cert-file', 'certFile', flags.certFile, v.nonEmpty)),
    ...optional('keyFile', scalar('--key-file', 'keyFile', flags.keyFile, v.nonEmpty)),
    insecureSkipVerify: bool(
      '--insecure-skip-verify',
      'insecureSkipVerify',
      flags.insecureSkipVerify,
    ),
  };
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    problems.push(
      '--cert-file and --key-file go together: give both for a client certificate, or neither',
    );
  }
  if (tls.insecureSkipVerify) {
    warnings.push(
      '--insecure-skip-verify: the gateway certificate is NOT verified; anyone in the path can impersonate it',
    );
  }

  const plain = plainHttpWarning({ urls, tls, auth, headers });
  if (plain) warnings.push(plain);

  const maxDeletes = scalar('--max-deletes', 'maxDeletes', flags.maxDeletes, (t) =>
    v.wholeNumber(t, 0, Number.MAX_SAFE_INTEGER),
  );
  const maxDeleteRatio = scalar(
    '--max-delete-ratio',
    'maxDeleteRatio',
    flags.maxDeleteRatio,
    v.ratio,
  );
  const guardMinAge = scalar('--guard-min-age', 'guardMinAge', flags.guardMinAge, v.duration);

  const maxClockSkew = scalar('--max-clock-skew', 'maxClockSkew', flags.maxClockSkew, v.duration);

  const config: Config = {
    urls,
    ttlMs,
    rules,
    useDeclaredTtl: !bool('--ignore-declared-ttl', 'ignoreDeclaredTtl', flags.ignoreDeclaredTtl),
    keepLatest:
      keepLatest || per ? { keep: keepLatest?.value ?? 0, per: per?.value ?? [] } : undefined,
    dryRun,
    check: checkMode,
    selectors: list('--selector', 'selectors', flags.selector, v.selector),
    excludes: list('--exclude', 'excludes', flags.exclude, v.selector),
    output: output?.value ?? DEFAULTS.output,
    concurrency: concurrency?.value ?? DEFAULTS.concurrency,
    timeoutMs: timeout?.value ?? (v.positiveDuration(DEFAULTS.timeout) as { value: number }).value,
    maxGroupBytes:
      maxGroupBytes?.value ?? (v.byteSize(DEFAULTS.maxGroupBytes) as { value: number }).value,
    maxListingBytes:
      maxListingBytes?.value ?? (v.byteSize(DEFAULTS.maxListingBytes) as { value: number }).value,
    maxGroups: maxGroups?.value ?? DEFAULTS.maxGroups,
    logLevel: logLevel?.value ?? DEFAULTS.logLevel,
    listing: listing?.value ?? DEFAULTS.listing,
    archiveFile: archiveFile?.value,
    recheck,
    auth,
    headers,
    tls,
    guards: {
      maxDeletes: maxDeletes?.value ?? DEFAULTS.maxDeletes,
      maxDeleteRatio: maxDeleteRatio?.value ?? DEFAULTS.maxDeleteRatio,
      minAgeMs: guardMinAge?.value ?? (v.duration(DEFAULTS.guardMinAge) as { value: number }).value,
      force: bool('--force', 'force', flags.force),
    },
    trustLocalClock: bool('--trust-local-clock', 'trustLocalClock', flags.trustLocalClock),
    maxClockSkewMs:
      maxClockSkew?.value ?? (v.duration(DEFAULTS.maxClockSkew) as { value: number }).value,
    fix: command === 'doctor' && fixFlag(),
    operate: sweeping
      ? resolveOperate(flags, env, fileValues, (k) => file?.where(k) ?? k, problems, checkMode)
      : OPERATE_DEFAULTS,
    restore:
      command === 'restore'
        ? resolveRestore(flags, env, archiveFile?.value, urls, problems)
        : RESTORE_DEFAULTS,
    warnings,
  };
  if (problems.length === 1) throw new UsageError(problems[0] ?? '');
  if (problems.length > 1)
    throw new UsageError(`${problems.length} problems: ${problems.join('; ')}`);
  return config;

  /** --fix or PGSWEEP_FIX; deliberately not from a config file shared with scheduled sweeps. */
  function fixFlag(): boolean {
    return flags.fix ?? envBool('--fix') ?? false;
  }

  function resolveAuth(): AuthConfig | undefined {
    const username = scalar('--username', 'username', flags.username, v.nonEmpty);
    const password = secret(
      '--password-file',
      'passwordFile',
      flags.passwordFile,
      'PGSWEEP_PASSWORD',
    );
    const token = secret(
      '--bearer-token-file',
      'bearerTokenFile',
      flags.bearerTokenFile,
      'PGSWEEP_BEARER_TOKEN',
    );
    if (token && (username || password)) {
      problems.push(
        'choose one kind of auth: basic (--username with a password) or a bearer token, not both',
      );
      return undefined;
    }
    if (token) return { kind: 'bearer', token };
    if (password && !username) {
      problems.push('a password was given without --username (or PGSWEEP_USERNAME)');
      return undefined;
    }
    if (username && !password) {
      problems.push('--username needs a password: --password-file <path> or PGSWEEP_PASSWORD');
      return undefined;
    }
    return username && password ? { kind: 'basic', username: username.value, password } : undefined;
  }

  /** Flag (a file), env naming a file, env holding the secret, then the config file (a file). */
  function secret(
    flag: string,
    key: 'passwordFile' | 'bearerTokenFile',
    flagValue: string | undefined,
    secretEnv: string,
  ): SecretRef | undefined {
    if (flagValue !== undefined) return { kind: 'file', path: flagValue, from: flag };
    const named = envValue(flag);
    if (named !== undefined) return { kind: 'file', path: named, from: envName(flag) };
    const value = env[secretEnv];
    if (value) return { kind: 'env', name: secretEnv, value };
    const inFile = fromFile(key);
    return inFile ? { kind: 'file', path: inFile.value, from: inFile.from } : undefined;
  }
}

function optional<K extends string, T>(key: K, picked: Picked<T>): Partial<Record<K, T>> {
  return picked ? ({ [key]: picked.value } as Record<K, T>) : {};
}
