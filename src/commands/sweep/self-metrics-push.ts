/**
 * Sends pgsweep's own metrics to a gateway (see self-metrics.ts for what and why POST), through
 * the one gateway client. Throws GatewayError with one readable line; the caller logs it.
 */

import type { RequestSettings } from '../../config/credentials.ts';
import { GatewayError } from '../../core/errors.ts';
import type { GatewayUrl } from '../../gateway/base-url.ts';
import { createClient } from '../../gateway/client.ts';
import { type Gauge, pushRequest } from '../../output/self-metrics.ts';

/** A push is one small request: it need not wait as long as a big listing may. */
const MAX_PUSH_TIMEOUT_MS = 30_000;

export async function pushSelfMetrics(options: {
  readonly url: GatewayUrl;
  readonly instance: string;
  readonly gauges: readonly Gauge[];
  readonly request: RequestSettings;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}): Promise<void> {
  const client = createClient({
    url: options.url,
    timeoutMs: Math.min(options.timeoutMs, MAX_PUSH_TIMEOUT_MS),
    connections: 1,
    headers: options.request.headers,
    tls: options.request.tls,
  });
  const { method, path, body } = pushRequest(options.instance, options.gauges);
  const target = `${client.baseUrl}${path}`;
  try {
    const { status, detail } = await client.push(method, path, body, options.signal);
    if (status === 0) {
      throw new GatewayError(`pushing pgsweep's metrics to ${target} failed: ${detail}`);
    }
    if (status < 200 || status >= 300) {
      throw new GatewayError(
        `pushing pgsweep's metrics to ${target} was answered ${status}${detail ? ` (${detail})` : ''}`,
      );
    }
  } finally {
    await client.close();
  }
}
