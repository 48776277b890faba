/**
 * The command line edge: the only module that reads argv and the environment, touches the TTY,
 * reads files, handles signals, prints results and sets the exit code.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Command, CommanderError, Option } from 'commander';
import { createClient } from './client.ts';
import {
  type Config,
  configPath,
  DEFAULTS,
  envName,
  type FlagValues,
  LOG_LEVELS,
  resolveConfig,
} from './config.ts';
import { parseConfigFile } from './config-file.ts';
import { type RequestSettings, requestSettings } from './credentials.ts';
import { formatDuration } from './duration.ts';
import { ExitCode, type ExitCodeValue, PgsweepError, UsageError } from './errors.ts';
import type { Log } from './log.ts';
import { createLogger } from './logger.ts';
import { formatJson, formatTable, type GatewayRun, type RunResult } from './output.ts';
import { sweep } from './sweep.ts';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];

/** After SIGINT/SIGTERM, requests still in flight get this long before they are abandoned. */
const ABANDON_AFTER_MS = 3000;

function withEnv(flags: string, description: string, extra = ''): Option {
  const long = flags.split(/[ ,]+/).find((f) => f.startsWith('--')) ?? flags;
  return new Option(flags, `${description}${extra ? ` ${extra}` : ''} [env: ${envName(long)}]`);
}

const EXAMPLES = `
Examples:
  $ pgsweep --url http://pushgateway:9091 --ttl 2h
  $ pgsweep --url http://pushgateway:9091 --ttl 2h --dry-run
  $ pgsweep --ttl 1d --selector '{job=~"etl_.*"}' --exclude '{env="prod"}'
  $ pgsweep --ttl 2h --rule '{job="nightly_report"}=36h' --rule '{job=~"ci_.*"}=30m'
  $ PGSWEEP_PASSWORD=... pgsweep --url https://pgw:9091 --username sweeper --ca-file ca.pem --ttl 2h
  $ pgsweep --check --ttl 2h --output json    # CI smoke step: exit 3 if anything is stale

Secrets: PGSWEEP_PASSWORD and PGSWEEP_BEARER_TOKEN, or the *-file flags; never
flag values. Repeatable settings take one value per line in the environment.
Exit codes: 0 success or nothing to do, 1 runtime failure or guard tripped,
            2 usage error, 3 stale groups found with --check, 130/143 on
            SIGINT/SIGTERM.
`;

