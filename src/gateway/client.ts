/**
 * The one Pushgateway HTTP client: every request pgsweep sends (the listing, DELETEs, the write
 * barrier, /-/healthy, the pages inspect and doctor read, restore's PUTs, its own metrics) goes
 * through it, over one dispatcher per gateway (http-transport.ts). Never follows redirects (a
 * redirected DELETE can address a different group, spec §4.3). Sends paths verbatim, without URL
 * normalisation. The listing is never retried (each try makes the gateway rebuild the whole
 * response); a DELETE or PUT is idempotent and is retried.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import type { GatewayUrl } from './base-url.ts';
import { type ListingLimits, readListing, TextPageError } from './client-listing.ts';

export { TextPageError };

import { GatewayError } from '../core/errors.ts';
import { type DateHeader, readDateHeader } from '../wire/http-date.ts';
import type { ListedGroup, ListingFormat } from '../wire/listing.ts';
import { describeListingStatus, describeNetworkError, errorCode } from './http-errors.ts';
import { readBody, readHead, snippet } from './http-read.ts';
import {
  createTransport,
  type RequestDeadline,
  requestDeadline,
  type TlsMaterial,
} from './http-transport.ts';

/**
 * Which listing to read: the text exposition (lighter on the gateway), the JSON API, or `auto`:
 * the text page, and the JSON API only where it is needed (the sweep decides, see sweep.ts).
 */

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

export type BarrierOutcome =
  | { readonly applied: true }
  /**
   * The answer proves nothing. `queued`: the gateway took it anyway (it runs with
   * --push.disable-consistency-check), so it will still leave its group behind.
   */
  | { readonly applied: false; readonly why: string; readonly queued: boolean };

/** A page's answer; a broken one is data here (doctor diagnoses it), never thrown. */
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

/** The GETs inspect, doctor and exact-key resolution read besides the listing. */
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

export interface PushResult {
  /** The HTTP status, or 0 when no answer came (then `detail` says why). */
  readonly status: number;
  /** The start of the answer's body, or why there was none. */
  readonly detail: string;
}

export interface GatewayClient extends Probe {
  /** `format` defaults to the client's `listing` option. */
  list(signal?: AbortSignal, format?: ListingFormat): Promise<Listing>;
  /** `path` is relative to the base URL, as built by groupPath(). */
  deleteGroup(path: string, signal?: AbortSignal): Promise<DeleteResult>;
  /** GET /-/healthy: its status, or 0 when it could not be reached. */
  healthy(signal?: AbortSignal): Promise<number>;
  /** Answers once every write queued before it has been applied (see BARRIER_PATH). */
  barrier(signal?: AbortSignal): Promise<BarrierOutcome>;
  /** One push of a text exposition body, never retried. */
  push(
    method: 'PUT' | 'POST',
    path: string,
    body: string,
    signal?: AbortSignal,
  ): Promise<PushResult>;
  /** A PUT, retried like a DELETE (restore). */
  put(path: string, body: string, signal?: AbortSignal): Promise<PushResult>;
}

export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, baseDelayMs: 250, maxDelayMs: 5000 };

