/**
 * The Pushgateway HTTP edge: list all groups and delete one. Never follows redirects (a redirected
 * DELETE can address a different group, spec §4.3). Sends paths verbatim, without URL
 * normalisation. Honours HTTP_PROXY/HTTPS_PROXY/NO_PROXY. The listing is never retried (each try
 * makes the gateway rebuild the whole response); a DELETE is idempotent and is retried.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, type Dispatcher, EnvHttpProxyAgent, errors } from 'undici';
import { parseBaseUrl } from './base-url.ts';
import { formatByteSize } from './byte-size.ts';
import { GatewayError } from './errors.ts';
import { createExpositionParser } from './exposition.ts';
import { type DateHeader, readDateHeader } from './http-date.ts';
import {
  createListingParser,
  type ListedGroup,
  ListingFormatError,
  ListingLimitError,
} from './listing.ts';
import { checkProxyEnv } from './proxy-env.ts';
import type { BarrierOutcome } from './write-window.ts';

/**
 * Which listing to read: the text exposition (lighter on the gateway), the JSON API, or `auto`:
 * the text page, and the JSON API only where it is needed (the sweep decides, see sweep.ts).
 */
export const LISTING_MODES = ['auto', 'json', 'text'] as const;
export type ListingMode = (typeof LISTING_MODES)[number];
/** What one listing request reads. */
export type ListingFormat = Exclude<ListingMode, 'auto'>;

/**
 * The text page could not be used where the JSON API may still work: it answered 500 (a store
 * whose groups are inconsistent, spec §4.7 and §9), or its body is not a page pgsweep can read
 * (empty, out of order, a line it cannot parse). `--listing auto` then lists with the JSON API.
 */
export class TextPageError extends GatewayError {
  /** The reason, short, for the log line that announces the switch. */
  readonly why: string;
  constructor(message: string, why: string) {
    super(message);
    this.why = why;
  }
}

export interface Listing {
  /** The server's clock from the `Date` header, or why there is none (see readDateHeader). */
  readonly date: DateHeader;
  /** `date`'s instant, in ms; undefined unless there was exactly one valid Date header. */
  readonly dateMs: number | undefined;
  /**
   * The groups as they arrive. Iterating to the end checks the whole body; a body that turns out
   * cut off or malformed throws GatewayError, so act on nothing before the iteration completes.
   */
  readonly groups: AsyncIterable<ListedGroup>;
  /** Bytes and groups read; complete once `groups` has been iterated. */
  readonly stats: { bytes: number; groups: number };
}

export interface DeleteResult {
  readonly status: number;
  /** First part of a non-202 body, for the error message. */
  readonly body: string;
  /** Attempts made, including retries. */
  readonly attempts: number;
}

export interface GatewayClient {
  readonly baseUrl: string;
  /** `format` defaults to the client's `listing` option. */
  list(signal?: AbortSignal, format?: ListingFormat): Promise<Listing>;
  /** `path` is relative to the base URL, as built by groupPath(). */
  deleteGroup(path: string, signal?: AbortSignal): Promise<DeleteResult>;
  /** GET /-/healthy: its status, or 0 when it could not be reached. */
  healthy(signal?: AbortSignal): Promise<number>;
  /** Answers once every write queued before it has been applied (see BARRIER_PATH). */
  barrier(signal?: AbortSignal): Promise<BarrierOutcome>;
  close(): Promise<void>;
}

export interface TlsMaterial {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly rejectUnauthorized: boolean;
}

export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, baseDelayMs: 250, maxDelayMs: 5000 };

export interface ClientOptions {
  readonly url: string;
  readonly timeoutMs: number;
  readonly connections: number;
  /** Sent with every request (auth and --header). Never logged. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly tls?: TlsMaterial;
  readonly retry?: RetryPolicy;
  /** What list() reads unless told otherwise. Default `json`. */
  readonly listing?: ListingFormat;
  /** Keep each group's full JSON (json listing only), for the archive. */
  readonly keepRaw?: boolean;
  /** Largest group (text listing: line) and whole listing body accepted (--max-*-bytes). */
  readonly maxGroupBytes?: number;
  readonly maxListingBytes?: number;
  /** --max-groups: a listing with more groups fails. */
  readonly maxGroups?: number;
}

/** The request took longer than --timeout as a whole (headers and body). */
export class RequestTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`the request took longer than ${timeoutMs}ms`);
    this.name = 'RequestTimeoutError';
  }
}

