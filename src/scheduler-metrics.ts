/**
 * Schedule mode's own metrics (counters and gauges kept in memory) and the small HTTP server that
 * serves them on --listen: GET /metrics in the Prometheus text format, GET /healthz.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ListenAddress } from './operate-config.ts';
import { type Gauge, renderExposition } from './self-metrics.ts';

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

  record(run: RunRecord): void {
    if (run.success) {
      this.runs.success++;
      this.lastSuccessMs = run.endedMs;
    } else this.runs.failure++;
    this.deleted += run.deleted;
    this.failed += run.failed;
    this.last = run;
  }

  skippedTick(): void {
    this.skipped++;
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
  healthy: () => boolean,
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
      const ok = healthy();
      res
        .writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' })
        .end(ok ? 'ok\n' : 'stopping\n');
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
