/**
 * The command line edge: the only module that reads argv and the environment, touches the TTY,
 * reads files, handles signals, prints results and sets the exit code.
 */

import { setMaxListeners } from 'node:events';
import { createRequire } from 'node:module';
import { getHeapStatistics } from 'node:v8';
import { Command, CommanderError } from 'commander';
import { type Archive, openArchive } from './archive.ts';
import type { GatewayUrl } from './base-url.ts';
import { createClient, type GatewayClient, type Probe } from './client.ts';
import {
  type CommandName,
  type Config,
  configPath,
  type FlagValues,
  resolveConfig,
} from './config.ts';
import { parseConfigFile } from './config-file.ts';
import { type RequestSettings, readSecretFile, requestSettings } from './credentials.ts';
import { closest } from './did-you-mean.ts';
import { doctorGateway } from './doctor.ts';
import { formatDuration } from './duration.ts';
import { ExitCode, type ExitCodeValue, PgsweepError } from './errors.ts';
import { heapLimitWarning } from './heap-limit.ts';
import { inspectGateway } from './inspect.ts';
import type { Log } from './log.ts';
import { createLogger } from './logger.ts';
import type { ScheduleConfig } from './operate-config.ts';
import {
  formatTable,
  type GatewayRun,
  gatewaySucceeded,
  jsonChunks,
  type RunResult,
  tableChunks,
  toJsonDocument,
  totalSummary,
} from './output.ts';
import { createProgress } from './progress.ts';
import { checkProxyEnv } from './proxy-env.ts';
import { MAX_CONFIG_BYTES, readUserText, showPath } from './read-user-file.ts';
import { redact, redactLines, redactMessage, registerProxySecrets } from './redact.ts';
import type { SweepReport } from './report.ts';
import {
  formatDoctorJson,
  formatDoctorTable,
  formatInspectJson,
  formatInspectTable,
  type GatewayResult,
} from './report-output.ts';
import { formatRestoreJson, formatRestoreTable, restoreSucceeded } from './restore-output.ts';
import { runRestore } from './restore-run.ts';
import { runScheduler } from './scheduler.ts';
import { type MetricsServer, SchedulerMetrics, startMetricsServer } from './scheduler-metrics.ts';
import { pushGauges, selfExclude } from './self-metrics.ts';
import { pushSelfMetrics } from './self-metrics-push.ts';
import { isShared, optionOf, settingsOf } from './settings/options.ts';
import { longFlag } from './settings/spec.ts';
import { SETTING_KEYS, SETTINGS } from './settings/table.ts';
import { sweep } from './sweep.ts';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** After SIGINT/SIGTERM, requests still in flight get this long before they are abandoned. */
const ABANDON_AFTER_MS = 3000;

const FOOTER = `
Secrets: PGSWEEP_PASSWORD and PGSWEEP_BEARER_TOKEN, or the *-file flags; never
flag values. Repeatable settings take one value per line in the environment.`;

const EXAMPLES = `
Examples:
  $ pgsweep --url http://pushgateway:9091 --ttl 2h
  $ pgsweep --url http://pushgateway:9091 --ttl 2h --dry-run
  $ pgsweep --ttl 1d --selector '{job=~"etl_.*"}' --exclude '{env="prod"}'
  $ pgsweep --ttl 2h --rule '{job="nightly_report"}=36h' --rule '{job=~"ci_.*"}=30m'
  $ PGSWEEP_PASSWORD=... pgsweep --url https://pgw:9091 --username sweeper --ca-file ca.pem --ttl 2h
  $ pgsweep --check --ttl 2h --output json    # CI smoke step: exit 3 if anything is stale
  $ pgsweep --ttl 2h --push-metrics    # also push pgsweep_* results to the gateway
  $ pgsweep --ttl 2h --schedule '*/15 * * * *' --listen :9099    # keep running
  $ pgsweep inspect --url http://pushgateway:9091    # why is the gateway big?
  $ pgsweep doctor --url http://pushgateway:9091 --fix
${FOOTER}
Exit codes: 0 success or nothing to do, 1 runtime failure or guard tripped,
            2 usage error, 3 stale groups found with --check, 130/143 on
            SIGINT/SIGTERM (0 in --schedule mode: a normal stop).
`;

