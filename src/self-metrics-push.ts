/**
 * Sends pgsweep's own metrics to a gateway (see self-metrics.ts for what and why POST). Uses the
 * same transport as every other gateway request: headers, TLS, proxies, bounded timeouts, and
 * redirects never followed. Throws GatewayError with one readable line; the caller logs it.
 */
import { createTransport, describeNetworkError, readHead, requestDeadline } from './client.ts';
import type { RequestSettings } from './credentials.ts';
import { GatewayError } from './errors.ts';
import { type Gauge, pushRequest } from './self-metrics.ts';

/** A push is one small request: it need not wait as long as a big listing may. */
const MAX_PUSH_TIMEOUT_MS = 30_000;

export async function pushSelfMetrics(options: {
  readonly url: string;
  readonly instance: string;
  readonly gauges: readonly Gauge[];
  readonly request: RequestSettings;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}): Promise<void> {
  const timeoutMs = Math.min(options.timeoutMs, MAX_PUSH_TIMEOUT_MS);
  const { agent, origin, basePath, href, errorContext } = createTransport({
    url: options.url,
    timeoutMs,
    connections: 1,
    tls: options.request.tls,
  });
  const { method, path, body } = pushRequest(options.instance, options.gauges);
  // The whole request, body included, within the timeout (see requestDeadline).
  const deadline = requestDeadline(timeoutMs, options.signal);
  try {
    let status: number;
    let text: string;
    try {
      const res = await agent.request({
        origin,
        method,
        path: `${basePath}${path}`,
        headers: {
          ...options.request.headers,
          'content-type': 'text/plain; version=0.0.4; charset=utf-8',
        },
        body,
        signal: deadline.signal,
      });
      status = res.statusCode;
      text = await readHead(res.body, deadline.signal);
    } catch (err) {
      throw new GatewayError(
        `pushing pgsweep's metrics to ${href}${path} failed: ${describeNetworkError(err, errorContext)}`,
      );
    }
    if (status < 200 || status >= 300) {
      const snippet = text.slice(0, 200).replace(/\s+/g, ' ').trim();
      throw new GatewayError(
        `pushing pgsweep's metrics to ${href}${path} was answered ${status}${snippet ? ` (${snippet})` : ''}`,
      );
    }
  } finally {
    deadline.done();
    await agent.close();
  }
}