export function buildProgram(): Command {
  return (
    new Command('pgsweep')
      .description(
        'Delete Pushgateway metric groups whose last successful push is older than a TTL.',
      )
      .version(version, '-V, --version', 'print the version')
      .helpOption('-h, --help', 'show this help')
      .addOption(
        withEnv(
          '--url <url>',
          'Pushgateway base URL, including any route prefix; repeat for several',
          `(default: ${DEFAULTS.url})`,
        ).argParser(collect),
      )
      .addOption(
        withEnv('--ttl <duration>', 'delete groups older than this, e.g. 90m, 2h, 7d (required)'),
      )
      .addOption(
        withEnv(
          '--rule <matchers=duration>',
          'per-selector TTL, e.g. \'{job=~"ci_.*"}=30m\'; first match wins',
        ).argParser(collect),
      )
      .addOption(
        withEnv('--ignore-declared-ttl', 'ignore pgsweep_ttl_seconds gauges that groups push'),
      )
      .addOption(withEnv('--dry-run', 'plan and report, delete nothing'))
      .addOption(withEnv('--check', 'like --dry-run, but exit 3 when any group is stale'))
      .addOption(
        withEnv(
          '--selector <matchers>',
          'only consider groups matching, e.g. \'{job=~"etl_.*"}\'; repeatable, OR-ed',
        ).argParser(collect),
      )
      .addOption(
        withEnv('--exclude <matchers>', 'never touch groups matching; repeatable').argParser(
          collect,
        ),
      )
      .addOption(
        withEnv('--config <file>', 'YAML or JSON file with the same settings (camelCase keys)'),
      )
      .addOption(
        withEnv(
          '--username <name>',
          'basic auth user; password from --password-file or PGSWEEP_PASSWORD',
        ),
      )
      .addOption(withEnv('--password-file <path>', 'file holding the basic auth password'))
      .addOption(
        withEnv(
          '--bearer-token-file <path>',
          'file holding a bearer token (or PGSWEEP_BEARER_TOKEN)',
        ),
      )
      .addOption(
        withEnv('--header <header>', "extra request header 'Name: value'; repeatable").argParser(
          collect,
        ),
      )
      .addOption(withEnv('--ca-file <path>', 'PEM CA bundle to verify the gateway certificate'))
      .addOption(withEnv('--cert-file <path>', 'PEM client certificate (with --key-file)'))
      .addOption(withEnv('--key-file <path>', 'PEM client key'))
      .addOption(
        withEnv('--insecure-skip-verify', 'do not verify the gateway certificate (unsafe)'),
      )
      .addOption(
        withEnv(
          '--max-deletes <n>',
          'delete nothing if more than n groups would go; 0 = no limit',
          `(default: ${DEFAULTS.maxDeletes})`,
        ),
      )
      .addOption(
        withEnv(
          '--max-delete-ratio <fraction>',
          'delete nothing if more than this share of all groups would go (checked above 10 deletes)',
          `(default: ${DEFAULTS.maxDeleteRatio})`,
        ),
      )
      .addOption(withEnv('--force', 'delete even when --max-deletes or --max-delete-ratio trips'))
      .addOption(
        withEnv(
          '--trust-local-clock',
          "age groups by this machine's clock when the gateway sends no Date",
        ),
      )
      .addOption(
        withEnv(
          '--output <format>',
          'result format on stdout: table or json',
          `(default: ${DEFAULTS.output})`,
        ),
      )
      .addOption(
        withEnv(
          '--concurrency <n>',
          'parallel DELETE requests',
          `(default: ${DEFAULTS.concurrency})`,
        ),
      )
      .addOption(
        withEnv(
          '--timeout <duration>',
          'per-request timeout; also how long to wait for deletes to show',
          `(default: ${DEFAULTS.timeout})`,
        ),
      )
      .addOption(
        withEnv(
          '--log-level <level>',
          `stderr log level: ${LOG_LEVELS.join(', ')}`,
          `(default: ${DEFAULTS.logLevel})`,
        ),
      )
      .addOption(
        withEnv(
          '--no-recheck',
          'skip the second listing that protects groups re-pushed during the sweep',
        ),
      )
      .addHelpText('after', EXAMPLES)
      // Fixed width so --help is identical everywhere (and to the copy in the README).
      .configureHelp({ helpWidth: 80 })
      .showSuggestionAfterError(true)
      .exitOverride()
      .configureOutput({
        // Usage errors: one line naming the problem and where to look.
        outputError: (text, write) =>
          write(`pgsweep: ${text.trim().replace(/\s*\n\s*/g, ' ')} (see pgsweep --help)\n`),
      })
  );
}

/** Only values given on the command line: env, config file and defaults are applied by resolveConfig. */
function flagValues(program: Command): FlagValues {
  const opts = program.opts<Record<string, unknown>>();
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(opts)) {
    if (program.getOptionValueSource(key) === 'cli') out[key] = opts[key];
  }
  return out as FlagValues;
}

function fail(message: string): void {
  process.stderr.write(`pgsweep: error: ${message}\n`);
}

function noColor(): boolean {
  return process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
}

