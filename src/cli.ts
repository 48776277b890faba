/**
 * The command line edge: the only module that reads argv and the environment, touches the TTY,
 * prints results and sets the exit code.
 */
import { createRequire } from 'node:module';
import { Command, CommanderError, Option } from 'commander';
import { createClient } from './client.ts';
import {
  type Config,
  DEFAULTS,
  envName,
  type FlagValues,
  LOG_LEVELS,
  resolveConfig,
} from './config.ts';
import { formatDuration } from './duration.ts';
import { ExitCode, PgsweepError } from './errors.ts';
import { createLogger } from './logger.ts';
import { formatJson, formatTable } from './output.ts';
import { sweep } from './sweep.ts';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];

function withEnv(flags: string, description: string, extra = ''): Option {
  const long = flags.split(/[ ,]+/).find((f) => f.startsWith('--')) ?? flags;
  return new Option(flags, `${description}${extra ? ` ${extra}` : ''} [env: ${envName(long)}]`);
}

const EXAMPLES = `
Examples:
  $ pgsweep --url http://pushgateway:9091 --ttl 2h
  $ pgsweep --url http://pushgateway:9091 --ttl 2h --dry-run
  $ pgsweep --ttl 1d --selector '{job=~"etl_.*"}' --exclude '{env="prod"}'
  $ pgsweep --check --ttl 2h --output json    # CI smoke step: exit 3 if anything is stale

Exit codes: 0 success or nothing to do, 1 runtime failure, 2 usage error,
            3 stale groups found with --check.
Multiple selectors in one environment variable go one per line.
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
          'Pushgateway base URL, including any route prefix',
          `(default: ${DEFAULTS.url})`,
        ),
      )
      .addOption(
        withEnv('--ttl <duration>', 'delete groups older than this, e.g. 90m, 2h, 7d (required)'),
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

/** Only values given on the command line: defaults and env are applied by resolveConfig. */
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

async function run(config: Config): Promise<number> {
  const log = createLogger(config.logLevel, process.stderr.isTTY === true, noColor());
  for (const warning of config.warnings) log.warn({}, warning);
  const client = createClient({
    url: config.url,
    timeoutMs: config.timeoutMs,
    connections: config.concurrency,
  });
  try {
    log.info(
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
        selectors: config.selectors,
        excludes: config.excludes,
        dryRun: config.dryRun,
        recheck: config.recheck,
        concurrency: config.concurrency,
        confirmTimeoutMs: config.timeoutMs,
      },
      log,
    );
    const run = { check: config.check };
    process.stdout.write(
      config.output === 'json' ? formatJson(report, run) : formatTable(report, run),
    );
    log.info({ ...report.summary }, 'sweep finished');
    if (report.summary.failed > 0) return ExitCode.failure;
    if (config.check && report.summary.stale > 0) return ExitCode.staleFound;
    return ExitCode.ok;
  } finally {
    await client.close();
  }
}

function noColor(): boolean {
  return process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
}

async function main(argv: string[]): Promise<number> {
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
    return await run(resolveConfig(flagValues(program), process.env));
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