const INSPECT_EXAMPLES = `
Examples:
  $ pgsweep inspect --url http://pushgateway:9091
  $ pgsweep inspect --url http://pushgateway:9091 --output json | jq '.gateways[0].labels'

Reports group count and listing size, groups and series per job, distinct values
per grouping label (flagging unbounded ones such as run_id), the age
distribution and oldest groups, never-succeeded groups and groups whose last
push failed. Sends only GETs: deletes nothing.
${FOOTER}
Exit codes: 0 report printed, 1 gateway unreachable or listing unreadable,
            2 usage error, 130/143 on SIGINT/SIGTERM.
`;

const RESTORE_EXAMPLES = `
Examples:
  $ pgsweep restore --url http://pushgateway:9091 --archive-file archive.jsonl --dry-run
  $ pgsweep restore --url http://pushgateway:9091 --archive-file archive.jsonl \\
      --selector '{job="etl_orders"}'

Pushes archived groups back, each with a PUT to its exact grouping key. The
whole file is checked first: a malformed record stops the run before any push.
Per key, the record with the newest push time wins. Only records archived from
--url are restored (--from-gateway picks another source). Groups the gateway
holds again are skipped unless --overwrite. push_time_seconds becomes the time
of the restore.
${FOOTER}
Exit codes: 0 restored (or dry run), 1 a push failed or the gateway could not
            be listed, 2 usage or archive file error, 130/143 on SIGINT/SIGTERM.
`;

const DOCTOR_EXAMPLES = `
Examples:
  $ pgsweep doctor --url http://pushgateway:9091
  $ pgsweep doctor --url http://pushgateway:9091 --fix

Checks for: a full write queue (/-/healthy), a listing that crashes, a scrape
(/metrics) that fails, colliding {job="x"} and {job="x", instance=""} groups,
never-succeeded (phantom) groups, and keys that are not valid UTF-8.
--fix deletes, each through its exact key, then checks again: never-succeeded
(phantom) groups, the never-succeeded side of a collision, never-succeeded
groups with invalid UTF-8 keys, and the group that crashes the listing. That
last group is the only one it deletes after a successful push.
${FOOTER}
Exit codes: 0 healthy (with --fix: at the re-check), 1 problems found or left,
            or a runtime failure, 2 usage error, 130/143 on SIGINT/SIGTERM.
`;

/** What the command line asked for: which command, and the flags given for it. */
export interface Chosen {
  readonly command: CommandName;
  readonly flags: FlagValues;
}

function addOptions(cmd: Command, command: CommandName): Command {
  for (const name of settingsOf(command)) cmd.addOption(optionOf(name, command));
  return cmd;
}

/** Only values given on the command line: env, config file and defaults are applied by resolveConfig. */
function cliValues(cmd: Command): Record<string, unknown> {
  const opts = cmd.opts<Record<string, unknown>>();
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(opts)) {
    if (cmd.getOptionValueSource(key) === 'cli') out[key] = opts[key];
  }
  return out;
}