export interface RequestDeadline {
  /** Give this to undici: it aborts with a RequestTimeoutError, or with the caller's reason. */
  readonly signal: AbortSignal;
  /** Call once the response body has been read (or given up): stops the timer. */
  done(): void;
}

/**
 * One request's whole-request deadline. undici's headersTimeout and bodyTimeout bound only each
 * gap between bytes, so a body that drips never ends; this bounds headers and body together.
 * A timer that is cleared on completion (rather than AbortSignal.timeout) so 100k DELETEs do not
 * leave 100k live timers behind for --timeout each.
 */
export function requestDeadline(timeoutMs: number, caller?: AbortSignal): RequestDeadline {
  const controller = new AbortController();
  const onAbort = () => controller.abort(caller?.reason);
  const timer = setTimeout(() => controller.abort(new RequestTimeoutError(timeoutMs)), timeoutMs);
  // Pending requests keep the process alive by their sockets; the timer itself need not.
  timer.unref();
  if (caller?.aborted) onAbort();
  else caller?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    done() {
      clearTimeout(timer);
      caller?.removeEventListener('abort', onAbort);
    },
  };
}

/** How much of a response body is read for a message; the rest is discarded unread. */
const MESSAGE_BODY_BYTES = 4096;

/**
 * The first bytes of a body as text, never more than `max` bytes however much is sent. A body cut
 * off is read as far as it came, unless `signal` aborted it (a timeout): that is thrown.
 */
export async function readHead(
  body: Dispatcher.ResponseData['body'],
  signal?: AbortSignal,
  max = MESSAGE_BODY_BYTES,
): Promise<string> {
  const parts: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const data of body) {
      const chunk = data as Buffer;
      parts.push(chunk.subarray(0, max - bytes));
      bytes += Math.min(chunk.length, max - bytes);
      if (bytes >= max) break; // leaving the loop destroys the body: the rest is never read
    }
  } catch (err) {
    if (signal?.aborted) throw err;
  }
  return Buffer.concat(parts).toString('utf8');
}

/**
 * The write barrier: a push carrying a sample timestamp. The gateway's single writer takes writes
 * first-in first-out and rejects such a push (400) as its very first check, before the costly
 * consistency check, answering only then (spec §4.9). So its 400 proves that every DELETE queued
 * before it has been applied, at almost no cost to the gateway. The rejection leaves a phantom
 * group under this key, which the sweep deletes when it is done.
 */
export const BARRIER_PATH = 'metrics/job/pgsweep_barrier';
export const BARRIER_BODY = 'pgsweep_write_barrier 1 1\n';

/** Connecting should be quick even when the listing is slow to build. */
const MAX_CONNECT_TIMEOUT_MS = 10_000;

export interface Transport {
  /** An Agent, or an EnvHttpProxyAgent when a proxy variable is set. */
  readonly agent: Dispatcher;
  readonly origin: string;
  /** The route prefix, always ending in `/`. */
  readonly basePath: string;
  readonly href: string;
  readonly errorContext: ErrorContext;
}

/**
 * The connection setup every request to a gateway shares: HTTP(S)_PROXY/NO_PROXY, TLS material,
 * bounded timeouts (undici's defaults are 300 s), and what error messages need to know.
 */
export function createTransport(options: {
  readonly url: string;
  readonly timeoutMs: number;
  readonly connections: number;
  readonly tls?: TlsMaterial | undefined;
}): Transport {
  const { origin, basePath, href } = parseBaseUrl(options.url);
  const tls = options.tls ?? { rejectUnauthorized: true };
  const tlsOptions = {
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(tls.cert ? { cert: tls.cert } : {}),
    ...(tls.key ? { key: tls.key } : {}),
    rejectUnauthorized: tls.rejectUnauthorized,
  };
  const agentOptions = {
    connections: options.connections,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connect: { ...tlsOptions, timeout: Math.min(options.timeoutMs, MAX_CONNECT_TIMEOUT_MS) },
  };
  // Without a proxy variable EnvHttpProxyAgent sends everything direct anyway, yet it parses the
  // origin and re-reads NO_PROXY for every request (20 ms of a 20k-group sweep's profile for the
  // NO_PROXY reads alone).
  if (proxyConfigured(process.env)) checkProxyEnv(process.env);
  const agent = proxyConfigured(process.env)
    ? // requestTls is used for the target when tunnelling through HTTPS_PROXY.
      new EnvHttpProxyAgent({ ...agentOptions, requestTls: tlsOptions })
    : new Agent(agentOptions);
  const target = new URL(origin);
  const errorContext: ErrorContext = {
    timeoutMs: options.timeoutMs,
    host: target.hostname,
    port: Number(target.port) || (target.protocol === 'https:' ? 443 : 80),
    httpsWithoutClientCert: target.protocol === 'https:' && !tls.cert,
  };
  return { agent, origin, basePath, href, errorContext };
}

