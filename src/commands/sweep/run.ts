/**
 * The sweep command's work: each gateway in turn, swept with the options the Config gives, then
 * (--push-metrics) told pgsweep's own result. Returns the results for the CLI to print; logs only
 * what the results do not show.
 */
import type { Config } from '../../config/config.ts';
import type { RequestSettings } from '../../config/credentials.ts';
import { formatDuration } from '../../core/duration.ts';
import { PgsweepError } from '../../core/errors.ts';
import { type Log, withGateway } from '../../core/log.ts';
import type { ProgressReporter, SweepReport } from '../../core/sweep-report.ts';
import type { GatewayUrl } from '../../gateway/base-url.ts';
import { createClient, type Probe } from '../../gateway/client.ts';
import { pushGauges, selfExclude } from '../../output/self-metrics.ts';
import type { GatewayRun } from '../../output/sweep.ts';
import type { RunSignals } from '../gateways.ts';
import type { Archive } from './archive.ts';
import { pushSelfMetrics } from './self-metrics-push.ts';
import { type SweepOptions, sweep } from './sweep.ts';

export interface SweepRunDeps {
  readonly request: RequestSettings;
  readonly log: Log;
  readonly signals: RunSignals;
  readonly archive: Archive | undefined;
  /** Where one gateway's progress goes (its log carries the gateway). */
  readonly progressFor: (log: Log) => ProgressReporter;
}

/** Every gateway of --url in turn, until a signal stops the run. */
export async function sweepGateways(config: Config, deps: SweepRunDeps): Promise<GatewayRun[]> {
  const { request, log, signals, archive, progressFor } = deps;
  const swept: GatewayRun[] = [];
  for (const url of config.urls) {
    if (signals.stop.aborted) break;
    const startedMs = Date.now();
    const g = await sweepOne(url, config, request, log, signals, archive, progressFor);
    await pushOwnMetrics(g, url, config, request, log, startedMs, signals.abandon);
    swept.push(g);
  }
  return swept;
}

/** Config to one sweep's options. With --push-metrics, pgsweep's own group is never swept. */
export function sweepOptionsOf(
  config: Config,
  archive: Archive | undefined,
  pages: () => Probe,
): SweepOptions {
  const ownExclude = config.operate.pushMetrics ? selfExclude(config.operate.instance) : undefined;
  return {
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
  };
}

async function sweepOne(
  url: GatewayUrl,
  config: Config,
  request: RequestSettings,
  log: Log,
  signals: RunSignals,
  archive: Archive | undefined,
  progressFor: (log: Log) => ProgressReporter,
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
  const progress = progressFor(gatewayLog);
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
    const report = await sweep(client, sweepOptionsOf(config, archive, pages), gatewayLog, {
      stop: signals.stop,
      abandon: signals.abandon,
      onProgress: progress.onProgress,
    });
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