export function buildProgram(): { program: Command; chosen: () => Chosen | undefined } {
  let chosen: Chosen | undefined;
  const program = new Command('pgsweep')
    .description('Delete Pushgateway metric groups whose last successful push is older than a TTL.')
    .usage('[options]\n       pgsweep <command> [options]')
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    // Our own `help [command]` (below): commander's prints the whole help on a typo.
    .helpCommand(false)
    // Options after a command name belong to that command: `pgsweep doctor --help` is doctor's.
    .enablePositionalOptions()
    // Fixed width so --help is identical everywhere (and to the copy in the README).
    .configureHelp({ helpWidth: 80 })
    .showSuggestionAfterError(true)
    .exitOverride();
  const sweepOnly = new Set(
    settingsOf('sweep')
      .filter((n) => !isShared(n))
      .map((n) => longFlag(SETTINGS[n])),
  );
  const usageErrors = (cmd: Command, name: string) =>
    cmd.configureOutput({
      // Usage errors: one line naming the problem and where to look.
      outputError: (raw, write) => {
        const text = withoutOptionValue(raw);
        const flag = /unknown option '(--[a-z-]+)'/.exec(text)?.[1];
        const hint =
          name !== 'pgsweep' && flag && sweepOnly.has(flag) ? `: ${flag} is a sweep option` : '';
        write(
          redactMessage(
            `pgsweep: ${text.trim().replace(/\s*\n\s*/g, ' ')}${hint} (see ${name} --help)\n`,
          ),
        );
      },
    });
  usageErrors(program, 'pgsweep');
  addOptions(program, 'sweep').addHelpText('after', EXAMPLES);

  const subcommands: Array<{
    name: 'inspect' | 'doctor' | 'restore';
    description: string;
    help: string;
  }> = [
    {
      name: 'inspect',
      description: 'report what the gateway holds: why is it big? (read-only)',
      help: INSPECT_EXAMPLES,
    },
    {
      name: 'doctor',
      description: 'find the states that break a gateway for everyone; --fix repairs them',
      help: DOCTOR_EXAMPLES,
    },
    {
      name: 'restore',
      description: 'push groups archived with --archive-file back to their exact keys',
      help: RESTORE_EXAMPLES,
    },
  ];
  for (const sub of subcommands) {
    const cmd = program
      .command(sub.name)
      .description(sub.description)
      .helpOption('-h, --help', 'show this help');
    usageErrors(cmd, `pgsweep ${sub.name}`);
    addOptions(cmd, sub.name).addHelpText('after', sub.help);
    cmd.action(() => {
      // Options given before the command name were parsed by the root: keep the shared ones.
      const before = cliValues(program);
      for (const key of Object.keys(before)) {
        // Table keys are commander's attribute names (`recheck` for --no-recheck).
        const name = SETTING_KEYS.find((n) => n === key);
        if (name && isShared(name)) continue;
        const flag = program.options.find((o) => o.attributeName() === key)?.long ?? key;
        cmd.error(`error: option '${flag}' is for the sweep; pgsweep ${sub.name} does not take it`);
      }
      const after = cliValues(cmd);
      const merged: Record<string, unknown> = { ...before, ...after };
      for (const key of Object.keys(after)) {
        const a = before[key];
        const b = after[key];
        if (Array.isArray(a) && Array.isArray(b)) merged[key] = [...a, ...b];
      }
      chosen = { command: sub.name, flags: merged as FlagValues };
    });
  }

  program
    .command('help')
    .argument('[command]')
    .description('show help for a command')
    .action((name: string | undefined) => {
      if (name === undefined) return program.outputHelp();
      const sub = program.commands.find((c) => c.name() === name && name !== 'help');
      if (!sub) {
        const names = subcommands.map((s) => s.name).join(', ');
        program.error(`error: unknown command '${name}' (commands: ${names})`);
      }
      sub?.outputHelp();
    });

  // The sweep is the root command itself, so `pgsweep --ttl 2h` works as it always has.
  program.allowExcessArguments(true).action(() => {
    const [extra] = program.args;
    if (extra !== undefined) {
      const names = subcommands.map((s) => s.name);
      const near = closest(extra, names);
      program.error(
        `error: too many arguments: '${extra}' is not a command (commands: ${names.join(', ')})${near ? `. Did you mean ${near}?` : ''}`,
      );
    }
    chosen = { command: 'sweep', flags: cliValues(program) as FlagValues };
  });
  return { program, chosen: () => chosen };
}