/** Whether EnvHttpProxyAgent would route any request through a proxy (it reads these names). */
export function proxyConfigured(env: NodeJS.ProcessEnv): boolean {
  return ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY'].some((name) => !!env[name]);
}

export function createClient(options: ClientOptions): GatewayClient {
  const { agent, origin, basePath, href, errorContext } = createTransport(options);
  const headers = { ...(options.headers ?? {}) };
  const retry = options.retry ?? DEFAULT_RETRY;

  /** One request under its whole-request deadline; call `deadline.done()` once the body is read. */
  async function send(
    method: 'GET' | 'DELETE' | 'POST',
    path: string,
    signal?: AbortSignal,
    body?: string,
  ): Promise<{ res: Dispatcher.ResponseData; deadline: RequestDeadline }> {
    const deadline = requestDeadline(options.timeoutMs, signal);
    try {
      const res = await agent.request({
        origin,
        method,
        path: `${basePath}${path}`,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: deadline.signal,
      });
      return { res, deadline };
    } catch (err) {
      deadline.done();
      throw new GatewayError(
        `${method} ${href}${shorten(path)} failed: ${describeNetworkError(err, errorContext)}`,
      );
    }
  }

  /** The start of an answer's body, within the request's deadline (then over). */
  async function answerText(
    method: string,
    path: string,
    res: Dispatcher.ResponseData,
    deadline: RequestDeadline,
  ): Promise<string> {
    try {
      return await readHead(res.body, deadline.signal);
    } catch (err) {
      throw new GatewayError(
        `${method} ${href}${shorten(path)} failed: ${describeNetworkError(err, errorContext)}`,
      );
    } finally {
      deadline.done();
    }
  }

  /** A listing cap, named by its flag, in the words the user needs to act. */
  function describeLimit(err: ListingLimitError, target: string): string {
    const size = formatByteSize(err.maxBytes);
    return err.limit === 'group'
      ? `a group in the listing from ${target} is larger than --max-group-bytes ${size}; nothing was deleted (raise --max-group-bytes if the gateway really holds groups that big)`
      : `the listing from ${target} is larger than --max-listing-bytes ${size}; nothing was deleted (raise --max-listing-bytes if the gateway is really that big)`;
  }

  return {
    baseUrl: href,

    async list(signal, format) {
      const mode = format ?? options.listing ?? 'json';
      const path = mode === 'json' ? 'api/v1/metrics' : 'metrics';
      const target = `${href}${path}`;
      const { res, deadline } = await send('GET', path, signal);
      if (res.statusCode !== 200) {
        const body = await answerText('GET', path, res, deadline);
        const message = describeListingStatus(target, res.statusCode, res.headers, body, mode);
        if (mode === 'text' && res.statusCode === 500) {
          throw new TextPageError(message, `GET ${target} answered 500`);
        }
        throw new GatewayError(message);
      }
      // undici gives an array when the header is repeated: readDateHeader refuses that.
      const date = readDateHeader(res.headers.date);
      const stats = { bytes: 0, groups: 0 };
      const limits = {
        ...(options.maxGroupBytes ? { maxGroupBytes: options.maxGroupBytes } : {}),
        ...(options.maxListingBytes ? { maxListingBytes: options.maxListingBytes } : {}),
      };
      const parser =
        mode === 'json'
          ? createListingParser({ keepRaw: options.keepRaw === true, ...limits })
          : createExpositionParser(limits);
      const badListing = (err: ListingFormatError) => {
        const message = `bad listing from ${target}: ${err.message}; nothing was deleted`;
        return mode === 'text'
          ? new TextPageError(message, err.message)
          : new GatewayError(message);
      };
      const maxGroups = options.maxGroups ?? Number.POSITIVE_INFINITY;
      let count = 0;
      const tooMany = () =>
        new GatewayError(
          `the listing from ${target} holds more than --max-groups ${maxGroups} groups; nothing was deleted (raise --max-groups if the gateway really holds that many)`,
        );
      async function* groups(): AsyncGenerator<ListedGroup> {
        try {
          for await (const chunk of res.body) {
            for (const group of parser.push(chunk as Buffer)) {
              if (++count > maxGroups) throw tooMany();
              yield group;
            }
          }
        } catch (err) {
          if (err instanceof GatewayError) throw err;
          if (err instanceof ListingLimitError) throw new GatewayError(describeLimit(err, target));
          if (err instanceof ListingFormatError) throw badListing(err);
          if (err instanceof RequestTimeoutError) {
            throw new GatewayError(
              `GET ${target} ${describeNetworkError(err, errorContext)}; nothing was deleted`,
            );
          }
          throw new GatewayError(
            `listing from ${target} was cut off: ${describeNetworkError(err, errorContext)}; nothing was deleted`,
          );
        } finally {
          // Also when the reader stops early: the body is then destroyed and the timer must go.
          deadline.done();
        }
        try {
          const end = parser.finish();
          stats.bytes = end.bytes;
          stats.groups = end.groups;
          for (const group of end.rest) {
            if (++count > maxGroups) throw tooMany();
            yield group;
          }
        } catch (err) {
          if (err instanceof ListingFormatError) throw badListing(err);
          throw err;
        }
      }
      return { date, dateMs: date.ok ? date.ms : undefined, groups: groups(), stats };
    },

    async deleteGroup(path, signal) {
      for (let attempt = 1; ; attempt++) {
        const last = attempt > retry.retries || signal?.aborted === true;
        let result: DeleteResult;
        try {
          const { res, deadline } = await send('DELETE', path, signal);
          const text = await answerText('DELETE', path, res, deadline);
          result = { status: res.statusCode, body: text.slice(0, 200).trim(), attempts: attempt };
        } catch (err) {
          if (last) throw err;
          await backoff(attempt, signal);
          continue;
        }
        if (last || !isRetryableStatus(result.status)) return result;
        await backoff(attempt, signal);
      }
    },

    async healthy(signal) {
      const deadline = requestDeadline(options.timeoutMs, signal);
      try {
        const res = await agent.request({
          origin,
          method: 'GET',
          path: `${basePath}-/healthy`,
          headers,
          signal: deadline.signal,
        });
        await readHead(res.body, deadline.signal);
        return res.statusCode;
      } catch {
        return 0;
      } finally {
        deadline.done();
      }
    },

    async barrier(signal) {
      const { res, deadline } = await send('POST', BARRIER_PATH, signal, BARRIER_BODY);
      const text = (await answerText('POST', BARRIER_PATH, res, deadline)).trim();
      if (res.statusCode === 400 && text.includes('timestamps')) return { applied: true };
      return {
        applied: false,
        queued: res.statusCode === 202,
        why:
          res.statusCode === 202
            ? 'the gateway queues pushes without checking them (--push.disable-consistency-check), so it answers before applying them'
            : `the barrier push answered ${res.statusCode}${text ? ` (${text.slice(0, 120)})` : ''}`,
      };
    },

    async close() {
      await agent.close();
    },
  };

  async function backoff(attempt: number, signal?: AbortSignal): Promise<void> {
    const delay = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
    await sleep(delay, undefined, signal ? { signal } : {}).catch(() => {});
  }
}

