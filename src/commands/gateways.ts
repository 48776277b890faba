/**
 * What every command shares: the signals it stops on, and inspect's and doctor's walk over the
 * gateways, one at a time, each failure kept with its gateway.
 */
import type { Config } from '../config/config.ts';
import type { RequestSettings } from '../config/credentials.ts';
import { PgsweepError } from '../core/errors.ts';
import { type Log, withGateway } from '../core/log.ts';
import { createClient, type GatewayClient, type Probe } from '../gateway/client.ts';
import type { GatewayResult } from '../output/report.ts';

/** SIGINT/SIGTERM as the CLI relays them: stop starting requests, then abandon those in flight. */
export interface RunSignals {
  readonly stop: AbortSignal;
  readonly abandon: AbortSignal;
}

/** One gateway at a time for inspect and doctor: its client, the extra GETs, and errors kept per gateway. */
export async function eachGateway<R>(
  config: Config,
  request: RequestSettings,
  log: Log,
  signals: RunSignals,
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