function fail(message: string): void {
  // One line whatever a user's value held: a line break in it must not start a second line.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we escape
  const line = redactMessage(message).replace(/[\x00-\x08\x0a-\x1f\x7f]/g, (c) =>
    c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  process.stderr.write(`pgsweep: error: ${line}\n`);
}

/**
 * An unknown option is named without what followed it: `--password=hunter2` and `-phunter2` are
 * shown as `--password` and `-p`, since the rest may be a secret typed in the wrong place.
 */
function withoutOptionValue(text: string): string {
  return text.replace(/unknown option '(--[^=']*|-[^-'])[^']*'/g, "unknown option '$1'");
}

/**
 * Where results (the table or JSON report) go: stdout, unless `--archive-file -` claimed stdout for
 * the archive records; then stderr, so the records stay a clean stream no log level can silence.
 */
function resultStream(config: Config): NodeJS.WriteStream {
  return config.archiveFile === '-' ? process.stderr : process.stdout;
}

function noColor(): boolean {
  return process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
}

function loadConfig(flags: FlagValues, command: CommandName): Config {
  const path = configPath(flags, process.env);
  const file =
    path === undefined
      ? undefined
      : parseConfigFile(readUserText(path, '--config', MAX_CONFIG_BYTES), showPath(path));
  const config = resolveConfig(flags, process.env, file, command);
  // Before any request: undici would otherwise fail on a bad proxy URL mid-run.
  checkProxyEnv(process.env);
  return config;
}

/** SIGINT/SIGTERM: stop starting requests at once, abandon those in flight a little later. */
function watchSignals(log: Log) {
  const stop = new AbortController();
  const abandon = new AbortController();
  // Every request in flight and every DELETE waiting for the write window listens to these;
  // with --concurrency above 10 that is not a leak, so do not warn about it.
  setMaxListeners(0, stop.signal, abandon.signal);
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) return;
    received = signal;
    log.warn(
      { signal },
      `received ${signal}: sending no more deletes, finishing within ${ABANDON_AFTER_MS / 1000}s`,
    );
    stop.abort();
    setTimeout(() => abandon.abort(), ABANDON_AFTER_MS).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stop: stop.signal,
    abandon: abandon.signal,
    exitCode: (): ExitCodeValue | undefined =>
      received === 'SIGINT'
        ? ExitCode.sigint
        : received === 'SIGTERM'
          ? ExitCode.sigterm
          : undefined,
  };
}

async function sweepOne(
  url: GatewayUrl,
  config: Config,
  request: RequestSettings,
  log: Log,
  signals: ReturnType<typeof watchSignals>,
  archive: Archive | undefined,
): Promise<GatewayRun> {
  const { headers, tls } = request;
  const client = createClient({
    url,
    timeoutMs: config.timeoutMs,
    connections: config.concurrency,
    headers,
    tls,
    keepRaw: archive !== undefined,
    maxGroupBytes: config.maxGroupBytes,
    maxListingBytes: config.maxListingBytes,
    maxGroups: config.maxGroups,
  });
  // The web UI and /api/v1/status, read only if a stale group's key needs them.
  const pages = (): Probe => client;
  const gatewayLog = config.urls.length > 1 ? withGateway(log, client.baseUrl) : log;
  // Progress on stderr: a live line on a terminal, periodic log lines otherwise, none for JSON.
  const progress = createProgress({
    enabled: config.output !== 'json',
    tty: process.stderr.isTTY === true,
    log: gatewayLog,
    write: (text) => process.stderr.write(text),
  });
  try {
    // Debug: at info, the plan's line is the first of a sweep (one line per phase).
    gatewayLog.debug(
      {
        gateway: client.baseUrl,
        ttl: formatDuration(config.ttlMs),
        dryRun: config.dryRun,
        check: config.check,
      },
      'sweep started',
    );
    const ownExclude = config.operate.pushMetrics
      ? selfExclude(config.operate.instance)
      : undefined;
    const report = await sweep(
      client,
      {
        ttlMs: config.ttlMs,
        ttlRules: config.rules,
        useDeclaredTtl: config.useDeclaredTtl,
        ...(config.keepLatest ? { keepLatest: config.keepLatest } : {}),
        selectors: config.selectors,
        // With --push-metrics, pgsweep's own group is never swept.
        excludes: ownExclude ? [...config.excludes, ownExclude] : config.excludes,
        ...(ownExclude ? { ownExcludes: [ownExclude] } : {}),
        dryRun: config.dryRun,
        recheck: config.recheck,
        concurrency: config.concurrency,
        confirmTimeoutMs: config.timeoutMs,
        guards: config.guards,
        trustLocalClock: config.trustLocalClock,
        maxClockSkewMs: config.maxClockSkewMs,
        ...(archive ? { archive } : {}),
        listing: config.listing,
        pages,
      },
      gatewayLog,
      { stop: signals.stop, abandon: signals.abandon, onProgress: progress.onProgress },
    );
    progress.done();
    // Debug: the summary line (or the JSON summary) that follows says the same.
    gatewayLog.debug({ gateway: client.baseUrl, ...report.summary }, 'sweep finished');
    logGuard(report, config, gatewayLog);
    return { gateway: client.baseUrl, report };
  } catch (err) {
    progress.done();
    if (!(err instanceof PgsweepError)) throw err;
    // One gateway failing does not stop the others; the exit code reports it.
    if (config.urls.length > 1) gatewayLog.error({ gateway: client.baseUrl }, err.message);
    return { gateway: client.baseUrl, error: err.message };
  } finally {
    await client.close();
  }
}

