/**
 * One readable line for what went wrong with a request: network and TLS failures by their code,
 * and the statuses that mean --url or the credentials are wrong rather than the gateway sick.
 */
import { errors } from 'undici';
import { headerValue, snippet } from './http-read.ts';
import { type ErrorContext, RequestTimeoutError } from './http-transport.ts';

/** What each certificate check failure means for the user, by Node's TLS error code. */
export const TLS_ERRORS: Readonly<Record<string, string>> = {
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
    address?: unknown;
    port?: unknown;
    cause?: { address?: unknown; port?: unknown };
  } | null;
  const c = errorCode(err);
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

/** The Node or undici error code of a failure, or of its cause. */
export function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  return typeof e?.code === 'string'
    ? e.code
    : typeof e?.cause?.code === 'string'
      ? e.cause.code
      : undefined;
}

export function describeListingStatus(
  target: string,
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  mode: 'json' | 'text',
): string {
  const head = snippet(body, 120, '');
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
    return `GET ${target} answered 500${head ? ` (${head})` : ''}: the gateway's store is inconsistent, so its text page fails; nothing was deleted (run pgsweep doctor, or sweep with --listing json)`;
  }
  return `GET ${target} answered ${status}${head ? ` (${head})` : ''}; nothing was deleted`;
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
