/** Schedule mode: the sweep on every cron tick, with its /metrics and /healthz server. */
import type { Config } from '../../config/config.ts';
import type { ScheduleConfig } from '../../config/operate-config.ts';
import { ExitCode, PgsweepError } from '../../core/errors.ts';
import type { Log } from '../../core/log.ts';
import {
  type GatewayRun,
  gatewaySucceeded,
  type RunResult,
  totalSummary,
} from '../../output/sweep.ts';
import type { RunSignals } from '../gateways.ts';
import { runScheduler } from './scheduler.ts';
import { type MetricsServer, SchedulerMetrics, startMetricsServer } from './scheduler-metrics.ts';

/**
 * --schedule: sweep on every cron tick until SIGINT/SIGTERM, never two sweeps at once. Each run is
 * printed like a single run (by `print`). A signal is a normal stop.
 */
export async function runScheduled(
  config: Config,
  schedule: ScheduleConfig,
  log: Log,
  signals: RunSignals,
  sweepAll: () => Promise<GatewayRun[]>,
  print: (result: RunResult) => void,
): Promise<void> {
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
      throw new PgsweepError(
        `--listen ${listen.text}: cannot serve metrics there (${code})`,
        ExitCode.failure,
      );
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
        print(result);
        for (const g of result.gateways) {
          if (g.error !== undefined) log.error({ gateway: g.gateway }, g.error);
        }
        const total = totalSummary(result);
        const endedMs = Date.now();
        metrics.record({
          success:
            !result.interrupted && result.gateways.every((g) => gatewaySucceeded(g, result.dryRun)),
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
}