/**
 * A tripped guard is said once: the table's `guard:` line, or, when stdout is JSON for a program,
 * this log line for the person reading stderr.
 */
function logGuard(report: SweepReport, config: Config, log: Log): void {
  if (!report.guard || config.output !== 'json') return;
  if (config.dryRun) log.warn({}, `a real run would stop here: ${report.guard}`);
  else log.error({}, report.guard);
}

function withGateway(log: Log, gateway: string): Log {
  const bind =
    (fn: Log['info']): Log['info'] =>
    (obj, msg) =>
      fn({ gateway, ...obj }, msg);
  return {
    debug: bind(log.debug.bind(log)),
    info: bind(log.info.bind(log)),
    warn: bind(log.warn.bind(log)),
    error: bind(log.error.bind(log)),
  };
}

/** The worst outcome across gateways: failure beats stale-found beats success. */
function exitCodeOf(run: RunResult): ExitCodeValue {
  // An interrupted gateway counts as failed; callers report interruption by the signal's code.
  if (run.gateways.some((g) => !gatewaySucceeded(g, run.dryRun))) return ExitCode.failure;
  if (run.check && run.gateways.some((g) => (g.report?.summary.stale ?? 0) > 0))
    return ExitCode.staleFound;
  return ExitCode.ok;
}

async function run(config: Config): Promise<ExitCodeValue> {
  const log = createLogger(config.logLevel, process.stderr.isTTY === true, noColor());
  const signals = watchSignals(log);
  // Read secrets and certificates once up front, so a bad path is a usage error before any request.
  const request = requestSettings(config, readSecretFile);
  // Opened before any request, so an unwritable archive is a usage error and nothing is deleted.
  const archive =
    config.archiveFile && !config.dryRun ? openArchive(config.archiveFile, log) : undefined;
  // After the usage errors above: a usage error stays the only line on stderr.
  for (const warning of config.warnings) log.warn({}, warning);
  const heap = heapLimitWarning(config.maxGroups, getHeapStatistics().heap_size_limit);
  if (heap) log.warn({}, heap);

  const sweepAll = async (): Promise<GatewayRun[]> => {
    const swept: GatewayRun[] = [];
    for (const url of config.urls) {
      if (signals.stop.aborted) break;
      const startedMs = Date.now();
      const g = await sweepOne(url, config, request, log, signals, archive);
      await pushOwnMetrics(g, url, config, request, log, startedMs, signals.abandon);
      swept.push(g);
    }
    return swept;
  };
  if (config.operate.schedule) {
    const code = await runScheduled(config, config.operate.schedule, log, signals, sweepAll);
    archive?.close();
    return code;
  }
  const startedMs = Date.now();
  const gateways = await sweepAll();
  archive?.close();
  const result: RunResult = {
    startedMs,
    gateways,
    ttlMs: config.ttlMs,
    dryRun: config.dryRun,
    check: config.check,
    interrupted: signals.stop.aborted,
  };
  const single = gateways.length === 1 ? gateways[0] : undefined;
  if (single?.error !== undefined && !single.report && config.output !== 'json') {
    // A single gateway that could not be swept: the error line says it all, stdout stays empty.
    // JSON readers always get their document (with ok: false and the error).
    fail(single.error);
  } else {
    // In pieces: a report of 100k groups should not become one string.
    await writeAll(
      resultStream(config),
      config.output === 'json' ? jsonChunks(result) : tableChunks(result),
    );
    for (const g of gateways) {
      if (g.error !== undefined) fail(single ? g.error : `${g.gateway}: ${g.error}`);
    }
  }
  return signals.exitCode() ?? exitCodeOf(result);
}

