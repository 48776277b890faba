/**
 * The PUT that puts one archived group back. Uses the same transport as every other gateway
 * request (headers, TLS, proxies, bounded timeouts, redirects never followed). A PUT is idempotent,
 * so a network error, 429 or 5xx is retried like a DELETE.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createTransport,
  DEFAULT_RETRY,
  describeNetworkError,
  readHead,
  requestDeadline,
} from './client.ts';
import type { RequestSettings } from './credentials.ts';

export interface PushResult {
  /** The HTTP status, or 0 when no answer came (then `detail` says why). */
  readonly status: number;
  readonly detail: string;
}

export interface Pusher {
  /** `path` is relative to the base URL, as built by groupPath(). */
  put(path: string, body: string, signal?: AbortSignal): Promise<PushResult>;
  close(): Promise<void>;
}

export function createPusher(options: {
  readonly url: string;
  readonly timeoutMs: number;
  readonly connections: number;
  readonly request: RequestSettings;
}): Pusher {
  const { agent, origin, basePath, errorContext } = createTransport({
    url: options.url,
    timeoutMs: options.timeoutMs,
    connections: options.connections,
    tls: options.request.tls,
  });
  const headers = {
    ...options.request.headers,
    'content-type': 'text/plain; version=0.0.4; charset=utf-8',
  };

  async function once(path: string, body: string, signal?: AbortSignal): Promise<PushResult> {
    const deadline = requestDeadline(options.timeoutMs, signal);
    try {
      const res = await agent.request({
        origin,
        method: 'PUT',
        path: `${basePath}${path}`,
        headers,
        body,
        signal: deadline.signal,
      });
      const text = await readHead(res.body, deadline.signal);
      return { status: res.statusCode, detail: text.slice(0, 200).replace(/\s+/g, ' ').trim() };
    } catch (err) {
      return { status: 0, detail: describeNetworkError(err, errorContext) };
    } finally {
      deadline.done();
    }
  }

  return {
    async put(path, body, signal) {
      for (let attempt = 1; ; attempt++) {
        const result = await once(path, body, signal);
        const retryable = result.status === 0 || result.status === 429 || result.status >= 500;
        if (!retryable || attempt > DEFAULT_RETRY.retries || signal?.aborted) return result;
        const delay = Math.min(
          DEFAULT_RETRY.maxDelayMs,
          DEFAULT_RETRY.baseDelayMs * 2 ** (attempt - 1),
        );
        await sleep(delay, undefined, signal ? { signal } : {}).catch(() => {});
      }
    },
    async close() {
      await agent.close();
    },
  };
}
