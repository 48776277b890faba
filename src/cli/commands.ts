/**
 * Each command as the command line runs it: logger, signals, secrets, then the command's work
 * (src/commands), then its results printed and its exit code chosen.
 */
import { getHeapStatistics } from 'node:v8';
import { doctorGateway } from '../commands/doctor/doctor.ts';
import { eachGateway } from '../commands/gateways.ts';
import { inspectGateway } from '../commands/inspect/inspect.ts';
import { runRestore } from '../commands/restore/run.ts';
import { runScheduled } from '../commands/schedule/run.ts';
import { openArchive } from '../commands/sweep/archive.ts';
import { heapLimitWarning } from '../commands/sweep/heap-limit.ts';
import { sweepGateways } from '../commands/sweep/run.ts';
import type { Config } from '../config/config.ts';
import { readSecretFile, requestSettings } from '../config/credentials.ts';
import { ExitCode, type ExitCodeValue } from '../core/errors.ts';
import type { Log } from '../core/log.ts';
import { redact } from '../core/redact.ts';
import { formatDoctorJson, formatDoctorTable } from '../output/doctor.ts';
import { formatInspectJson, formatInspectTable } from '../output/inspect.ts';
import { formatRestoreJson, formatRestoreTable, restoreSucceeded } from '../output/restore.ts';
import {
  formatTable,
  gatewaySucceeded,
  jsonChunks,
  type RunResult,
  tableChunks,
  toJsonDocument,
} from '../output/sweep.ts';
import { createLogger } from './logger.ts';
import { fail, noColor, printResults, resultStream, writeAll } from './print.ts';
import { createProgress } from './progress.ts';
import { type CliSignals, watchSignals } from './signals.ts';

/** The sweep: once, or on every tick of --schedule. */
/** What every command starts with: its log, the signals it stops on, the secrets read up front. */
function begin(config: Config) {
  const log = createLogger(config.logLevel, process.stderr.isTTY === true, noColor());
  const signals = watchSignals(log);
  // Read secrets and certificates once up front, so a bad path is a usage error before any request.
  const request = requestSettings(config, readSecretFile);
  return { log, signals, request };
}

/** After the usage errors: a usage error stays the only line on stderr. */
function logWarnings(config: Config, log: Log): void {
  for (const warning of config.warnings) log.warn({}, warning);
}

/** A signal's exit code wins; otherwise success or failure. */
function exitAfter(signals: CliSignals, ok: boolean): ExitCodeValue {
  return signals.exitCode() ?? (ok ? ExitCode.ok : ExitCode.failure);
}

export async function runSweep(config: Config): Promise<ExitCodeValue> {
  const { log, signals, request } = begin(config);
  // Opened before any request, so an unwritable archive is a usage error and nothing is deleted.
  const archive =
    config.archiveFile && !config.dryRun ? openArchive(config.archiveFile, log) : undefined;
  logWarnings(config, log);
  const heap = heapLimitWarning(config.maxGroups, getHeapStatistics().heap_size_limit);
  if (heap) log.warn({}, heap);

  const sweepAll = () =>
    sweepGateways(config, { request, log, signals, archive, progressFor: progressOn(config) });
  try {
    if (config.operate.schedule) {
      // Each run printed like a single run; JSON as one line per run.
      await runScheduled(config, config.operate.schedule, log, signals, sweepAll, (result) =>
        resultStream(config).write(
          redact(
            config.output === 'json'
              ? `${JSON.stringify(toJsonDocument(result))}\n`
              : formatTable(result),
          ),
        ),
      );
      // A signal is a normal stop for a scheduler: exit 0.
      return ExitCode.ok;
    }
    const startedMs = Date.now();
    const gateways = await sweepAll();
    const result: RunResult = {
      startedMs,
      gateways,
      ttlMs: config.ttlMs,
      dryRun: config.dryRun,
      check: config.check,
      interrupted: signals.stop.aborted,
    };
    await printSweep(result, config);
    return signals.exitCode() ?? exitCodeOf(result);
  } finally {
    archive?.close();
  }
}

/** Progress on stderr: a live line on a terminal, periodic log lines otherwise, none for JSON. */
function progressOn(config: Config) {
  return (log: Log) =>
    createProgress({
      enabled: config.output !== 'json',
      tty: process.stderr.isTTY === true,
      log,
      write: (text) => process.stderr.write(text),
    });
}

async function printSweep(result: RunResult, config: Config): Promise<void> {
  const single = result.gateways.length === 1 ? result.gateways[0] : undefined;
  if (single?.error !== undefined && !single.report && config.output !== 'json') {
    // A single gateway that could not be swept: the error line says it all, stdout stays empty.
    // JSON readers always get their document (with ok: false and the error).
    fail(single.error);
    return;
  }
  // In pieces: a report of 100k groups should not become one string.
  await writeAll(
    resultStream(config),
    config.output === 'json' ? jsonChunks(result) : tableChunks(result),
  );
  for (const g of result.gateways) {
    if (g.error !== undefined) fail(single ? g.error : `${g.gateway}: ${g.error}`);
  }
}

/** The worst outcome across gateways: failure beats stale-found beats success. */
function exitCodeOf(run: RunResult): ExitCodeValue {
  // An interrupted gateway counts as failed; callers report interruption by the signal's code.
  if (run.gateways.some((g) => !gatewaySucceeded(g, run.dryRun))) return ExitCode.failure;
  if (run.check && run.gateways.some((g) => (g.report?.summary.stale ?? 0) > 0))
    return ExitCode.staleFound;
  return ExitCode.ok;
}

export async function runInspect(config: Config): Promise<ExitCodeValue> {
  const { log, signals, request } = begin(config);
  logWarnings(config, log);
  const results = await eachGateway(config, request, log, signals, (client, probe, gwLog) =>
    inspectGateway(client, probe, gwLog, signals.abandon, Date.now, config.keepLatest?.per),
  );
  printResults(
    results,
    () => (config.output === 'json' ? formatInspectJson(results) : formatInspectTable(results)),
    config.output === 'json',
  );
  return exitAfter(
    signals,
    results.every((g) => g.error === undefined),
  );
}

export async function runDoctor(config: Config): Promise<ExitCodeValue> {
  const { log, signals, request } = begin(config);
  logWarnings(config, log);
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
  return exitAfter(
    signals,
    results.every((g) => g.report?.healthy === true),
  );
}

export async function runRestoreCommand(config: Config): Promise<ExitCodeValue> {
  const { log, signals, request } = begin(config);
  logWarnings(config, log);
  const result = await runRestore(config, request, log, signals);
  const json = config.output === 'json';
  printResults(
    result.gateways,
    () => (json ? formatRestoreJson(result) : formatRestoreTable(result)),
    json,
  );
  return exitAfter(signals, restoreSucceeded(result));
}