/** --push-metrics: one gateway's result to that gateway. A failed push is a warning only. */
async function pushOwnMetrics(
  g: GatewayRun,
  url: GatewayUrl,
  config: Config,
  request: RequestSettings,
  log: Log,
  startedMs: number,
  abandon: AbortSignal,
): Promise<void> {
  // An interrupted sweep says nothing about the gateway: keep the last pushed result.
  if (!config.operate.pushMetrics || g.report?.interrupted === true || abandon.aborted) return;
  const endedMs = Date.now();
  const gauges = pushGauges(g, config.dryRun, endedMs, endedMs - startedMs);
  const gatewayLog = config.urls.length > 1 ? withGateway(log, g.gateway) : log;
  try {
    await pushSelfMetrics({
      url,
      instance: config.operate.instance,
      gauges,
      request,
      timeoutMs: config.timeoutMs,
      signal: abandon,
    });
    gatewayLog.debug({ instance: config.operate.instance }, "pushed pgsweep's own metrics");
  } catch (err) {
    if (!(err instanceof PgsweepError)) throw err;
    gatewayLog.warn({}, `${err.message} (the sweep result and exit code are unaffected)`);
  }
}

/**
 * --schedule: sweep on every cron tick until SIGINT/SIGTERM, never two sweeps at once. Each run is
 * printed like a single run (JSON as one line per run). A signal is a normal stop: exit 0.
 */
async function runScheduled(
  config: Config,
  schedule: ScheduleConfig,
  log: Log,
  signals: ReturnType<typeof watchSignals>,
  sweepAll: () => Promise<GatewayRun[]>,
): Promise<ExitCodeValue> {
  const metrics = new SchedulerMetrics();
  let server: MetricsServer | undefined;
  const listen = config.operate.listen;
  if (listen) {
    try {
      server = await startMetricsServer(listen, metrics, () =>
        signals.stop.aborted ? 'stopping' : metrics.overdue(),
      );
    } catch (err) {
      const code = (err as { code?: string }).code ?? (err as Error).message;
      fail(`--listen ${listen.text}: cannot serve metrics there (${code})`);
      return ExitCode.failure;
    }
    log.info({ address: server.address }, 'serving /metrics and /healthz');
  }
  log.info(
    { schedule: schedule.expression, timezone: schedule.timezone ?? 'UTC' },
    'schedule mode: sweeping on every tick until SIGTERM or SIGINT',
  );
  try {
    await runScheduler({
      schedule,
      stop: signals.stop,
      onNext: (tick) => log.debug({ next: tick.toISOString() }, 'waiting for the next tick'),
      onSkip: (tick) => {
        metrics.skippedTick(tick.getTime());
        log.warn({ tick: tick.toISOString() }, 'tick skipped: the previous sweep is still running');
      },
      runOnce: async () => {
        const startedMs = Date.now();
        metrics.runStarted();
        let result: RunResult;
        try {
          const gateways = await sweepAll();
          result = {
            startedMs,
            scheduled: true,
            gateways,
            ttlMs: config.ttlMs,
            dryRun: config.dryRun,
            check: config.check,
            interrupted: signals.stop.aborted,
          };
        } catch (err) {
          log.error({}, `scheduled sweep failed: ${(err as Error).message}`);
          metrics.record({
            success: false,
            endedMs: Date.now(),
            durationMs: Date.now() - startedMs,
            deleted: 0,
            failed: 0,
            stale: 0,
          });
          return;
        }
        resultStream(config).write(
          redact(
            config.output === 'json'
              ? `${JSON.stringify(toJsonDocument(result))}\n`
              : formatTable(result),
          ),
        );
        for (const g of result.gateways) {
          if (g.error !== undefined) log.error({ gateway: g.gateway }, g.error);
        }
        const total = totalSummary(result);
        const endedMs = Date.now();
        metrics.record({
          success: !result.interrupted && exitCodeOf(result) !== ExitCode.failure,
          endedMs,
          durationMs: endedMs - startedMs,
          deleted: total.deleted,
          failed: total.failed,
          stale: total.stale,
        });
      },
    });
  } finally {
    await server?.close();
  }
  log.info({}, 'schedule mode stopped');
  return ExitCode.ok;
}