export interface ClientOptions extends ListingLimits {
  readonly url: GatewayUrl;
  readonly timeoutMs: number;
  readonly connections: number;
  /** Sent with every request (auth and --header). Never logged. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly tls?: TlsMaterial | undefined;
  readonly retry?: RetryPolicy;
  /** What list() reads unless told otherwise. Default `json`. */
  readonly listing?: ListingFormat;
  /** Keep each group's full JSON (json listing only), for the archive. */
  readonly keepRaw?: boolean;
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

const EXPOSITION = 'text/plain; version=0.0.4; charset=utf-8';

export function createClient(options: ClientOptions): GatewayClient {
  const { agent, errorContext } = createTransport(options);
  const { origin, basePath, href } = options.url;
  const headers = { ...(options.headers ?? {}) };
  const pushHeaders = { ...headers, 'content-type': EXPOSITION };
  const retry = options.retry ?? DEFAULT_RETRY;
  const maxBodyBytes = options.maxListingBytes ?? 2 ** 30;

  /** Where every request leaves: under the base path, with the push headers when it has a body. */
  function request(
    method: 'GET' | 'DELETE' | 'POST' | 'PUT',
    path: string,
    signal: AbortSignal,
    body?: string,
  ): Promise<Dispatcher.ResponseData> {
    return agent.request({
      origin,
      method,
      path: `${basePath}${path}`,
      headers: body === undefined ? headers : pushHeaders,
      ...(body === undefined ? {} : { body }),
      signal,
    });
  }

  /** One request under its whole-request deadline; call `deadline.done()` once the body is read. */
  async function send(
    method: 'GET' | 'DELETE' | 'POST' | 'PUT',
    path: string,
    signal?: AbortSignal,
    body?: string,
  ): Promise<{ res: Dispatcher.ResponseData; deadline: RequestDeadline }> {
    const deadline = requestDeadline(options.timeoutMs, signal);
    try {
      const res = await request(method, path, deadline.signal, body);
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

  /** Retries a network error, 429 or 5xx with backoff; `once` returns status 0 for no answer. */
  async function retried<R extends { status: number }>(
    once: (attempt: number, last: boolean) => Promise<R>,
    signal?: AbortSignal,
  ): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      const last = attempt > retry.retries || signal?.aborted === true;
      const result = await once(attempt, last);
      if (last || !isRetryableStatus(result.status)) return result;
      const delay = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
      await sleep(delay, undefined, signal ? { signal } : {}).catch(() => {});
    }
  }

  async function push(
    method: 'PUT' | 'POST',
    path: string,
    body: string,
    signal?: AbortSignal,
  ): Promise<PushResult> {
    const deadline = requestDeadline(options.timeoutMs, signal);
    try {
      const res = await request(method, path, deadline.signal, body);
      const text = await readHead(res.body, deadline.signal);
      return { status: res.statusCode, detail: snippet(text, 200, '') };
    } catch (err) {
      return { status: 0, detail: describeNetworkError(err, errorContext) };
    } finally {
      deadline.done();
    }
  }

  async function get(path: string, opts: GetOptions, signal: AbortSignal): Promise<ProbeResult> {
    let res: Dispatcher.ResponseData;
    try {
      res = await request('GET', path, signal);
    } catch (err) {
      return failure(err);
    }
    try {
      const read = await readBody(res.body, opts);
      return { kind: 'response', status: res.statusCode, headers: res.headers, ...read };
    } catch (err) {
      return failure(err, res.statusCode);
    }
  }

  function failure(err: unknown, status?: number): ProbeFailure {
    return {
      kind: 'network-error',
      code: errorCode(err),
      message: describeNetworkError(err, errorContext),
      midBody: status !== undefined,
      ...(status === undefined ? {} : { status }),
    };
  }

  return {
    baseUrl: href,
    maxLineBytes: options.maxGroupBytes ?? 16 * 2 ** 20,
    maxBodyBytes,

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
      const groups = readListing(
        res.body,
        deadline,
        {
          mode,
          keepRaw: options.keepRaw === true,
          target,
          errorContext,
          maxGroupBytes: options.maxGroupBytes,
          maxListingBytes: options.maxListingBytes,
          maxGroups: options.maxGroups,
        },
        stats,
      );
      return { date, dateMs: date.ok ? date.ms : undefined, groups, stats };
    },

    deleteGroup(path, signal) {
      return retried(async (attempt, last) => {
        try {
          const { res, deadline } = await send('DELETE', path, signal);
          const text = await answerText('DELETE', path, res, deadline);
          return { status: res.statusCode, body: text.slice(0, 200).trim(), attempts: attempt };
        } catch (err) {
          if (last) throw err;
          return { status: 0, body: '', attempts: attempt };
        }
      }, signal);
    },

    async healthy(signal) {
      const deadline = requestDeadline(options.timeoutMs, signal);
      try {
        const res = await request('GET', '-/healthy', deadline.signal);
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

    async get(path, opts = {}) {
      // --timeout bounds the whole request, body included (see requestDeadline).
      const deadline = requestDeadline(options.timeoutMs, opts.signal);
      try {
        const maxBytes = Math.min(opts.maxBytes ?? maxBodyBytes, maxBodyBytes);
        return await get(path, { ...opts, maxBytes }, deadline.signal);
      } finally {
        deadline.done();
      }
    },

    push,

    put(path, body, signal) {
      return retried(() => push('PUT', path, body, signal), signal);
    },

    async close() {
      await agent.close();
    },
  };
}

/** 5xx (the gateway or a proxy in trouble), 429 and no answer (0) are worth another try. */
function isRetryableStatus(status: number): boolean {
  return status === 0 || status === 429 || status >= 500;
}

function shorten(path: string): string {
  return path.length > 200 ? `${path.slice(0, 200)}...` : path;
}
