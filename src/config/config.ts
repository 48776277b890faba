/**
 * Resolves the effective settings: flags beat `PGSWEEP_*` variables, which beat the config file,
 * which beats defaults (the generic walk over the settings table, src/config/settings/resolve.ts), then
 * applies the checks that span several settings. Pure: collects every problem into one
 * UsageError, prints nothing. Secrets are never flag values: they come from files (read by the
 * CLI) or the environment.
 */

import { formatDuration } from '../core/duration.ts';
import { UsageError } from '../core/errors.ts';
import type { KeepPolicy } from '../core/families.ts';
import type { Selector } from '../core/matchers.ts';
import type { TtlRule } from '../core/ttl.ts';
import type { GatewayUrl } from '../gateway/base-url.ts';
import type { OutputFormat } from '../output/sweep.ts';
import type { ListingMode } from '../wire/listing.ts';
import type { ConfigFile } from './config-file.ts';
import { OPERATE_DEFAULTS, type OperateConfig, resolveOperate } from './operate-config.ts';
import { plainHttpWarning } from './plain-http.ts';
import { RESTORE_DEFAULTS, type RestoreConfig, resolveRestore } from './restore-config.ts';
import {
  type Env,
  type FlagValues,
  type Picked,
  resolveSettings,
  settingEnvName,
  unknownEnv,
} from './settings/resolve.ts';
import { type CommandName, envName } from './settings/spec.ts';
import { LOG_LEVELS, type LogLevel, MAX_CONCURRENCY, SETTINGS } from './settings/table.ts';
import * as v from './validate.ts';

export { type CommandName, envName, type FlagValues, LOG_LEVELS, type LogLevel, MAX_CONCURRENCY };

/** Some defaults, as the table declares them, for code and tests that name them. */
export const DEFAULTS = {
  url: SETTINGS.url.default,
  timeout: SETTINGS.timeout.default,
  maxDeletes: Number(SETTINGS.maxDeletes.default),
  maxDeleteRatio: Number(SETTINGS.maxDeleteRatio.default),
} as const;

/** Below this a TTL is allowed but probably a mistake (pushers rarely push more often). */
export const SHORT_TTL_MS = 60_000;

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
  readonly rules: TtlRule[];
  readonly useDeclaredTtl: boolean;
  /** --keep-latest with --per (families.ts); undefined when neither is given. */
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

/** The config file path, needed before everything else (the CLI reads the file). */
export function configPath(flags: FlagValues, env: Env): string | undefined {
  return flags.config ?? (env[settingEnvName('config')] || undefined);
}