/** One gateway at a time for inspect and doctor: its client, the extra GETs, and errors kept per gateway. */
async function eachGateway<R>(
  config: Config,
  request: RequestSettings,
  log: Log,
  signals: ReturnType<typeof watchSignals>,
  work: (client: GatewayClient, probe: Probe, log: Log) => Promise<R>,
): Promise<GatewayResult<R>[]> {
  const results: GatewayResult<R>[] = [];
  for (const url of config.urls) {
    if (signals.stop.aborted) break;
    const client = createClient({
      url,
      timeoutMs: config.timeoutMs,
      connections: 2,
      headers: request.headers,
      tls: request.tls,
      maxGroupBytes: config.maxGroupBytes,
      maxListingBytes: config.maxListingBytes,
      maxGroups: config.maxGroups,
    });
    const gatewayLog = config.urls.length > 1 ? withGateway(log, client.baseUrl) : log;
    try {
      results.push({ gateway: client.baseUrl, report: await work(client, client, gatewayLog) });
    } catch (err) {
      if (!(err instanceof PgsweepError)) throw err;
      if (config.urls.length > 1) gatewayLog.error({ gateway: client.baseUrl }, err.message);
      results.push({ gateway: client.baseUrl, error: err.message });
    } finally {
      await client.close();
    }
  }
  return results;
}

/**
 * Prints the results; a single gateway that failed is just the error line, except in JSON, where
 * the document (with ok: false and the error) is always printed.
 */
function printResults<R>(
  results: readonly GatewayResult<R>[],
  format: () => string,
  json: boolean,
): void {
  const single = results.length === 1 ? results[0] : undefined;
  if (single?.error !== undefined && !json) {
    fail(single.error);
    return;
  }
  process.stdout.write(redact(format()));
  for (const g of results) {
    if (g.error !== undefined) fail(single ? g.error : `${g.gateway}: ${g.error}`);
  }
}

async function runInspect(config: Config): Promise<ExitCodeValue> {
  const log = createLogger(config.logLevel, process.stderr.isTTY === true, noColor());
  const signals = watchSignals(log);
  const request = requestSettings(config, readSecretFile);
  for (const warning of config.warnings) log.warn({}, warning);
  const results = await eachGateway(config, request, log, signals, (client, probe, gwLog) =>
    inspectGateway(client, probe, gwLog, signals.abandon, Date.now, config.keepLatest?.per),
  );
  printResults(
    results,
    () => (config.output === 'json' ? formatInspectJson(results) : formatInspectTable(results)),
    config.output === 'json',
  );
  if (signals.exitCode() !== undefined) return signals.exitCode() ?? ExitCode.failure;
  return results.some((g) => g.error !== undefined) ? ExitCode.failure : ExitCode.ok;
}

