/**
 * The GETs that `inspect` and `doctor` send besides the listing: `/metrics`, `/-/healthy` and the
 * web UI at `/`. Built on undici like src/client.ts: the same headers and TLS material, bounded
 * timeouts, HTTP(S)_PROXY honoured, redirects never followed, paths sent verbatim. A broken answer
 * is data here (doctor diagnoses it), so a response or a network failure is returned, never thrown.
 * Bodies are streamed to the caller chunk by chunk; only a short head is kept.
 */
import { createTransport, describeNetworkError, requestDeadline } from './client.ts';
import type { RequestSettings } from './credentials.ts';

/** How much of each body is kept for messages. */
const HEAD_BYTES = 4096;

export interface ProbeResponse {
  readonly kind: 'response';
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Body bytes read (all of them unless `truncated`). */
  readonly bytes: number;
  /** The first few KiB of the body as UTF-8, for messages. */
  readonly head: string;
  /** Reading stopped at `maxBytes`. */
  readonly truncated: boolean;
}

export interface ProbeFailure {
  readonly kind: 'network-error';
  /** Node or undici error code, e.g. `UND_ERR_SOCKET` for a connection closed without a reply. */
  readonly code: string | undefined;
  /** One readable clause, e.g. "connection reset by the server". */
  readonly message: string;
  /** True when the response headers had arrived and the body was cut off. */
  readonly midBody: boolean;
  /** The status, when the failure happened while reading the body. */
  readonly status?: number;
}

export type ProbeResult = ProbeResponse | ProbeFailure;

export interface GetOptions {
  /** Receives each body chunk as it arrives. */
  readonly onChunk?: (chunk: Buffer) => void;
  /** Stop reading after this many bytes (the rest is discarded). */
  readonly maxBytes?: number;
  readonly signal?: AbortSignal;
}

export interface Probe {
  readonly baseUrl: string;
  /** --max-group-bytes: the longest line a page scanner should hold. */
  readonly maxLineBytes: number;
  /** --max-listing-bytes: no body is read past this (the result says `truncated`). */
  readonly maxBodyBytes: number;
  /** `path` is relative to the base URL, e.g. `-/healthy`, `metrics` or `` for the UI. */
  get(path: string, options?: GetOptions): Promise<ProbeResult>;
  close(): Promise<void>;
}

export interface ProbeOptions {
  readonly url: string;
  readonly timeoutMs: number;
  readonly request: RequestSettings;
  /** Default 16 MiB and 1 GiB, the flags' defaults. */
  readonly maxLineBytes?: number;
  readonly maxBodyBytes?: number;
}

export function createProbe(options: ProbeOptions): Probe {
  const { headers, tls } = options.request;
  const {
    agent,
    origin,
    basePath,
    href,
    errorContext: context,
  } = createTransport({
    url: options.url,
    timeoutMs: options.timeoutMs,
    connections: 2,
    tls,
  });

  const failure = (err: unknown, status?: number): ProbeFailure => {
    const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
    const code =
      typeof e?.code === 'string'
        ? e.code
        : typeof e?.cause?.code === 'string'
          ? e.cause.code
          : undefined;
    return {
      kind: 'network-error',
      code,
      message: describeNetworkError(err, context),
      midBody: status !== undefined,
      ...(status === undefined ? {} : { status }),
    };
  };

  const maxBodyBytes = options.maxBodyBytes ?? 2 ** 30;
  return {
    baseUrl: href,
    maxLineBytes: options.maxLineBytes ?? 16 * 2 ** 20,
    maxBodyBytes,
    async get(path, opts = {}) {
      // --timeout bounds the whole request, body included (see requestDeadline).
      const deadline = requestDeadline(options.timeoutMs, opts.signal);
      try {
        const maxBytes = Math.min(opts.maxBytes ?? maxBodyBytes, maxBodyBytes);
        return await getWithin(path, { ...opts, maxBytes }, deadline.signal);
      } finally {
        deadline.done();
      }
    },
    async close() {
      await agent.close();
    },
  };

  async function getWithin(
    path: string,
    opts: GetOptions,
    signal: AbortSignal,
  ): Promise<ProbeResult> {
    let res: Awaited<ReturnType<typeof agent.request>>;
    try {
      res = await agent.request({
        origin,
        method: 'GET',
        path: `${basePath}${path}`,
        headers: { ...headers },
        signal,
      });
    } catch (err) {
      return failure(err);
    }
    const head: Buffer[] = [];
    let headBytes = 0;
    let bytes = 0;
    let truncated = false;
    try {
      for await (const data of res.body) {
        const chunk = data as Buffer;
        bytes += chunk.length;
        if (headBytes < HEAD_BYTES) {
          head.push(chunk.subarray(0, HEAD_BYTES - headBytes));
          headBytes += Math.min(chunk.length, HEAD_BYTES - headBytes);
        }
        opts.onChunk?.(chunk);
        if (opts.maxBytes !== undefined && bytes >= opts.maxBytes) {
          truncated = true;
          res.body.destroy();
          break;
        }
      }
    } catch (err) {
      return failure(err, res.statusCode);
    }
    return {
      kind: 'response',
      status: res.statusCode,
      headers: res.headers,
      bytes,
      head: Buffer.concat(head).toString('utf8'),
      truncated,
    } satisfies ProbeResponse;
  }
}

/** The first line of a body, whitespace collapsed and shortened, for one-line messages. */
export function snippet(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}...` : flat;
}

/** A non-2xx status that means the URL or credentials are wrong rather than the gateway sick. */
export function describeAccessProblem(url: string, status: number, location?: string): string {
  if (status >= 300 && status < 400) {
    return `GET ${url} was redirected (${status}${location ? ` to ${location}` : ''}); pgsweep never follows redirects: set --url to the address the gateway serves`;
  }
  if (status === 404) {
    return `no Pushgateway at ${url} (404): check --url, including any route prefix such as /pushgateway/`;
  }
  return `GET ${url} was refused (${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}): check your credentials (--username with --password-file, or --bearer-token-file)`;
}

/** True for statuses describeAccessProblem explains. */
export function isAccessProblem(status: number): boolean {
  return (status >= 300 && status < 400) || status === 401 || status === 403 || status === 404;
}

export function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
