/**
 * The connection setup every request to a gateway shares: one undici dispatcher (HTTP(S)_PROXY and
 * NO_PROXY honoured), TLS material, bounded timeouts (undici's defaults are 300 s), and the
 * whole-request deadline. Knows nothing of the Pushgateway; client.ts builds on it.
 */
import { Agent, type Dispatcher, EnvHttpProxyAgent } from 'undici';
import type { GatewayUrl } from './base-url.ts';
import { checkProxyEnv } from './proxy-env.ts';

export interface TlsMaterial {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly rejectUnauthorized: boolean;
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

/** What error messages need to know about the gateway a request went to. */
export interface ErrorContext {
  readonly timeoutMs: number;
  /** The gateway's host and port, to tell a refused proxy from a refused gateway. */
  readonly host?: string;
  readonly port?: number;
  /** A closed connection on HTTPS without --cert-file often means mutual TLS. */
  readonly httpsWithoutClientCert?: boolean;
}

/** Connecting should be quick even when the listing is slow to build. */
const MAX_CONNECT_TIMEOUT_MS = 10_000;

export interface Transport {
  /** An Agent, or an EnvHttpProxyAgent when a proxy variable is set. */
  readonly agent: Dispatcher;
  readonly url: GatewayUrl;
  readonly errorContext: ErrorContext;
}

export function createTransport(options: {
  readonly url: GatewayUrl;
  readonly timeoutMs: number;
  readonly connections: number;
  readonly tls?: TlsMaterial | undefined;
}): Transport {
  const { url } = options;
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
  const errorContext: ErrorContext = {
    timeoutMs: options.timeoutMs,
    host: url.hostname,
    port: url.port,
    httpsWithoutClientCert: url.https && !tls.cert,
  };
  return { agent, url, errorContext };
}

/** Whether EnvHttpProxyAgent would route any request through a proxy (it reads these names). */
export function proxyConfigured(env: NodeJS.ProcessEnv): boolean {
  return ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY'].some((name) => !!env[name]);
}