async function runDoctor(config: Config): Promise<ExitCodeValue> {
  const log = createLogger(config.logLevel, process.stderr.isTTY === true, noColor());
  const signals = watchSignals(log);
  const request = requestSettings(config, readSecretFile);
  for (const warning of config.warnings) log.warn({}, warning);
  const results = await eachGateway(config, request, log, signals, (client, probe, gwLog) =>
    doctorGateway(client, probe, { fix: config.fix, confirmTimeoutMs: config.timeoutMs }, gwLog, {
      stop: signals.stop,
      abandon: signals.abandon,
    }),
  );
  printResults(
    results,
    () =>
      config.output === 'json' ? formatDoctorJson(results, config.fix) : formatDoctorTable(results),
    config.output === 'json',
  );
  if (signals.exitCode() !== undefined) return signals.exitCode() ?? ExitCode.failure;
  return results.every((g) => g.report?.healthy === true) ? ExitCode.ok : ExitCode.failure;
}

async function restoreCommand(config: Config): Promise<ExitCodeValue> {
  const log = createLogger(config.logLevel, process.stderr.isTTY === true, noColor());
  const signals = watchSignals(log);
  const request = requestSettings(config, readSecretFile);
  for (const warning of config.warnings) log.warn({}, warning);
  const result = await runRestore(config, request, log, signals);
  const json = config.output === 'json';
  const single = result.gateways.length === 1 ? result.gateways[0] : undefined;
  if (single?.error !== undefined && !json) fail(single.error);
  else {
    process.stdout.write(redact(json ? formatRestoreJson(result) : formatRestoreTable(result)));
    for (const g of result.gateways) {
      if (g.error !== undefined) fail(single ? g.error : `${g.gateway}: ${g.error}`);
    }
  }
  if (signals.exitCode() !== undefined) return signals.exitCode() ?? ExitCode.failure;
  return restoreSucceeded(result) ? ExitCode.ok : ExitCode.failure;
}

async function main(argv: string[]): Promise<ExitCodeValue> {
  // Proxy credentials are masked in everything printed, usage errors included.
  registerProxySecrets(process.env);
  const { program, chosen } = buildProgram();
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exit code 0.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    throw err;
  }
  const choice = chosen();
  // `pgsweep help` prints help through commander and ends the parse without choosing a command.
  if (!choice) return ExitCode.ok;
  try {
    const config = loadConfig(choice.flags, choice.command);
    if (choice.command === 'inspect') return await runInspect(config);
    if (choice.command === 'doctor') return await runDoctor(config);
    if (choice.command === 'restore') return await restoreCommand(config);
    return await run(config);
  } catch (err) {
    if (err instanceof PgsweepError) {
      fail(err.message);
      return err.exitCode;
    }
    fail(
      `unexpected ${(err as Error).name ?? 'error'}: ${(err as Error).message} (please report this)`,
    );
    return ExitCode.failure;
  }
}

/**
 * Writes chunk by chunk, waiting for the reader whenever the stream's buffer is full: stdout to a
 * pipe is asynchronous, and without waiting a 100k-group report piled up in memory (measured: a
 * 357 MiB peak instead of 127 MiB when the output went to a pipe). Gives up quietly if the reader
 * goes away (EPIPE is handled below).
 */
async function writeAll(stream: NodeJS.WritableStream, chunks: Iterable<string>): Promise<void> {
  for (const chunk of redactLines(chunks)) {
    if (stream.write(chunk)) continue;
    const drained = await new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => () => {
        stream.off('drain', onDrain).off('error', onEnd).off('close', onEnd);
        resolve(ok);
      };
      const onDrain = done(true);
      const onEnd = done(false);
      stream.once('drain', onDrain).once('error', onEnd).once('close', onEnd);
    });
    if (!drained) return;
  }
}

// `pgsweep --help | head` closes stdout early: that is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
});
process.exitCode = await main(process.argv.slice(2));
