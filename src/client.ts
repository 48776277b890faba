/**
 * The Pushgateway HTTP edge: list all groups and delete one. Never follows redirects (a redirected
 * DELETE can address a different group, spec §4.3). Sends paths verbatim, without URL normalisation.
 */
import { errors, Pool } from 'undici';
import { parseBaseUrl } from './base-url.ts';
import { GatewayError } from './errors.ts';
import { type ListedGroup, ListingFormatError, parseListing } from './listing.ts';

export interface Listing {
  readonly groups: ListedGroup[];
  /** The server's clock from the `Date` header, in ms; undefined when absent or unparseable. */
  readonly dateMs: number | undefined;
  readonly bytes: number;
}

export interface DeleteResult {
  readonly status: number;
  /** First part of a non-202 body, for the error message. */
  readonly body: string;
}

export interface GatewayClient {
  readonly baseUrl: string;
  list(): Promise<Listing>;
  /** `path` is relative to the base URL, as built by groupPath(). */
  deleteGroup(path: string): Promise<DeleteResult>;
  close(): Promise<void>;
}

export interface ClientOptions {
  readonly url: string;
  readonly timeoutMs: number;
  readonly connections: number;
}

export function createClient(options: ClientOptions): GatewayClient {
  const { origin, basePath, href } = parseBaseUrl(options.url);
  const pool = new Pool(origin, {
    connections: options.connections,
    connectTimeout: options.timeoutMs,
    // undici's defaults are 300 s; a sweep must fail in bounded time instead.
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });

  async function send(method: 'GET' | 'DELETE', path: string) {
    const target = `${href}${path}`;
    try {
      return await pool.request({ method, path: `${basePath}${path}` });
    } catch (err) {
      throw new GatewayError(
        `${method} ${target} failed: ${describeNetworkError(err, options.timeoutMs)}`,
      );
    }
  }

  return {
    baseUrl: href,

    async list() {
      const target = `${href}api/v1/metrics`;
      const res = await send('GET', 'api/v1/metrics');
      let body: string;
      try {
        body = await res.body.text();
      } catch (err) {
        throw new GatewayError(
          `listing from ${target} was cut off: ${describeNetworkError(err, options.timeoutMs)}; nothing was deleted`,
        );
      }
      if (res.statusCode !== 200)
        throw new GatewayError(describeListingStatus(target, res.statusCode, res.headers, body));
      let groups: ListedGroup[];
      try {
        groups = parseListing(body);
      } catch (err) {
        if (err instanceof ListingFormatError) {
          throw new GatewayError(`bad listing from ${target}: ${err.message}; nothing was deleted`);
        }
        throw err;
      }
      const date = headerValue(res.headers.date);
      const parsed = date === undefined ? Number.NaN : Date.parse(date);
      return {
        groups,
        dateMs: Number.isNaN(parsed) ? undefined : parsed,
        bytes: Buffer.byteLength(body),
      };
    },

    async deleteGroup(path) {
      const res = await send('DELETE', path);
      const text = await res.body.text().catch(() => '');
      return { status: res.statusCode, body: text.slice(0, 200).trim() };
    },

    async close() {
      await pool.close();
    },
  };
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function describeListingStatus(
  target: string,
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: string,
): string {
  const snippet = body.slice(0, 120).replace(/\s+/g, ' ').trim();
  if (status >= 300 && status < 400) {
    const location = headerValue(headers.location);
    return `GET ${target} was redirected (${status}${location ? ` to ${location}` : ''}); pgsweep never follows redirects: set --url to the address the gateway serves`;
  }
  if (status === 404) {
    return `no Pushgateway API at ${target} (404): check --url, including any route prefix such as /pushgateway/`;
  }
  if (status === 401 || status === 403) {
    return `GET ${target} was refused (${status}): check your credentials`;
  }
  return `GET ${target} answered ${status}${snippet ? ` (${snippet})` : ''}; nothing was deleted`;
}

/** One readable clause for a network-level failure. */
export function describeNetworkError(err: unknown, timeoutMs: number): string {
  if (
    err instanceof errors.HeadersTimeoutError ||
    err instanceof errors.BodyTimeoutError ||
    err instanceof errors.ConnectTimeoutError
  ) {
    return `timed out after ${timeoutMs / 1000}s (raise --timeout if the gateway is just slow)`;
  }
  const code = (err as { code?: unknown } | null)?.code;
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  const c = typeof code === 'string' ? code : typeof cause === 'string' ? cause : undefined;
  if (c === 'ECONNREFUSED')
    return 'connection refused (is the Pushgateway running, and is --url right?)';
  if (c === 'ENOTFOUND' || c === 'EAI_AGAIN') return 'host name not found (check --url)';
  if (c === 'ECONNRESET' || c === 'UND_ERR_SOCKET') return 'connection reset by the server';
  const message = err instanceof Error ? err.message : String(err);
  return c ? `${message} (${c})` : message;
}