export function resolveConfig(
  flags: FlagValues,
  env: Env,
  file?: ConfigFile,
  command: CommandName = 'sweep',
): Config {
  const problems: string[] = unknownEnv(env);
  const warnings: string[] = [...(file?.warnings ?? [])];
  const { values: s, given } = resolveSettings(command, flags, env, file, problems);
  const sweeping = command === 'sweep';

  const urls = s.url?.value ?? [];
  if (new Set(urls.map((u) => u.href)).size !== urls.length) {
    problems.push('the same gateway URL is given twice (--url, PGSWEEP_URL or url in --config)');
  }

  if (sweeping && !given('ttl')) {
    problems.push(
      `missing --ttl (or ${envName('--ttl')}, or ttl in --config): how long after its last push a group is deleted, e.g. --ttl 2h`,
    );
  }
  const ttlMs = s.ttl?.value ?? 0;
  if (sweeping && s.ttl && ttlMs < SHORT_TTL_MS) {
    warnings.push(
      `the TTL is only ${formatDuration(ttlMs)}: groups whose jobs push less often than that will be deleted`,
    );
  }
  const rules = s.rule?.value ?? [];
  for (const r of rules) {
    if (sweeping && r.ttlMs < SHORT_TTL_MS)
      warnings.push(`rule ${r.text} has a TTL under a minute`);
  }

  const keepLatest = s.keepLatest?.value;
  const per = s.per?.value;
  const retentionProblem = v.retentionProblem(keepLatest, per, rules);
  // inspect takes --per alone, to show the families a --keep-latest would keep runs of.
  if (retentionProblem && sweeping) problems.push(retentionProblem);

  const checkMode = s.check?.value ?? false;
  if (sweeping && s.archiveFile && s.listing?.value === 'text') {
    problems.push(
      `${s.archiveFile.from} needs --listing json or auto (the default): the text listing carries push times only, not the metrics to archive`,
    );
  }

  const auth = resolveAuth();
  const headers = s.header?.value ?? [];
  const tls: TlsConfig = {
    ...optional('caFile', s.caFile),
    ...optional('certFile', s.certFile),
    ...optional('keyFile', s.keyFile),
    insecureSkipVerify: s.insecureSkipVerify?.value ?? false,
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

  const config: Config = {
    urls,
    ttlMs,
    rules,
    useDeclaredTtl: !(s.ignoreDeclaredTtl?.value ?? false),
    keepLatest:
      keepLatest !== undefined || per !== undefined
        ? { keep: keepLatest ?? 0, per: per ?? [] }
        : undefined,
    dryRun: checkMode || (s.dryRun?.value ?? false),
    check: checkMode,
    selectors: s.selector?.value ?? [],
    excludes: s.exclude?.value ?? [],
    output: (s.output?.value ?? 'table') as OutputFormat,
    concurrency: s.concurrency?.value ?? 0,
    timeoutMs: s.timeout?.value ?? 0,
    maxGroupBytes: s.maxGroupBytes?.value ?? 0,
    maxListingBytes: s.maxListingBytes?.value ?? 0,
    maxGroups: s.maxGroups?.value ?? 0,
    logLevel: s.logLevel?.value ?? 'info',
    listing: (s.listing?.value ?? 'auto') as ListingMode,
    archiveFile: s.archiveFile?.value,
    recheck: s.recheck?.value ?? true,
    auth,
    headers,
    tls,
    guards: {
      maxDeletes: s.maxDeletes?.value ?? 0,
      maxDeleteRatio: s.maxDeleteRatio?.value ?? 0,
      minAgeMs: s.guardMinAge?.value ?? 0,
      force: s.force?.value ?? false,
    },
    trustLocalClock: s.trustLocalClock?.value ?? false,
    maxClockSkewMs: s.maxClockSkew?.value ?? 0,
    fix: s.fix?.value ?? false,
    operate: sweeping
      ? resolveOperate(
          {
            pushMetrics: s.pushMetrics?.value ?? false,
            instance: s.instance,
            schedule: s.schedule,
            timezone: s.timezone,
            listen: s.listen,
          },
          problems,
          checkMode,
        )
      : OPERATE_DEFAULTS,
    restore:
      command === 'restore'
        ? resolveRestore(
            { overwrite: s.overwrite?.value ?? false, fromGateway: s.fromGateway },
            s.archiveFile?.value,
            urls,
            problems,
          )
        : RESTORE_DEFAULTS,
    warnings,
  };
  if (problems.length === 1) throw new UsageError(problems[0] ?? '');
  if (problems.length > 1)
    throw new UsageError(`${problems.length} problems: ${problems.join('; ')}`);
  return config;

  function resolveAuth(): AuthConfig | undefined {
    const username = s.username;
    const password = secret(s.passwordFile, 'PGSWEEP_PASSWORD');
    const token = secret(s.bearerTokenFile, 'PGSWEEP_BEARER_TOKEN');
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

  /** The *-file flag or its variable, then the variable holding the secret, then the file's key. */
  function secret(path: Picked<string> | undefined, secretEnv: string): SecretRef | undefined {
    if (path && path.source !== 'file') return { kind: 'file', path: path.value, from: path.from };
    const value = env[secretEnv];
    if (value) return { kind: 'env', name: secretEnv, value };
    return path ? { kind: 'file', path: path.value, from: path.from } : undefined;
  }
}

function optional<K extends string, T>(
  key: K,
  picked: Picked<T> | undefined,
): Partial<Record<K, T>> {
  return picked ? ({ [key]: picked.value } as Record<K, T>) : {};
}