function loadConfig(flags: FlagValues): Config {
  const path = configPath(flags, process.env);
  if (path === undefined) return resolveConfig(flags, process.env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read --config ${path} (${(err as { code?: string }).code ?? 'error'})`,
    );
  }
  return resolveConfig(flags, process.env, parseConfigFile(text, path));
}

/** SIGINT/SIGTERM: stop starting requests at once, abandon those in flight a little later. */
function watchSignals(log: Log) {
  const stop = new AbortController();
  const abandon = new AbortController();
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
  url: string,
  config: Config,
  request: RequestSettings,
  log: Log,
  signals: ReturnType<typeof watchSignals>,
): Promise<GatewayRun> {
  const { headers, tls } = request;
  const client = createClient({
    url,
    timeoutMs: config.timeoutMs,
    connections: config.concurrency,
    headers,
    tls,
  });
  const gatewayLog = config.urls.length > 1 ? withGateway(log, client.baseUrl) : log;
  try {
    gatewayLog.info(
      {
        gateway: client.baseUrl,
        ttl: formatDuration(config.ttlMs),
        dryRun: config.dryRun,
        check: config.check,
      },
      'sweep started',
    );
    const report = await sweep(
      client,
      {
        ttlMs: config.ttlMs,
        ttlRules: config.rules,
        useDeclaredTtl: config.useDeclaredTtl,
        selectors: config.selectors,
        excludes: config.excludes,
        dryRun: config.dryRun,
        recheck: config.recheck,
        concurrency: config.concurrency,
        confirmTimeoutMs: config.timeoutMs,
        guards: config.guards,
        trustLocalClock: config.trustLocalClock,
      },
      gatewayLog,
      { stop: signals.stop, abandon: signals.abandon },
    );
    gatewayLog.info({ gateway: client.baseUrl, ...report.summary }, 'sweep finished');
    return { gateway: client.baseUrl, report };
  } catch (err) {
    if (!(err instanceof PgsweepError)) throw err;
    // One gateway failing does not stop the others; the exit code reports it.
    if (config.urls.length > 1) gatewayLog.error({ gateway: client.baseUrl }, err.message);
    return { gateway: client.baseUrl, error: err.message };
  } finally {
    await client.close();
  }
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
  const failed = run.gateways.some(
    (g) =>
      g.error !== undefined ||
      (g.report?.summary.failed ?? 0) > 0 ||
      (!run.dryRun && g.report?.guard !== undefined),
  );
  if (failed) return ExitCode.failure;
  if (run.check && run.gateways.some((g) => (g.report?.summary.stale ?? 0) > 0))
    return ExitCode.staleFound;
  return ExitCode.ok;
}

async function run(config: Config): Promise<ExitCodeValue> {
  const log = createLogger(config.logLevel, process.stderr.isTTY === true, noColor());
  for (const warning of config.warnings) log.warn({}, warning);
  const signals = watchSignals(log);
  // Read secrets and certificates once up front, so a bad path is a usage error before any request.
  const request = requestSettings(config, (p) => readFileSync(p));

  const gateways: GatewayRun[] = [];
  for (const url of config.urls) {
    if (signals.stop.aborted) break;
    gateways.push(await sweepOne(url, config, request, log, signals));
  }
  const result: RunResult = {
    gateways,
    ttlMs: config.ttlMs,
    dryRun: config.dryRun,
    check: config.check,
    interrupted: signals.stop.aborted,
  };
  const single = gateways.length === 1 ? gateways[0] : undefined;
  if (single?.error !== undefined && !single.report) {
    // A single gateway that could not be swept: the error line says it all, stdout stays empty.
    fail(single.error);
  } else {
    process.stdout.write(config.output === 'json' ? formatJson(result) : formatTable(result));
    for (const g of gateways) if (g.error !== undefined) fail(`${g.gateway}: ${g.error}`);
  }
  return signals.exitCode() ?? exitCodeOf(result);
}

async function main(argv: string[]): Promise<ExitCodeValue> {
  const program = buildProgram();
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exit code 0.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    throw err;
  }
  try {
    return await run(loadConfig(flagValues(program)));
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

process.exitCode = await main(process.argv.slice(2));
