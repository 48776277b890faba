/**
 * Every setting, declared once. The key is the config-file key: the flag's name in camelCase
 * (`recheck` for --no-recheck). From this table come the commander options (options.ts), the
 * PGSWEEP_* variables and the generic resolution (resolve.ts), the config-file schema
 * (file-schema.ts) and the reference table in docs/reference.md (reference.ts). The order is --help's.
 */

import { DEFAULT_MAX_CLOCK_SKEW_MS } from '../../core/clock.ts';
import { formatDuration } from '../../core/duration.ts';
import { OUTPUT_FORMATS } from '../../output/sweep.ts';
import { LISTING_MODES } from '../../wire/listing.ts';
import * as v from '../validate.ts';
import { bool, type CommandName, list, value } from './spec.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const MAX_CONCURRENCY = 256;

const ALL: readonly CommandName[] = ['sweep', 'inspect', 'doctor', 'restore'];
const SWEEP: readonly CommandName[] = ['sweep'];
/** Settings the sweep and `pgsweep restore` share (restore's help line may differ). */
const SWEEP_RESTORE: readonly CommandName[] = ['sweep', 'restore'];

export const SETTINGS = {
  url: list({
    flag: '--url <url>',
    help: 'Pushgateway base URL, including any route prefix; repeat for several',
    default: 'http://localhost:9091',
    showDefault: true,
    parse: v.url,
    notEmptyInFile: true,
    commands: ALL,
    doc: 'Base URL of the Pushgateway **including any route prefix** (`http://host:9091/pg/`). A 404 on the listing (`<url>/metrics` or `<url>/api/v1/metrics`) is reported as a wrong URL or prefix. No credentials in the URL. Repeat to sweep several gateways (an HA pair) in one run.',
  }),
  ttl: value({
    flag: '--ttl <duration>',
    help: 'delete groups older than this, e.g. 90m, 2h, 7d (required)',
    parse: v.positiveDuration,
    commands: SWEEP,
    doc: 'Required. Prometheus duration: `90s`, `15m`, `2h`, `1h30m`, `7d`, `1w`, `1y`, `500ms` (units largest first). `0`, bare numbers (`3600`: did you mean `3600s`?), fractions and anything else are usage errors. A TTL under a minute works but logs a warning.',
  }),
  rule: list({
    flag: '--rule <matchers=duration>',
    help: 'per-selector TTL, e.g. \'{job=~"ci_.*"}=30m\'; first match wins; may end in ,keep=<n>,per=<labels>',
    parse: v.rule,
    fileObject: {
      keys: ['selector', 'ttl'],
      optionalKeys: ['keep', 'per'],
      parse: (o) =>
        v.ruleOf(o.selector ?? '', o.ttl ?? '', undefined, { keep: o.keep, per: o.per }),
    },
    commands: SWEEP,
    doc: "`'<matchers>=<duration>'`: a TTL for the groups matching a selector. The first matching rule wins; `--ttl` covers the rest. May end in `,keep=<n>` and `,per=<labels>` (in that order) for the rule's own retention (see Keep the latest runs). In a config file, an item may also be `{selector, ttl, keep, per}`.",
  }),
  keepLatest: value({
    flag: '--keep-latest <n>',
    help: 'never delete the n newest groups of each family (--per), whatever their age',
    parse: (t) => v.wholeNumber(t, 1, v.MAX_KEEP_LATEST),
    commands: SWEEP,
    doc: `\`<n>\` (1 to ${v.MAX_KEEP_LATEST}): never delete the n groups with the newest \`push_time_seconds\` of each family, whatever their age (see Keep the latest runs). Needs \`--per\`.`,
  }),
  per: value({
    flag: '--per <labels>',
    help: 'labels that make a family for --keep-latest, e.g. job,task_id',
    parse: v.labelNames,
    fileListJoined: true,
    commands: ['sweep', 'inspect'],
    doc: 'Comma-separated label names that make a family for `--keep-latest`, e.g. `job,task_id` (a list in a config file). Needs `--keep-latest` (or `keep=` in a rule). `pgsweep inspect --per` shows the families.',
  }),
  ignoreDeclaredTtl: bool({
    flag: '--ignore-declared-ttl',
    help: 'ignore pgsweep_ttl_seconds gauges that groups push',
    commands: SWEEP,
    doc: 'Ignore the `pgsweep_ttl_seconds` gauge that groups may push (see below).',
  }),
  dryRun: bool({
    flag: '--dry-run',
    helpIn: { restore: 'report what would be restored, push nothing' },
    help: 'plan and report, delete nothing',
    commands: SWEEP_RESTORE,
    doc: 'Plan and report with the same output shape as a real run; outcome `would-delete`.',
  }),
  check: bool({
    flag: '--check',
    help: 'like --dry-run, but exit 3 when any group is stale',
    commands: SWEEP,
    doc: 'A dry run that exits 3 when any group is stale: a CI smoke step or alert.',
  }),
  selector: list({
    flag: '--selector <matchers>',
    help: 'only consider groups matching, e.g. \'{job=~"etl_.*"}\'; repeatable, OR-ed',
    parse: v.selector,
    commands: SWEEP_RESTORE,
    doc: 'PromQL-style matchers on the grouping labels: `\'{job=~"etl_.*", env!="prod"}\'` (braces optional; `=`, `!=`, `=~`, `!~`; a missing label matches `""`). Regexes behave as in Prometheus 3 (below). Repeat to OR several selectors.',
  }),
  exclude: list({
    flag: '--exclude <matchers>',
    help: 'never touch groups matching; repeatable',
    parse: v.selector,
    commands: SWEEP_RESTORE,
    doc: 'Same syntax; a group matching any exclude is never touched.',
  }),
  config: value({
    flag: '--config <file>',
    help: 'YAML or JSON file with the same settings (camelCase keys)',
    parse: v.nonEmpty,
    inFile: false,
    commands: ALL,
    doc: 'A YAML or JSON file with the same settings, keyed by the flag names in camelCase (below).',
  }),
  username: value({
    flag: '--username <name>',
    help: 'basic auth user; password from --password-file or PGSWEEP_PASSWORD',
    parse: v.nonEmpty,
    commands: ALL,
    doc: 'Basic auth user. The password comes from `--password-file` or `PGSWEEP_PASSWORD`.',
  }),
  passwordFile: value({
    flag: '--password-file <path>',
    help: 'file holding the basic auth password',
    parse: v.nonEmpty,
    commands: ALL,
    doc: 'A file holding the basic auth password (a trailing newline is ignored).',
  }),
  bearerTokenFile: value({
    flag: '--bearer-token-file <path>',
    help: 'file holding a bearer token (or PGSWEEP_BEARER_TOKEN)',
    parse: v.nonEmpty,
    commands: ALL,
    doc: 'Bearer token auth: a file holding the token, or `PGSWEEP_BEARER_TOKEN`.',
  }),
  header: list({
    flag: '--header <header>',
    help: "extra request header 'Name: value'; repeatable",
    parse: v.header,
    fileMap: v.headerOf,
    commands: ALL,
    doc: "An extra header such as `'X-Scope-OrgID: team-a'`. `Authorization` and `Cookie` are refused here: they carry secrets. In a config file, also a map of name to value.",
  }),
  caFile: value({
    flag: '--ca-file <path>',
    help: 'PEM CA bundle to verify the gateway certificate',
    parse: v.nonEmpty,
    commands: ALL,
    doc: 'A PEM file: the CA that signed the gateway certificate.',
  }),
  certFile: value({
    flag: '--cert-file <path>',
    help: 'PEM client certificate (with --key-file)',
    parse: v.nonEmpty,
    commands: ALL,
    doc: 'A PEM client certificate; needs `--key-file`.',
  }),
  keyFile: value({
    flag: '--key-file <path>',
    help: 'PEM client key',
    parse: v.nonEmpty,
    commands: ALL,
    doc: "The PEM client certificate's key.",
  }),
  insecureSkipVerify: bool({
    flag: '--insecure-skip-verify',
    help: 'do not verify the gateway certificate (unsafe)',
    commands: ALL,
    doc: 'Accept any gateway certificate. Logs a warning on every run.',
  }),
  maxDeletes: value({
    flag: '--max-deletes <n>',
    help: 'delete nothing if more than n groups would go; 0 = no limit',
    default: '10000',
    showDefault: true,
    parse: (t) => v.wholeNumber(t, 0, Number.MAX_SAFE_INTEGER),
    commands: SWEEP,
    doc: 'Guard: delete nothing if more than this many groups would go; `0` = no limit. See Guards.',
  }),
  maxDeleteRatio: value({
    flag: '--max-delete-ratio <fraction>',
    help: 'delete nothing if the deletes unlike a routine sweep exceed this share of all groups (docs/reference.md: Guards)',
    default: '0.5',
    showDefault: true,
    parse: v.ratio,
    commands: SWEEP,
    doc: 'Guard: delete nothing if the deletes unlike a routine sweep exceed this share of all groups. See Guards.',
  }),
  guardMinAge: value({
    flag: '--guard-min-age <duration>',
    help: 'deletes of groups pushed less than this long ago count towards --max-delete-ratio; 0 = none',
    // docs/reference.md, Guards: below every TTL a daily batch is swept with, above a `2m`-for-`2h` typo.
    default: '1h',
    showDefault: true,
    parse: v.duration,
    commands: SWEEP,
    doc: 'Guard: deletes of groups pushed less than this long ago count towards `--max-delete-ratio`; `0` = none. See Guards.',
  }),
  force: bool({
    flag: '--force',
    help: 'delete even when --max-deletes or --max-delete-ratio trips',
    commands: SWEEP,
    doc: 'Delete even when a guard trips. See Guards.',
  }),
  trustLocalClock: bool({
    flag: '--trust-local-clock',
    help: "age groups by this machine's clock when the gateway's Date is missing, invalid or off by more than --max-clock-skew",
    commands: SWEEP,
    doc: "Age groups by this machine's clock when the listing's `Date` is missing, not one valid HTTP date, or further than `--max-clock-skew` from this machine's clock (with a warning), instead of refusing.",
  }),
  maxClockSkew: value({
    flag: '--max-clock-skew <duration>',
    help: "delete nothing if the gateway's Date and this machine's clock differ by more; 0 = trust the gateway",
    // Declared with the clock rules (core/clock.ts), which also serve callers that pass no value.
    default: formatDuration(DEFAULT_MAX_CLOCK_SKEW_MS),
    showDefault: true,
    parse: v.duration,
    commands: SWEEP,
    doc: "Largest accepted difference between the gateway's `Date` and this machine's clock; beyond it, nothing is deleted and the run exits 1. `0` turns the check off: the gateway's clock is trusted whatever it says. See Clocks.",
  }),
  output: value({
    flag: '--output <format>',
    help: 'result format on stdout: table or json',
    default: 'table',
    showDefault: true,
    parse: v.oneOf(OUTPUT_FORMATS),
    commands: ALL,
    doc: '`table` or `json` on stdout. Logs always go to stderr.',
  }),
  concurrency: value({
    flag: '--concurrency <n>',
    helpIn: { restore: 'parallel PUT requests' },
    help: 'parallel DELETE requests',
    default: '8',
    showDefault: true,
    parse: (t) => v.wholeNumber(t, 1, MAX_CONCURRENCY),
    commands: SWEEP_RESTORE,
    doc: `DELETE requests in flight (1-${MAX_CONCURRENCY}).`,
  }),
  timeout: value({
    flag: '--timeout <duration>',
    help: 'limit on each whole request, body included; also how long to wait for deletes to show',
    // A 100k-group listing takes 15-35 s to build and send: 2m leaves room for a loaded gateway,
    // and still ends a stuck request within minutes.
    default: '2m',
    showDefault: true,
    parse: v.positiveDuration,
    commands: ALL,
    doc: 'Each whole request, from connecting (at most 10 s of it) to the last byte of the body: a body that drips still ends. Also the time allowed for deletes to show as applied. A 100k-group listing takes 15-35 s, so a loaded gateway has room and a stuck request ends within minutes.',
  }),
  maxGroupBytes: value({
    flag: '--max-group-bytes <size>',
    help: 'fail if one listed group (text listing: one line) is larger, e.g. 64MiB',
    // A 5000-pair key made a 311 KB group; a 1 MB label value repeats in each of a group's series.
    default: '16MiB',
    showDefault: true,
    parse: v.byteSize,
    commands: ALL,
    doc: 'The largest group the listing may hold (`--listing text`: the longest line). Sizes are bytes or a whole number with a unit: `KiB`, `MiB`, `GiB`, `TiB`, or `kB`, `MB`, `GB`, `TB`. See Bounds.',
  }),
  maxListingBytes: value({
    flag: '--max-listing-bytes <size>',
    help: 'fail if the whole listing is larger, e.g. 4GiB',
    // 100k batch-job groups list as about 220 MB (JSON) or 245 MB (text): room for 4 times that.
    default: '1GiB',
    showDefault: true,
    parse: v.byteSize,
    commands: ALL,
    doc: 'The largest whole listing (see Bounds).',
  }),
  maxGroups: value({
    flag: '--max-groups <n>',
    help: 'fail if the listing holds more groups',
    // About 300-500 bytes of pgsweep's heap per stale group: bounds a listing of tiny groups that
    // --max-listing-bytes alone would let reach millions, within bin/pgsweep.js's heap limit
    // (docs/reference.md: Bounds; commands/sweep/heap-limit.ts).
    default: '500000',
    showDefault: true,
    parse: (t) => v.wholeNumber(t, 1, Number.MAX_SAFE_INTEGER),
    commands: ALL,
    doc: 'The most groups a listing may hold (see Bounds).',
  }),
  listing: value({
    flag: '--listing <mode>',
    help: 'read groups from the text page (light on the gateway) or the json API: auto, text or json; auto reads the text page, and json only for --archive-file or when the text page fails',
    default: 'auto',
    showDefault: true,
    parse: v.oneOf(LISTING_MODES),
    commands: SWEEP,
    doc: '`auto`: the text page `/metrics`, far cheaper for the gateway to build (see Scale), and the JSON API instead, for the whole run, only where it is needed: with `--archive-file` (only the JSON listing carries each group\'s metrics), or when the text page cannot be used: it answers 500 (a poisoned store, e.g. `{job="x"}` next to `{job="x", instance=""}`, or a key that is not valid UTF-8; see `pgsweep doctor`), or is empty or not a page pgsweep can read. The choice is made on the first listing; the re-check and the confirmation read the same listing, and a failure there is a failure, never a switch. Each switch is logged once, with the reason (info for the archive, a warning for a failing page), and the JSON report says which listing was read. `json`: always the JSON API. `text`: always the text page; a page that fails stops the run (exit 1), and `--archive-file` is a usage error.',
  }),
  archiveFile: value({
    flag: '--archive-file <path>',
    helpIn: { restore: 'the file of records a sweep wrote with --archive-file (required)' },
    help: "append each group's last state as a JSON line before deleting it ('-': stdout, report on stderr)",
    parse: v.nonEmpty,
    commands: SWEEP_RESTORE,
    doc: "Append each group's last state as a JSON line before deleting it; `-` for stdout, the report then goes to stderr (see Archive before delete).",
  }),
  logLevel: value({
    flag: '--log-level <level>',
    help: `stderr log level: ${LOG_LEVELS.join(', ')}`,
    default: 'info',
    showDefault: true,
    parse: v.oneOf(LOG_LEVELS),
    commands: ALL,
    doc: 'Logs are pino JSON on stderr, or pretty lines when stderr is a terminal (`NO_COLOR` honoured).',
  }),
  recheck: bool({
    flag: '--no-recheck',
    help: 'skip the second listing that protects groups re-pushed during the sweep',
    default: true,
    commands: SWEEP,
    doc: 'Skip the second listing before deleting. Faster on huge gateways, but a job that pushes during the sweep can lose that push. In a config file: `recheck: false`.',
  }),
  pushMetrics: bool({
    flag: '--push-metrics',
    help: 'after each sweep, push pgsweep\'s own result to that gateway (job="pgsweep")',
    commands: SWEEP,
    doc: 'After sweeping each gateway, push pgsweep\'s own result to it as `{job="pgsweep", instance="<--instance>"}`; that group is then never swept (see Operate and observe).',
  }),
  instance: value({
    flag: '--instance <name>',
    help: "instance label of pgsweep's own group (default: this host name)",
    parse: (t) =>
      t.trim() === ''
        ? { ok: false, error: 'the instance name must not be empty' }
        : { ok: true, value: t },
    commands: SWEEP,
    doc: "The `instance` label of pgsweep's own group (`--push-metrics`); default: this host name.",
  }),
  schedule: value({
    flag: '--schedule <cron>',
    help: "keep running and sweep on this cron schedule (5 fields, or 6 with seconds), e.g. '*/15 * * * *'",
    parse: v.nonEmpty,
    commands: SWEEP,
    doc: 'Keep running and sweep on a cron schedule (5 fields, or 6 with seconds first).',
  }),
  timezone: value({
    flag: '--timezone <zone>',
    help: 'IANA time zone for --schedule (default: UTC)',
    parse: v.nonEmpty,
    commands: SWEEP,
    doc: 'The IANA time zone of `--schedule` (default UTC).',
  }),
  listen: value({
    flag: '--listen <addr>',
    help: 'with --schedule, serve /metrics and /healthz here, e.g. :9099 or 127.0.0.1:9099',
    parse: v.nonEmpty,
    commands: SWEEP,
    doc: 'With `--schedule`: serve `/metrics` and `/healthz` on `:9099`, `127.0.0.1:9099` or `[::1]:9099`.',
  }),
  overwrite: bool({
    flag: '--overwrite',
    help: 'also replace groups the gateway holds again (pushed since the sweep)',
    inFile: false,
    commands: ['restore'],
    doc: '`pgsweep restore` only: also replace groups the gateway holds again. Never a config-file key.',
  }),
  fromGateway: value({
    flag: '--from-gateway <url>',
    help: 'restore the records archived from this gateway to the one --url',
    parse: v.url,
    inFile: false,
    commands: ['restore'],
    doc: '`pgsweep restore` only: restore the records archived from this gateway (by default, from `--url`) to the one `--url`. Never a config-file key.',
  }),
  fix: bool({
    flag: '--fix',
    help: 'delete the groups named as the cause, at once and regardless of age, then check again',
    inFile: false,
    commands: ['doctor'],
    doc: '`pgsweep doctor` only: delete the groups named as the cause, then check again. Never a config-file key: a file shared with scheduled sweeps must not turn a diagnosis into deletions.',
  }),
} as const;

export type Settings = typeof SETTINGS;
export type SettingKey = keyof Settings;
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

/**
 * PGSWEEP_* variables that are not settings: the secrets themselves (never flags), and the test
 * runner's limits (scripts/run-tests.js), which a CI job may export around pgsweep runs.
 */
export const OTHER_ENV = [
  'PGSWEEP_PASSWORD',
  'PGSWEEP_BEARER_TOKEN',
  'PGSWEEP_TEST_TIMEOUT_MS',
  'PGSWEEP_RUN_TIMEOUT_MS',
] as const;

/** Config-file keys of an earlier release, accepted with a warning until the next one. */
export const OLD_FILE_KEYS: Readonly<Record<string, SettingKey>> = {
  selectors: 'selector',
  excludes: 'exclude',
  rules: 'rule',
  headers: 'header',
};