/** 5xx (the gateway or a proxy in trouble) and 429 are worth another try; 4xx are not. */
function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

function shorten(path: string): string {
  return path.length > 200 ? `${path.slice(0, 200)}...` : path;
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function describeListingStatus(
  target: string,
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  mode: ListingMode,
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
    return `GET ${target} was refused (${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}): check your credentials (--username with --password-file, or --bearer-token-file)`;
  }
  if (status === 500 && mode === 'text') {
    return `GET ${target} answered 500${snippet ? ` (${snippet})` : ''}: the gateway's store is inconsistent, so its text page fails; nothing was deleted (run pgsweep doctor, or sweep with --listing json)`;
  }
  return `GET ${target} answered ${status}${snippet ? ` (${snippet})` : ''}; nothing was deleted`;
}

/** What each certificate check failure means for the user, by Node's TLS error code. */
const TLS_ERRORS: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT:
    'the gateway certificate is self-signed and not trusted (pass its CA with --ca-file)',
  SELF_SIGNED_CERT_IN_CHAIN:
    'the certificate chain ends in an untrusted self-signed CA (pass it with --ca-file)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    'the gateway certificate is not signed by a trusted CA (pass the CA with --ca-file)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    'the issuer of the gateway certificate is not trusted (pass the CA with --ca-file)',
  UNABLE_TO_GET_ISSUER_CERT:
    'the issuer of the gateway certificate is unknown (pass the CA with --ca-file)',
  CERT_HAS_EXPIRED: 'the gateway certificate has expired',
  CERT_NOT_YET_VALID: 'the gateway certificate is not valid yet (check the clocks)',
  ERR_TLS_CERT_ALTNAME_INVALID:
    'the gateway certificate does not name this host (check --url against the certificate)',
  CERT_SIGNATURE_FAILURE: 'the gateway certificate signature is invalid',
  EPROTO:
    'TLS handshake failed (is the gateway really serving HTTPS, and is a client certificate required?)',
  ERR_SSL_WRONG_VERSION_NUMBER:
    'TLS handshake failed: the server does not speak TLS here (use http://?)',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE:
    'the gateway rejected the client certificate (check --cert-file and --key-file)',
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED:
    'the gateway requires a client certificate (pass --cert-file and --key-file)',
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE:
    'TLS handshake failed (does the gateway require a client certificate?)',
};

