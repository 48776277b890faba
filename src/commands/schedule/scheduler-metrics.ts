/**
 * Schedule mode's own metrics (counters and gauges kept in memory) and the small HTTP server that
 * serves them on --listen: GET /metrics in the Prometheus text format, GET /healthz.
 *
 * A run's deadline is the next tick after it started: a run still going then is overdue (that tick
 * is skipped). Every request has its own --timeout, so an overdue run is a sweeper that cannot
 * keep to its schedule, or one that is stuck; /healthz says so until the run ends.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ListenAddress } from '../../config/operate-config.ts';
import { type Gauge, renderExposition } from '../../output/self-metrics.ts';

export interface RunRecord {
  readonly success: boolean;
  readonly endedMs: number;
  readonly durationMs: number;
  readonly deleted: number;
  readonly failed: number;
  readonly stale: number;
}

export class SchedulerMetrics {
  private runs = { success: 0, failure: 0 };
  private deleted = 0;
  private failed = 0;
  private skipped = 0;
  private last: RunRecord | undefined;
  private lastSuccessMs: number | undefined;
  private overdueRuns = 0;
  /** The run in flight: when it started and, once past its deadline, the tick it missed. */
  private current: { startedMs: number; missedTickMs: number | undefined } | undefined;
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  runStarted(): void {
    this.current = { startedMs: this.now(), missedTickMs: undefined };
  }

  /** Why /healthz should fail because of the run in flight, if it is overdue. */
  overdue(): string | undefined {
    const run = this.current;
    if (run?.missedTickMs === undefined) return undefined;
    const seconds = Math.round((this.now() - run.startedMs) / 1000);
    return `overdue: the sweep started ${new Date(run.startedMs).toISOString()} is still running after ${seconds}s, past its next tick at ${new Date(run.missedTickMs).toISOString()}`;
  }

  record(run: RunRecord): void {
    this.current = undefined;
    if (run.success) {
      this.runs.success++;
      this.lastSuccessMs = run.endedMs;
    } else this.runs.failure++;
    this.deleted += run.deleted;
    this.failed += run.failed;
    this.last = run;
  }

  /** A tick came while a run was going: that run is now past its deadline. */
  skippedTick(tickMs: number): void {
    this.skipped++;
    if (this.current && this.current.missedTickMs === undefined) {
      this.current.missedTickMs = tickMs;
      this.overdueRuns++;
    }
  }

  render(): string {
    const counter = (name: string, help: string, value: number, labels?: Record<string, string>) =>
      ({ name, help, value, type: 'counter', ...(labels ? { labels } : {}) }) as Gauge;
    const samples: Gauge[] = [
      counter('pgsweep_runs_total', 'Scheduled runs, by result.', this.runs.success, {
        result: 'success',
      }),
      counter('pgsweep_runs_total', 'Scheduled runs, by result.', this.runs.failure, {
        result: 'failure',
      }),
      counter('pgsweep_groups_deleted_total', 'Groups deleted since start.', this.deleted),
      counter(
        'pgsweep_groups_failed_total',
        'Groups that failed to delete since start.',
        this.failed,
      ),
      counter(
        'pgsweep_skipped_ticks_total',
        'Ticks skipped because the previous run was still going.',
        this.skipped,
      ),
      counter(
        'pgsweep_overdue_runs_total',
        'Runs still going at the tick after the one that started them.',
        this.overdueRuns,
      ),
      {
        name: 'pgsweep_run_overdue',
        help: '1 while the run in flight is past its deadline (the next tick), else 0.',
        value: this.current?.missedTickMs === undefined ? 0 : 1,
      },
      {
        name: 'pgsweep_run_seconds',
        help: 'How long the run in flight has been going; 0 between runs.',
        value: this.current ? (this.now() - this.current.startedMs) / 1000 : 0,
      },
    ];
    // Gauges appear once there is something to report (absent rather than a misleading 0).
    if (this.last) {
      samples.push(
        {
          name: 'pgsweep_last_run_timestamp_seconds',
          help: 'When the last run ended.',
          value: this.last.endedMs / 1000,
        },
        {
          name: 'pgsweep_last_duration_seconds',
          help: 'How long the last run took.',
          value: this.last.durationMs / 1000,
        },
        {
          name: 'pgsweep_last_groups_stale',
          help: 'Stale groups found by the last run.',
          value: this.last.stale,
        },
      );
    }
    if (this.lastSuccessMs !== undefined) {
      samples.push({
        name: 'pgsweep_last_success_timestamp_seconds',
        help: 'When the last successful run ended.',
        value: this.lastSuccessMs / 1000,
      });
    }
    return renderExposition(samples);
  }
}

export interface MetricsServer {
  /** `host:port` actually bound (useful with port 0). */
  readonly address: string;
  close(): Promise<void>;
}

export async function startMetricsServer(
  listen: ListenAddress,
  metrics: SchedulerMetrics,
  /** Why the scheduler is unhealthy (stopping, a run overdue), or undefined when it is fine. */
  unhealthy: () => string | undefined,
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      res
        .writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
        .end(metrics.render());
    } else if (path === '/healthz') {
      const reason = unhealthy();
      res
        .writeHead(reason === undefined ? 200 : 503, { 'content-type': 'text/plain' })
        .end(`${reason ?? 'ok'}\n`);
    } else {
      res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end('not found: try /metrics or /healthz\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return {
    address: `${host}:${a.port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