export interface ErrorContext {
  readonly timeoutMs: number;
  /** The gateway's host and port, to tell a refused proxy from a refused gateway. */
  readonly host?: string;
  readonly port?: number;
  /** A closed connection on HTTPS without --cert-file often means mutual TLS. */
  readonly httpsWithoutClientCert?: boolean;
}

/** One readable clause for a network-level failure. */
export function describeNetworkError(err: unknown, context: ErrorContext): string {
  if (
    err instanceof RequestTimeoutError ||
    err instanceof errors.HeadersTimeoutError ||
    err instanceof errors.BodyTimeoutError ||
    err instanceof errors.ConnectTimeoutError
  ) {
    return `timed out after ${context.timeoutMs / 1000}s (raise --timeout if the gateway is just slow)`;
  }
  // undici's proxy agent reports a refused CONNECT as an aborted request: it is not ours.
  const proxyRefusal =
    err instanceof errors.RequestAbortedError
      ? /^Proxy response \((\d+)\)/.exec(err.message)
      : null;
  if (proxyRefusal) {
    return `the proxy from HTTP_PROXY/HTTPS_PROXY refused to connect to the gateway (${proxyRefusal[1]}): check the proxy, or set NO_PROXY to bypass it`;
  }
  if (
    err instanceof errors.RequestAbortedError ||
    (err as { name?: string } | null)?.name === 'AbortError'
  ) {
    return 'abandoned because pgsweep is stopping';
  }
  const e = err as {
    code?: unknown;
    address?: unknown;
    port?: unknown;
    cause?: { code?: unknown; address?: unknown; port?: unknown };
  } | null;
  const c =
    typeof e?.code === 'string'
      ? e.code
      : typeof e?.cause?.code === 'string'
        ? e.cause.code
        : undefined;
  if (c && TLS_ERRORS[c]) return `TLS: ${TLS_ERRORS[c]} [${c}]`;
  if (c === 'ECONNREFUSED') {
    const address = e?.address ?? e?.cause?.address;
    const port = e?.port ?? e?.cause?.port;
    const elsewhere =
      typeof port === 'number' && context.port !== undefined && port !== context.port;
    if (elsewhere) {
      return `connection refused by ${String(address)}:${port}, which is not the gateway: is a proxy from HTTP_PROXY/HTTPS_PROXY down? (set NO_PROXY to bypass it)`;
    }
    return 'connection refused (is the Pushgateway running, and is --url right?)';
  }
  if (c === 'ENOTFOUND' || c === 'EAI_AGAIN') return 'host name not found (check --url)';
  if (c === 'ECONNRESET' || c === 'UND_ERR_SOCKET') {
    return context.httpsWithoutClientCert
      ? 'the server closed the connection during or right after the TLS handshake (does the gateway require a client certificate? pass --cert-file and --key-file)'
      : 'connection reset by the server';
  }
  const message = err instanceof Error ? err.message : String(err);
  return c ? `${message} (${c})` : message;
}
